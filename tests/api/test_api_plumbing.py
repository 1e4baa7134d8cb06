"""The shared HTTP plumbing on a resolver of its own: claims, the error body for every kind of
failure, the correlation id. Handler-level: payload-2.0 events, no AWS."""

from __future__ import annotations

import io
import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, ConfigDict, Field

from local.httpapi import Route, build_event
from returns_core.refunds.models import ReturnLine
from returns_service.api import http
from returns_service.api.caller import caller_of, cs_agent_of, customer_of, parse_groups
from returns_service.errors import Conflict

ROUTE = Route(api="Api", method="POST", path="/things/{thingId}", function="Fn", authorizer="Jwt")


class ThingBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lines: list[ReturnLine] = Field(min_length=1)
    name: str


class Answer(BaseModel):
    ok: bool


app = http.new_resolver()
BEHAVIOUR: dict[str, Any] = {}


@app.post("/things/<thingId>")
def post_thing(thing_id: Annotated[str, Path(alias="thingId")], body: ThingBody) -> Answer:
    action = BEHAVIOUR.get("action")
    if action == "conflict":
        raise Conflict("the thing is busy", [{"state": "busy"}])
    if action == "conflict-zh":
        raise Conflict("事情正忙", [{"state": "忙"}])
    if action == "crash":
        raise RuntimeError("table returns-dev-ReturnsTable arn:aws:states:::task-token AAAAtoken")
    if action == "bad-answer":
        return {"ok": "not a boolean"}  # type: ignore[return-value]
    return Answer(ok=customer_of(app.current_event) == "cust-1")


def call(
    body: Any = None,
    *,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    claims: dict[str, Any] | None = None,
    guards: tuple[http.Guard, ...] = (),
) -> tuple[int, dict[str, str], Any, dict[str, Any]]:
    event = build_event(
        ROUTE,
        {"thingId": "T1"},
        "POST",
        "/things/T1",
        body=body,
        raw_body=raw_body,
        headers=headers,
        claims={"sub": "cust-1"} if claims is None else claims,
    )
    result = http.serve(app, event, None, guards=guards)
    headers_out = {k.lower(): v for k, v in result["headers"].items()}
    return result["statusCode"], headers_out, json.loads(result["body"]), event


@pytest.fixture
def log_lines():
    """What the Powertools Logger writes (JSON lines), captured from its own handler."""
    handler = http.logger.registered_handler
    buffer = io.StringIO()
    previous = handler.setStream(buffer)  # type: ignore[attr-defined]
    yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    handler.setStream(previous)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _behaviour():
    BEHAVIOUR.clear()
    yield
    BEHAVIOUR.clear()


GOOD = {"lines": [{"lineId": "L1", "quantity": 1}], "name": "x"}


def test_success_carries_the_request_id_as_correlation_id():
    status, headers, body, event = call(GOOD)
    assert (status, body) == (200, {"ok": True})
    assert headers["x-correlation-id"] == event["requestContext"]["requestId"]


def test_correlation_id_is_in_the_logs(log_lines):
    _, headers, _, _ = call(GOOD)
    assert any(line.get("correlation_id") == headers["x-correlation-id"] for line in log_lines())


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        ({"lines": [{"lineId": "L1", "quantity": "two"}], "name": "x"}, "lines[0].quantity", "int_parsing"),
        (
            {"lines": [{"lineId": "L1", "quantity": 0}], "name": "x"},
            "lines[0].quantity",
            "greater_than_equal",
        ),
        ({"lines": "L1", "name": "x"}, "lines", "list_type"),
        ({"lines": [], "name": "x"}, "lines", "too_short"),
        ({"lines": [{"lineId": "L1", "quantity": 1}]}, "name", "missing"),
        ({**GOOD, "name": 5}, "name", "string_type"),
        ({**GOOD, "extra": True}, "extra", "extra_forbidden"),
        ({**GOOD, "lines": [{"lineId": "L1", "quantity": 1.5}]}, "lines[0].quantity", "int_from_float"),
    ],
)
def test_wrong_types_are_400_naming_the_field(body, field, kind):
    status, headers, answer, _ = call(body)
    assert status == 400
    assert answer["error"]["code"] == "bad_request"
    assert [(d["location"], d["field"], d["type"]) for d in answer["error"]["details"]] == [
        ("body", field, kind)
    ]
    assert field in answer["error"]["message"]
    assert "x-correlation-id" in headers


@pytest.mark.parametrize("raw", ["{", '{"lines": [}', "not json", "{'single': 'quotes'}"])
def test_malformed_json_is_400(raw):
    status, _, answer, _ = call(raw_body=raw, headers={"content-type": "application/json"})
    assert status == 400
    assert answer["error"]["code"] == "bad_request"
    assert answer["error"]["message"] == "The request body is not valid JSON."
    assert answer["error"]["details"][0]["location"] == "body"


@pytest.mark.parametrize("raw", ["[1, 2]", '"a string"', "42", "null"])
def test_json_that_is_not_an_object_is_400(raw):
    status, _, answer, _ = call(raw_body=raw, headers={"content-type": "application/json"})
    assert status == 400
    assert answer["error"]["code"] == "bad_request"


def test_missing_body_is_400():
    status, _, answer, _ = call(None)
    assert status == 400
    assert answer["error"]["details"][0]["issue"] == "A JSON request body is required"


@pytest.mark.parametrize(
    "media_type", ["text/plain", "application/merge-patch+json", "multipart/form-data; boundary=x"]
)
def test_other_media_types_are_400_not_500(media_type):
    status, _, answer, _ = call(raw_body=json.dumps(GOOD), headers={"content-type": media_type})
    assert status == 400
    assert answer["error"]["details"][0]["field"] == "content-type"


def test_json_with_a_charset_is_json():
    status, _, answer, _ = call(
        raw_body=json.dumps(GOOD), headers={"content-type": "application/json; charset=utf-8"}
    )
    assert (status, answer) == (200, {"ok": True})


def test_a_body_that_is_not_json_by_content_type_is_400():
    status, _, answer, _ = call(
        raw_body="lines=1", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert status == 400
    assert answer["error"]["details"][0]["field"] == "content-type"


def test_service_errors_keep_status_code_message_and_details():
    BEHAVIOUR["action"] = "conflict"
    status, _, answer, _ = call(GOOD)
    assert status == 409
    assert answer == {
        "error": {"code": "conflict", "message": "the thing is busy", "details": [{"state": "busy"}]}
    }


def test_unexpected_errors_are_500_without_internals(log_lines):
    BEHAVIOUR["action"] = "crash"
    status, headers, answer, _ = call(GOOD)
    assert status == 500
    assert answer["error"]["code"] == "internal_error"
    text = json.dumps(answer)
    for secret in ("returns-dev", "arn:aws", "token", "Traceback", "RuntimeError"):
        assert secret not in text
    [logged] = [line for line in log_lines() if line["level"] == "ERROR"]
    assert "RuntimeError" in logged["exception"]
    assert logged["correlation_id"] == headers["x-correlation-id"]


def test_an_answer_that_breaks_our_own_model_is_500_not_400():
    BEHAVIOUR["action"] = "bad-answer"
    status, _, answer, _ = call(GOOD)
    assert status == 500
    assert answer["error"]["code"] == "internal_error"


def test_guards_refuse_before_the_body_is_looked_at():
    status, headers, answer, _ = call(raw_body="{", claims={"sub": "cust-1"}, guards=(cs_agent_of,))
    assert status == 403
    assert answer["error"]["code"] == "forbidden"
    assert "x-correlation-id" in headers


def test_error_bodies_are_utf8_json_without_escapes():
    def refuse(event):
        raise Conflict("退货单已关闭")

    BEHAVIOUR["action"] = "conflict-zh"
    for guards, text in (((refuse,), "退货单已关闭"), ((), "事情正忙")):
        event = build_event(
            ROUTE, {"thingId": "T1"}, "POST", "/things/T1", body=GOOD, claims={"sub": "cust-1"}
        )
        result = http.serve(app, event, None, guards=guards)
        assert result["statusCode"] == 409
        assert text in result["body"] and "\\u" not in result["body"]


def test_a_guard_that_breaks_is_500_without_internals(log_lines):
    def broken(event):
        raise ConnectionError("secretsmanager arn:aws:secretsmanager:us-east-1:1:secret:returns/dev")

    status, headers, answer, _ = call(GOOD, guards=(broken,))
    assert status == 500 and answer["error"]["code"] == "internal_error"
    assert "arn:aws" not in json.dumps(answer) and "x-correlation-id" in headers
    assert any("ConnectionError" in line.get("exception", "") for line in log_lines())


def test_no_subject_is_401():
    status, _, answer, _ = call(GOOD, claims={"scope": "x"}, guards=(customer_of,))
    assert status == 401
    assert answer["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("raw", "groups"),
    [
        ("[cs admin]", {"cs", "admin"}),
        ("[cs]", {"cs"}),
        ("[]", set()),
        (["cs", "admin"], {"cs", "admin"}),
        (("cs",), {"cs"}),
        ("[customers]", {"customers"}),
        ("[support,cs]", {"support,cs"}),
        ('["cs"]', {'"cs"'}),
        ("[cs,]", {"cs,"}),
        ("[[cs]", {"[cs"}),
        ("", set()),
        (None, set()),
    ],
)
def test_groups_claim_is_read_as_api_gateway_or_a_list_gives_it(raw, groups):
    assert parse_groups(raw) == frozenset(groups)


@pytest.mark.parametrize(
    "raw",
    [
        # Not API Gateway's "[a b]" nor a list: no group at all, whatever the text holds.
        "cs",
        "cs,admin",
        '["cs","admin"]',
        "[ cs]",
        "[cs ]",
        "[admin  cs]",
        "[cs",
        "cs]",
        {"cs": True},
        7,
        # Whole names only: a list member is never trimmed, split or unquoted.
        [" cs"],
        ["cs "],
        ["support,cs"],
        ['"cs"'],
        ["cs,"],
        ["[cs"],
        [["cs"]],
        ["CS"],
    ],
)
def test_no_hostile_group_name_or_shape_is_read_as_cs(raw):
    assert "cs" not in parse_groups(raw)


def test_cs_group_read_from_api_gateway_claims():
    event = build_event(
        ROUTE, {}, "POST", "/things/T1", claims={"sub": "agent-7", "cognito:groups": ["cs", "x"]}
    )
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

    agent = cs_agent_of(APIGatewayProxyEventV2(event))
    assert agent.is_cs and agent.actor == "cs:agent-7"
    customer = build_event(ROUTE, {}, "POST", "/things/T1", claims={"sub": "c", "cognito:groups": ["csx"]})
    assert not caller_of(APIGatewayProxyEventV2(customer)).is_cs
