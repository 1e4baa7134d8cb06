"""API Gateway HTTP API, as far as a Lambda handler can tell: route selection, the JWT authorizer's
gate, the payload format 2.0 event and the reading of the handler's answer.

The handlers are written against real API Gateway, so the local stack has to hand them the same
event (lower-cased headers, comma-joined repeated query values, claims as strings, arrays as
"[a b]") and turn their answer into a response the same way.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode

from local.template import TemplateError

LOG = logging.getLogger("local.httpapi")
# Lambda refuses a synchronous response over this many bytes; API Gateway then answers 500.
LAMBDA_RESPONSE_LIMIT = 6_291_556

ANY_METHOD = "ANY"


@dataclass(frozen=True)
class Route:
    """One `METHOD /path` of an HTTP API, bound to a function; `authorizer` None means open."""

    api: str
    method: str
    path: str
    function: str
    authorizer: str | None = None
    scopes: tuple[str, ...] = ()

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when this route takes `method path`, else None."""
        if self.method not in (ANY_METHOD, method.upper()):
            return None
        if self.path == "$default":
            return {}
        wanted = self.segments
        parts = [p for p in path.split("/") if p]
        params: dict[str, str] = {}
        for index, segment in enumerate(wanted):
            if segment.startswith("{") and segment.endswith("+}"):
                rest = parts[index:]
                if not rest:
                    return None
                params[segment[1:-2]] = unquote("/".join(rest))
                return params
            if index >= len(parts):
                return None
            if segment.startswith("{") and segment.endswith("}"):
                params[segment[1:-1]] = unquote(parts[index])
            elif segment != parts[index]:
                return None
        return params if len(parts) == len(wanted) else None

    def specificity(self) -> tuple[int, ...]:
        """Sort key, greater = preferred: literal beats `{param}` beats `{greedy+}`, segment by
        segment; then longer paths; then an exact method over ANY; `$default` comes last."""
        if self.path == "$default":
            return (-1,)
        ranks = [0 if s.endswith("+}") else 1 if s.startswith("{") else 2 for s in self.segments]
        return (*ranks, len(ranks), 0 if self.method == ANY_METHOD else 1)


def select_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway would pick for `method path` (most specific first), with its params."""
    candidates: list[tuple[Route, dict[str, str]]] = []
    for route in routes:
        params = route.match(method, path)
        if params is not None:
            candidates.append((route, params))
    if not candidates:
        return None
    return max(candidates, key=lambda c: _padded(c[0].specificity()))


def _padded(key: tuple[int, ...]) -> tuple[int, ...]:
    # Compare segment ranks first; keys differ in length, so pad the rank part.
    return (*key, *([-2] * (32 - len(key))))


def format_claims(claims: Mapping[str, Any]) -> dict[str, str]:
    """Claims as the HTTP API JWT authorizer passes them: every value a string, arrays as "[a b]"."""
    formatted: dict[str, str] = {}
    for name, value in claims.items():
        if isinstance(value, list | tuple):
            formatted[name] = "[" + " ".join(_claim_text(v) for v in value) + "]"
        else:
            formatted[name] = _claim_text(value)
    return formatted


def _claim_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


@dataclass
class HttpResponse:
    """What the caller of the API receives."""

    status: int
    headers: dict[str, str]
    text: str  # the body as a client reads it (decompressed when the server gzipped it)
    json: Any = field(default=None)
    body: bytes = b""  # the bytes on the wire

    @classmethod
    def of(
        cls, status: int, headers: Mapping[str, str], text: str, body: bytes | None = None
    ) -> HttpResponse:
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        wire = text.encode("utf-8") if body is None else body
        return cls(status=status, headers=lowered, text=text, json=parsed, body=wire)

    @classmethod
    def message(cls, status: int, message: str) -> HttpResponse:
        """API Gateway's own answers (`{"message": "Not Found"}`), not the function's."""
        return cls.of(status, {"content-type": "application/json"}, json.dumps({"message": message}))

    @classmethod
    def unauthorized(cls, why: str) -> HttpResponse:
        """The JWT authorizer's refusal: its own 401 body, and why in `WWW-Authenticate` (RFC 6750
        form; API Gateway puts the same `error` and `error_description` there)."""
        described = why.replace("\\", "/").replace('"', "'")
        challenge = f'Bearer error="invalid_token", error_description="{described}"'
        answer = cls.message(401, "Unauthorized")
        answer.headers["www-authenticate"] = challenge
        return answer


def build_event(
    route: Route,
    path_parameters: Mapping[str, str],
    method: str,
    path: str,
    *,
    body: Any = None,
    raw_body: str | bytes | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str | list[str]] | None = None,
    claims: Mapping[str, Any] | None = None,
    api_id: str = "localapi",
    account_id: str = "123456789012",
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway sends for this request.

    `body` is sent as JSON text; `raw_body` as is (bytes base64-encoded, `isBase64Encoded` true).
    """
    lowered: dict[str, str] = {k.lower(): str(v) for k, v in (headers or {}).items()}
    text: str | None = None
    encoded = False
    if raw_body is not None:
        if isinstance(raw_body, bytes):
            text, encoded = base64.b64encode(raw_body).decode(), True
        else:
            text = raw_body
    elif body is not None:
        text = json.dumps(body)
        lowered.setdefault("content-type", "application/json")
    if text is not None:
        lowered.setdefault("content-length", str(len(text.encode())))
    host = f"{api_id}.execute-api.us-east-1.amazonaws.com"
    lowered.setdefault("host", host)
    lowered.setdefault("user-agent", "local-stack")
    lowered.setdefault("x-forwarded-for", source_ip)
    lowered.setdefault("x-forwarded-proto", "https")
    request_id = str(uuid.uuid4())
    lowered.setdefault("x-amzn-trace-id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}")

    pairs: list[tuple[str, str]] = []
    for name, value in (query or {}).items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((name, str(item)))
    query_parameters: dict[str, str] = {}
    for name, item in pairs:
        query_parameters[name] = f"{query_parameters[name]},{item}" if name in query_parameters else item

    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": quote(path, safe="/%:@!$&'()*+,;=-._~"),
        "rawQueryString": urlencode(pairs),
        "headers": lowered,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": host,
            "domainPrefix": api_id,
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered["user-agent"],
            },
            "requestId": request_id,
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": encoded,
    }
    if "cookie" in lowered:
        event["cookies"] = [c.strip() for c in lowered["cookie"].split(";") if c.strip()]
    if query_parameters:
        event["queryStringParameters"] = query_parameters
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if text is not None:
        event["body"] = text
    if claims is not None:
        scope = claims.get("scope")
        event["requestContext"]["authorizer"] = {
            "jwt": {
                "claims": format_claims(claims),
                "scopes": str(scope).split() if scope else None,
            }
        }
    return event


def _oversized(result: Any) -> int | None:
    """The bytes of a handler's answer as Lambda serialises it when over Lambda's limit, else None.
    Serialised only when the body could come near it: every request passes here, most are small
    (a UTF-8 character is at most 4 bytes; headers are far below the margin)."""
    body = result.get("body") if isinstance(result, dict) else None
    if isinstance(body, str) and 4 * len(body) < LAMBDA_RESPONSE_LIMIT // 2:
        return None
    size = len(json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode())
    return size if size > LAMBDA_RESPONSE_LIMIT else None


def read_response(result: Any) -> HttpResponse:
    """Turn a handler's return value into the HTTP response, as payload format 2.0 does.

    A dict with `statusCode` is taken as the response; anything else is JSON with status 200.
    """
    if isinstance(result, dict) and "statusCode" in result:
        headers = {str(k): str(v) for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[str(name)] = ",".join(str(v) for v in values)
        if result.get("cookies"):
            headers["set-cookie"] = ", ".join(str(c) for c in result["cookies"])
        body = result.get("body")
        text = "" if body is None else str(body)
        if not (result.get("isBase64Encoded") and text):
            return HttpResponse.of(int(result["statusCode"]), headers, text)
        wire = base64.b64decode(text)
        if {k.lower(): v for k, v in headers.items()}.get("content-encoding", "").lower() == "gzip":
            text = gzip.decompress(wire).decode("utf-8", errors="replace")
        else:
            text = wire.decode("utf-8", errors="replace")
        return HttpResponse.of(int(result["statusCode"]), headers, text, body=wire)
    return HttpResponse.of(200, {"content-type": "application/json"}, json.dumps(result, ensure_ascii=False))


def cors_headers(config: Mapping[str, Any], origin: str, *, preflight: bool) -> dict[str, str]:
    """The CORS headers API Gateway adds for an allowed `origin` (none for others): an HTTP API with
    a CorsConfiguration answers preflights itself and overrides the integration's CORS headers."""
    origins = [str(o) for o in config.get("AllowOrigins") or []]
    if "*" in origins:
        allowed = "*"
    elif origin in origins:
        allowed = origin
    else:
        return {}
    headers = {"access-control-allow-origin": allowed}
    if config.get("AllowCredentials") in (True, "true"):
        headers["access-control-allow-credentials"] = "true"
    if preflight:
        if config.get("AllowMethods"):
            headers["access-control-allow-methods"] = ",".join(str(m) for m in config["AllowMethods"])
        if config.get("AllowHeaders"):
            headers["access-control-allow-headers"] = ",".join(str(h) for h in config["AllowHeaders"])
        if config.get("MaxAge") is not None:
            headers["access-control-max-age"] = str(config["MaxAge"])
    elif config.get("ExposeHeaders"):
        headers["access-control-expose-headers"] = ",".join(str(h) for h in config["ExposeHeaders"])
    return headers


class HttpApi:
    """The template's HTTP API(s): routes, JWT authorizers and CORS, in front of the functions."""

    NO_TOKEN = "no bearer token in the Authorization header"

    def __init__(self, find_function: Callable[[str], Any]) -> None:
        self.routes: list[Route] = []
        self.authorizers: dict[str, dict[str, Any]] = {}
        self.cors: dict[str, dict[str, Any]] = {}
        self.api_ids: dict[str, str] = {}
        self._find_function = find_function

    def add_route(self, route: Route) -> None:
        clash = [r for r in self.routes if r.api == route.api and r.route_key == route.route_key]
        if clash:
            raise TemplateError(
                f"route {route.route_key} is declared by {clash[0].function} and {route.function}"
            )
        self.routes.append(route)

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw_body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str | list[str]] | None = None,
        claims: Mapping[str, Any] | None = None,
        account_id: str = "123456789012",
    ) -> HttpResponse:
        """A request answered as API Gateway would: CORS, route selection, the JWT gate, the
        function's answer. `claims` are the verified JWT claims (None = no token)."""
        if "?" in path:
            path, _, raw_query = path.partition("?")
            parsed: dict[str, str | list[str]] = {
                k: v if len(v) > 1 else v[0] for k, v in parse_qs(raw_query, keep_blank_values=True).items()
            }
            query = {**parsed, **(query or {})}
        chosen = select_route(self.routes, method, path)
        origin = next((str(v) for k, v in (headers or {}).items() if k.lower() == "origin"), None)
        preflight = method.upper() == "OPTIONS" and any(
            k.lower() == "access-control-request-method" for k in (headers or {})
        )
        cors = self.cors.get(chosen[0].api) if chosen else None
        if cors is None and len(self.cors) == 1:
            cors = next(iter(self.cors.values()))
        if cors is not None and origin is not None and preflight:
            return HttpResponse.of(204, cors_headers(cors, origin, preflight=True), "")
        answer = self._route(chosen, method, path, body, raw_body, headers, query, claims, account_id)
        if cors is not None and origin is not None:
            answer.headers = {
                **{k: v for k, v in answer.headers.items() if not k.startswith("access-control-")},
                **cors_headers(cors, origin, preflight=False),
            }
        return answer

    def _route(
        self,
        chosen: tuple[Route, dict[str, str]] | None,
        method: str,
        path: str,
        body: Any,
        raw_body: str | bytes | None,
        headers: Mapping[str, str] | None,
        query: Mapping[str, str | list[str]] | None,
        claims: Mapping[str, Any] | None,
        account_id: str,
    ) -> HttpResponse:
        if chosen is None:
            return HttpResponse.message(404, "Not Found")
        route, path_parameters = chosen
        if route.authorizer is not None and claims is None:
            return HttpResponse.unauthorized(self.NO_TOKEN)
        event = build_event(
            route,
            path_parameters,
            method,
            path,
            body=body,
            raw_body=raw_body,
            headers=headers,
            query=query,
            claims=claims if route.authorizer is not None else None,
            api_id=self.api_ids.get(route.api, "localapi"),
            account_id=account_id,
        )
        function = self._find_function(route.function)
        if function is None:
            raise KeyError(f"{route.function} is not a function of the template")
        try:
            result = function.call(event)
        except Exception:
            LOG.exception("%s failed on %s %s", route.function, method, path)
            return HttpResponse.message(500, "Internal Server Error")
        size = _oversized(result)
        if size is not None:
            LOG.error(
                "%s answered %s %s with %d bytes, over Lambda's response limit (%d)",
                route.function,
                method,
                path,
                size,
                LAMBDA_RESPONSE_LIMIT,
            )
            return HttpResponse.message(500, "Internal Server Error")
        return read_response(result)
