"""HTTP plumbing shared by the three API functions: the resolver, the contract's error body for
every failure, and a correlation id on every response and every log line.

Each function builds its resolver with :func:`new_resolver` and answers with :func:`serve`, so a
refusal looks the same whichever route gave it, and nothing internal (stack traces, table names,
task tokens, pydantic internals) ever reaches a caller.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFound
from aws_lambda_powertools.event_handler.exceptions import ServiceError as PowertoolsServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service.api.common import CONTROL_CHARACTER, ErrorBody, GatewayUnauthorized
from returns_service.errors import BadRequest, ServiceError

CORRELATION_HEADER = "x-correlation-id"
JWT_SECURITY: list[dict[str, list[str]]] = [{"jwt": []}]
INTERNAL_MESSAGE = "Something went wrong on our side. Quote the x-correlation-id header if you report it."
# The contract's bodies are three levels deep; anything near Python's recursion limit is an attack.
MAX_JSON_DEPTH = 32
_ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "Malformed: not JSON, a wrong type, a missing or unknown field (details name the fields)",
    401: (
        'No valid bearer token: API Gateway\'s JWT authorizer answers `{"message": "Unauthorized"}` and says'
        " why in `WWW-Authenticate`; a verified token without a subject gets the error body"
    ),
    403: "Not allowed for this caller (or a bad or expired signature)",
    404: "No such order or return for this caller",
    409: "The return's state does not allow this now",
    422: "Well-formed but not allowed",
    500: "Our fault; the x-correlation-id header identifies the request in our logs",
}

logger = Logger()

# A guard runs before routing, on the raw event: it raises a ServiceError to refuse the request
# (who may call is settled before what they sent is even parsed). Its return value is ignored.
Guard = Callable[[APIGatewayProxyEventV2], object]


def _to_json(document: Any) -> str:
    """Every answer as compact UTF-8 JSON: 满199减100 as it is, not as \\u escapes."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, cls=Encoder)


def new_resolver() -> APIGatewayHttpResolver:
    """An HTTP API resolver that validates requests and responses against the route models and
    answers every failure with the contract's error body."""
    app = APIGatewayHttpResolver(enable_validation=True, serializer=_to_json)
    app.exception_handler(ServiceError)(_service_error)
    app.exception_handler(RequestValidationError)(_validation_error)
    app.exception_handler(RouteNotFound)(_route_not_found)
    app.exception_handler(PowertoolsServiceError)(_powertools_error)
    app.exception_handler(Exception)(_unexpected_error)
    return app


def responses(success: int, description: str, *refusals: int) -> dict[int, OpenAPIResponse]:
    """A route's OpenAPI ``responses``: the success (its schema from the return annotation) and
    each refusal it can give, with the contract's error body. 400 and 500 go on every route."""
    headers: dict[str, OpenAPIResponseHeader] = {
        CORRELATION_HEADER: {
            "description": "API Gateway's request id, also on every log line of the request",
            "schema": {"type": "string"},
        }
    }
    documented: dict[int, OpenAPIResponse] = {success: {"description": description, "headers": headers}}
    for status in sorted({400, *refusals, 500}):
        documented[status] = {
            "description": _ERROR_DESCRIPTIONS[status],
            "headers": headers,
            "content": {"application/json": {"model": ErrorBody}},
        }
    if 401 in documented:
        documented[401] = {
            "description": _ERROR_DESCRIPTIONS[401],
            "headers": {
                "WWW-Authenticate": {
                    "description": (
                        'Why the token was refused: `Bearer error="invalid_token", error_description="..."`'
                    ),
                    "schema": {"type": "string"},
                }
            },
            "content": {"application/json": {"model": GatewayUnauthorized | ErrorBody}},
        }
    return documented


def serve(
    app: APIGatewayHttpResolver,
    event: Mapping[str, Any],
    context: LambdaContext | None,
    *,
    guards: Sequence[Guard] = (),
) -> dict[str, Any]:
    """Answer one HTTP API event: guards, then the resolver; the correlation id (API Gateway's
    request id) goes on the response header and on every log line of the request."""
    proxy = APIGatewayProxyEventV2(dict(event))
    correlation_id = proxy.request_context.request_id or str(uuid.uuid4())
    logger.set_correlation_id(correlation_id)
    logger.append_keys(route=proxy.route_key or None)
    try:
        # Who may call is settled first (a stranger learns nothing, not even what is malformed),
        # then whether the body can be read at all.
        for guard in (*guards, _json_only):
            guard(proxy)
        event = _with_readable_body(event, proxy)
    except ServiceError as refusal:
        _log_refusal(refusal)
        result = _raw_error(refusal.status, refusal.code, refusal.message, refusal.details)
    except Exception:  # a guard could not decide (e.g. the signing key unreadable): ours, not theirs
        logger.exception("guard failed")
        result = _raw_error(500, "internal_error", INTERNAL_MESSAGE, ())
    else:
        result = app.resolve(dict(event), context)  # type: ignore[arg-type]
    headers = result.setdefault("headers", {})
    headers[CORRELATION_HEADER] = correlation_id
    logger.info("request answered", extra={"status": result.get("statusCode"), "method": proxy.http_method})
    logger.remove_keys(["route"])
    return result


def _json_only(event: APIGatewayProxyEventV2) -> None:
    """Bodies are JSON: anything else would be parsed as a form and fail in confusing ways."""
    if not event.body:
        return
    media_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media_type and media_type != "application/json":
        raise BadRequest(
            "The request body must be JSON (Content-Type: application/json).",
            [{"location": "header", "field": "content-type", "issue": f"{media_type} is not JSON"}],
        )


def _with_readable_body(event: Mapping[str, Any], proxy: APIGatewayProxyEventV2) -> Mapping[str, Any]:
    """The event with its body as UTF-8 text, or 400: a body that is not UTF-8, or JSON nested
    deeper than MAX_JSON_DEPTH, is refused here, before the resolver (which would fail on it
    with a 500) parses it. Whether it is valid JSON the resolver says, naming the position."""
    raw = event.get("body")
    if not raw:
        return event
    text = str(raw)
    if proxy.is_base64_encoded:
        try:
            text = base64.b64decode(text.encode("ascii"), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeError):
            raise _unreadable("The request body is not UTF-8 text.", "not UTF-8") from None
    try:
        document = json.loads(text)
    except RecursionError:
        raise _too_deep() from None
    except ValueError:
        document = None  # not JSON: the resolver answers with its position
    if _depth_over(document, MAX_JSON_DEPTH):
        raise _too_deep()
    return {**event, "body": text, "isBase64Encoded": False}


def _depth_over(document: Any, limit: int) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (iterative: no recursion to exhaust)."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, dict):
            children: Iterable[Any] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


def _unreadable(message: str, issue: str) -> BadRequest:
    return BadRequest(message, [{"location": "body", "field": "", "issue": issue}])


def _too_deep() -> BadRequest:
    return _unreadable(
        f"The request body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep.",
        f"nested deeper than {MAX_JSON_DEPTH} levels",
    )


# -- error bodies ---------------------------------------------------------------------------


def _body(code: str, message: str, details: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": [dict(d) for d in details]}}


def error_response(
    status: int, code: str, message: str, details: Iterable[Mapping[str, Any]] = ()
) -> Response[dict[str, Any]]:
    """The contract's error body as a resolver response."""
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=_body(code, message, details)
    )


def _raw_error(status: int, code: str, message: str, details: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The same body as an HTTP API (payload 2.0) response, for refusals made before routing."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": _to_json(_body(code, message, details)),
        "isBase64Encoded": False,
    }


def _log_refusal(error: ServiceError) -> None:
    logger.info("request refused", extra={"status": error.status, "code": error.code})


def _service_error(error: ServiceError) -> Response[dict[str, Any]]:
    _log_refusal(error)
    return error_response(error.status, error.code, error.message, error.details)


def _validation_error(error: RequestValidationError) -> Response[dict[str, Any]]:
    problems = list(error.errors())
    if any(tuple(p.get("loc", ()))[:1] == ("response",) for p in problems):
        # Our answer did not fit our own model: a bug on our side, not the caller's.
        logger.error("response failed validation", extra={"problems": _describe(problems)})
        return error_response(500, "internal_error", INTERNAL_MESSAGE)
    details = _describe(problems)
    message = _validation_message(problems, details)
    if all(p.get("type") == CONTROL_CHARACTER for p in problems):
        # Well-formed, every field of the right type: text the service will not keep (422).
        logger.info("request refused", extra={"status": 422, "details": details})
        shown = "; ".join(f"{d['field']}: {d['issue']}" for d in details[:3])
        return error_response(
            422, "unprocessable", f"The request holds text that is not allowed: {shown}", details
        )
    logger.info("request invalid", extra={"status": 400, "details": details})
    return error_response(400, "bad_request", message, details)


def _describe(problems: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"location", "field", "issue"}``: which part of the request, which
    field (``lines[0].quantity``), what is wrong. The offending input is not echoed back."""
    details = []
    for problem in problems:
        loc = [part for part in problem.get("loc", ()) if part is not None]
        location = str(loc[0]) if loc else "body"
        kind = str(problem.get("type", ""))
        if kind == "json_invalid":
            error = (problem.get("ctx") or {}).get("error", "invalid JSON")
            position = loc[1] if len(loc) > 1 else 0
            details.append(
                {"location": "body", "field": "", "issue": f"{error} (at character {position})", "type": kind}
            )
            continue
        field = _field_path(loc[1:])
        issue = str(problem.get("msg", "is not valid"))
        if kind == "missing":
            issue = "Field required" if field else "A JSON request body is required"
        details.append({"location": location, "field": field, "issue": issue, "type": kind})
    return details


def _field_path(parts: Sequence[Any]) -> str:
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _validation_message(problems: Sequence[Mapping[str, Any]], details: Sequence[Mapping[str, Any]]) -> str:
    if any(p.get("type") == "json_invalid" for p in problems):
        return "The request body is not valid JSON."
    shown = [f"{d['field'] or d['location']}: {d['issue']}" for d in details[:3]]
    more = f" (and {len(details) - 3} more)" if len(details) > 3 else ""
    return "The request is not valid: " + "; ".join(shown) + more


def _route_not_found(error: RouteNotFound) -> Response[dict[str, Any]]:
    return error_response(404, "not_found", "No such route.")


def _powertools_error(error: PowertoolsServiceError) -> Response[dict[str, Any]]:
    """Powertools' own HTTP errors; their message may be anything, so only the status is kept."""
    try:
        phrase = HTTPStatus(int(error.status_code)).phrase
    except ValueError:
        phrase = "Refused"
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    logger.info("request refused", extra={"status": error.status_code, "code": code})
    return error_response(int(error.status_code), code, phrase + ".")


def _unexpected_error(error: Exception) -> Response[dict[str, Any]]:
    logger.exception("unhandled error")
    return error_response(500, "internal_error", INTERNAL_MESSAGE)
