"""Malformed JSON, wrong types and missing credentials on every route: 400 naming the field (or
401/403), with the contract's error body. Nothing here changes state, so one stack serves all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.client import AGENT, CUSTOMER, Api, new_return, one, shared_stack, signed_url

JSON = {"content-type": "application/json"}
BODY_ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/orders/O-SEED-1/return-quotes", CUSTOMER),
    ("POST", "/returns", CUSTOMER),
    ("POST", "/returns/R-ANY/shipment", CUSTOMER),
    ("POST", "/cs/returns/R-ANY/review", AGENT),
    ("POST", "/cs/returns/R-ANY/damage-review", AGENT),
]
ALL_ROUTES = [
    ("POST", "/orders/O-SEED-1/return-quotes"),
    ("POST", "/returns"),
    ("GET", "/returns"),
    ("GET", "/returns/R-ANY"),
    ("POST", "/returns/R-ANY/cancel"),
    ("POST", "/returns/R-ANY/shipment"),
    ("GET", "/cs/returns"),
    ("GET", "/cs/returns/R-ANY"),
    ("POST", "/cs/returns/R-ANY/review"),
    ("POST", "/cs/returns/R-ANY/damage-review"),
    ("POST", "/cs/returns/R-ANY/retry-refund"),
    ("GET", "/cs/customers/cust-1001/returns"),
]


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with shared_stack("O-SEED-1", "O-MIX-2") as shared:
        yield shared


def fields(response) -> list[str]:
    return [d["field"] for d in response.json["error"]["details"]]


# -- authentication and authorisation ---------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), ALL_ROUTES)
def test_every_jwt_route_is_401_without_a_token(api, method, path):
    response = api.call(method, path, body={})
    assert (response.status, response.json) == (401, {"message": "Unauthorized"})
    assert response.headers["www-authenticate"] == (
        'Bearer error="invalid_token", error_description="no bearer token in the Authorization header"'
    )


@pytest.mark.parametrize(("method", "path"), [r for r in ALL_ROUTES if r[1].startswith("/cs/")])
def test_cs_routes_are_403_without_the_cs_group_even_with_a_bad_body(api, method, path):
    for claims in (
        CUSTOMER,
        {"sub": "x", "cognito:groups": ["admin", "support"]},
        {"sub": "y", "cognito:groups": []},
    ):
        response = api.call(method, path, claims=claims, raw_body="{not json", headers=JSON)
        assert response.status == 403, (claims, response.text)
        assert response.json["error"]["code"] == "forbidden"


def test_the_cs_group_is_read_as_api_gateway_passes_it(api):
    for groups in (["cs"], ["admin", "cs"], "[cs]", "[cs admin]"):
        assert api.call("GET", "/cs/returns", claims={"sub": "a", "cognito:groups": groups}).status == 200


@pytest.mark.parametrize(
    "groups",
    [["support,cs"], ['"cs"'], ["cs,"], ["[cs"], [" cs"], "cs", '["cs"]', "support,cs", "[ cs]"],
)
def test_a_group_that_only_looks_like_cs_gets_no_cs_right(api, groups):
    claims = {"sub": "cust-1001", "cognito:groups": groups}
    assert api.call("GET", "/cs/returns", claims=claims).status == 403
    review = api.review("R-ANY", {"decision": "approve", "note": "x"}, claims=claims)
    assert review.status == 403 and review.json["error"]["code"] == "forbidden"


def test_a_token_without_a_subject_is_401(api):
    response = api.call("GET", "/returns", claims={"scope": "openid"})
    assert response.status == 401 and response.json["error"]["code"] == "unauthorized"


# -- malformed JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path", "claims"), BODY_ROUTES)
@pytest.mark.parametrize("raw", ["{", '{"a": }', "{'single': 'quotes'}", '{"orderId": "O-SEED-1",}', "nul"])
def test_malformed_json_is_400_on_every_route_with_a_body(api, method, path, claims, raw):
    response = api.call(method, path, raw_body=raw, headers=JSON, claims=claims)
    assert response.status == 400, response.text
    assert response.json["error"]["message"] == "The request body is not valid JSON."


@pytest.mark.parametrize(("method", "path", "claims"), BODY_ROUTES)
@pytest.mark.parametrize("raw", ["", "[]", "42", '"text"', "null"])
def test_a_body_that_is_not_an_object_is_400(api, method, path, claims, raw):
    response = api.call(method, path, raw_body=raw, headers=JSON, claims=claims)
    assert response.status == 400, response.text
    assert response.json["error"]["code"] == "bad_request"


RECEIPT = "the signed receipt URL"  # signed once the stack is deployed
JSON_BODY_ROUTES = [*BODY_ROUTES, ("POST", RECEIPT, None)]
NOT_UTF8 = [b"\xff", b'{"reasonDetail": "\xff\xfe"}', '{"note": "满199减100"}'.encode("gb18030")]
TOO_DEEP = [
    "[" * 1000 + "]" * 1000,
    '{"a":' * 1000 + "1" + "}" * 1000,
    '{"lines": ' + "[" * 40 + "]" * 40 + "}",
]


@pytest.mark.parametrize(("method", "path", "claims"), JSON_BODY_ROUTES)
@pytest.mark.parametrize("raw", NOT_UTF8)
def test_a_body_that_is_not_utf8_is_400_on_every_json_route(api, method, path, claims, raw):
    path = signed_url("R-ANY") if path == RECEIPT else path
    response = api.call(method, path, raw_body=raw, headers=JSON, claims=claims)
    assert response.status == 400, response.text
    assert response.json["error"]["message"] == "The request body is not UTF-8 text."


@pytest.mark.parametrize(("method", "path", "claims"), JSON_BODY_ROUTES)
@pytest.mark.parametrize("raw", TOO_DEEP, ids=["arrays", "objects", "40-in-a-field"])
def test_json_nested_too_deep_is_400_on_every_json_route(api, method, path, claims, raw):
    path = signed_url("R-ANY") if path == RECEIPT else path
    response = api.call(method, path, raw_body=raw, headers=JSON, claims=claims)
    assert response.status == 400, response.text
    assert "more than 32 levels deep" in response.json["error"]["message"]


def test_utf8_sent_base64_encoded_is_read(api):
    body = json.dumps({"lines": one(), "reason": "other"}).encode()
    response = api.call(
        "POST", "/orders/O-SEED-1/return-quotes", raw_body=body, headers=JSON, claims=CUSTOMER
    )
    assert response.status == 200, response.text


def test_a_stranger_is_refused_before_the_body_is_read(api):
    response = api.call("POST", "/cs/returns/R-ANY/review", raw_body=b"\xff", headers=JSON, claims=CUSTOMER)
    assert response.status == 403
    forged = signed_url("R-ANY").replace("signature=", "signature=0")
    assert api.call("POST", forged, raw_body="[" * 1000, headers=JSON).status == 403


def test_a_body_sent_as_a_form_is_400(api):
    form = {"content-type": "application/x-www-form-urlencoded"}
    response = api.call("POST", "/returns", raw_body="orderId=O-SEED-1", headers=form, claims=CUSTOMER)
    assert response.status == 400 and fields(response) == ["content-type"]


# -- wrong types, route by route ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lines": one(), "reason": "bored"}, "reason"),
        ({"lines": [{"lineId": "L2", "quantity": "one"}], "reason": "other"}, "lines[0].quantity"),
        ({"lines": [{"lineId": "L2", "quantity": "1"}], "reason": "other"}, "lines[0].quantity"),
        ({"lines": [{"lineId": "L2", "quantity": 0}], "reason": "other"}, "lines[0].quantity"),
        ({"lines": [], "reason": "other"}, "lines"),
        ({"lines": one(), "reason": "other", "returnShippingFee": "0.00"}, "returnShippingFee"),
        ({"reason": "other"}, "lines"),
    ],
)
def test_quote_with_wrong_types_is_400_naming_the_field(api, body, field):
    response = api.quote("O-SEED-1", body)
    assert response.status == 400
    assert field in fields(response)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"method": "teleport"}, "method"),
        ({"method": None}, "method"),
        ({"orderId": 42}, "orderId"),
        ({"orderId": ""}, "orderId"),
        ({"lines": "L2"}, "lines"),
        ({"lines": [{"lineId": "L2"}]}, "lines[0].quantity"),
        ({"lines": [{"lineId": "L2", "quantity": "1"}]}, "lines[0].quantity"),
        ({"lines": [{"lineId": "L2", "quantity": True}]}, "lines[0].quantity"),
        ({"lines": [{"lineId": "L2", "quantity": 1.0}]}, "lines[0].quantity"),
        ({"lines": [{"lineId": "L2", "quantity": -1}]}, "lines[0].quantity"),
        ({"lines": [{"lineId": 2, "quantity": 1}]}, "lines[0].lineId"),
        ({"lines": [{"lineId": "L2", "quantity": 1, "price": "1.00"}]}, "lines[0].price"),
        ({"reason": 3}, "reason"),
        ({"reasonDetail": ["a"]}, "reasonDetail"),
        ({"reasonDetail": "x" * 2001}, "reasonDetail"),
        ({"unexpected": True}, "unexpected"),
    ],
)
def test_create_with_wrong_types_is_400(api, change, field):
    response = api.create({**new_return(), **change})
    assert response.status == 400
    assert field in fields(response)


def test_every_wrong_field_is_named_at_once(api):
    response = api.create(
        {"orderId": 1, "lines": [{"lineId": "L1", "quantity": "x"}], "reason": "?", "method": "?"}
    )
    assert response.status == 400
    assert set(fields(response)) == {"orderId", "lines[0].quantity", "reason", "method"}
    assert "(and 1 more)" in response.json["error"]["message"]


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "tab\tkey"])
def test_a_malformed_idempotency_key_is_400(api, key):
    response = api.create(new_return(lines=one("L2")), key=key)
    assert response.status == 400, response.text
    assert response.json["error"]["details"][0]["location"] == "header"


@pytest.mark.parametrize(
    ("query", "field"), [({"orderId": ""}, "orderId"), ({"orderId": "x" * 129}, "orderId")]
)
def test_list_with_a_bad_order_id_is_400(api, query, field):
    response = api.call("GET", "/returns", query=query, claims=CUSTOMER)
    assert response.status == 400 and fields(response) == [field]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier": "SF"}, "trackingNumber"),
        ({"carrier": "SF", "trackingNumber": 12}, "trackingNumber"),
        ({"carrier": "", "trackingNumber": "1"}, "carrier"),
        ({"carrier": "SF", "trackingNumber": "1", "eta": "soon"}, "eta"),
    ],
)
def test_shipment_with_wrong_types_is_400(api, body, field):
    response = api.call("POST", "/returns/R-ANY/shipment", body=body, claims=CUSTOMER)
    assert response.status == 400 and fields(response) == [field]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"status": "LOST"}, "status"),
        ({"nextToken": ""}, "nextToken"),
    ],
)
def test_queue_with_bad_parameters_is_400(api, query, field):
    response = api.call("GET", "/cs/returns", query=query, claims=AGENT)
    assert response.status == 400 and fields(response) == [field]


@pytest.mark.parametrize("token", ["garbage", "eyJub3QiOiAia2V5In0", "%%%", "e30"])
def test_queue_with_a_forged_token_is_400(api, token):
    response = api.call("GET", "/cs/returns", query={"nextToken": token}, claims=AGENT)
    assert response.status == 400, response.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "maybe"}, "decision"),
        ({}, "decision"),
        ({"decision": "approve", "returnShippingPaidBy": "nobody"}, "returnShippingPaidBy"),
        ({"decision": "approve", "returnShippingFee": 6}, "returnShippingFee"),
        ({"decision": "approve", "returnShippingFee": "-6.00"}, "returnShippingFee"),
        ({"decision": "approve", "returnShippingFee": "six"}, "returnShippingFee"),
        ({"decision": "approve", "note": ["x"]}, "note"),
    ],
)
def test_review_with_wrong_types_is_400(api, body, field):
    response = api.review("R-ANY", body)
    assert response.status == 400 and fields(response) == [field]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "deduct", "inspectionDeduction": 5}, "inspectionDeduction"),
        ({"decision": "keep"}, "decision"),
        ({"inspectionDeduction": "5.00"}, "decision"),
    ],
)
def test_damage_review_with_wrong_types_is_400(api, body, field):
    response = api.call("POST", "/cs/returns/R-ANY/damage-review", body=body, claims=AGENT)
    assert response.status == 400 and fields(response) == [field]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"lines": [{"lineId": "L2", "quantity": 1, "condition": "melted"}], "inspector": "w"},
            "lines[0].condition",
        ),
        (
            {"lines": [{"lineId": "L2", "quantity": "1", "condition": "intact"}], "inspector": "w"},
            "lines[0].quantity",
        ),
        (
            {"lines": [{"lineId": "L2", "quantity": True, "condition": "intact"}], "inspector": "w"},
            "lines[0].quantity",
        ),
        (
            {"lines": [{"lineId": "L2", "quantity": -1, "condition": "intact"}], "inspector": "w"},
            "lines[0].quantity",
        ),
        (
            {"lines": [{"lineId": "L2", "quantity": 1.5, "condition": "intact"}], "inspector": "w"},
            "lines[0].quantity",
        ),
        ({"lines": [], "inspector": "w"}, "lines"),
        ({"lines": [{"lineId": "L2", "quantity": 1, "condition": "intact"}]}, "inspector"),
        ({"lines": [{"lineId": "L2", "quantity": 1, "condition": "intact"}], "inspector": 7}, "inspector"),
    ],
)
def test_receipt_with_wrong_types_and_a_valid_signature_is_400(api, body, field):
    response = api.receipt(signed_url("R-ANY"), body)
    assert response.status == 400 and fields(response) == [field]


@pytest.mark.parametrize("raw", ["{", "[]", ""])
def test_malformed_receipt_with_a_valid_signature_is_400(api, raw):
    response = api.receipt(signed_url("R-ANY"), raw_body=raw)
    assert response.status == 400


def test_malformed_receipt_with_a_bad_signature_is_403(api):
    url = signed_url("R-ANY").replace("signature=", "signature=0")
    assert api.receipt(url, raw_body="{").status == 403


@pytest.mark.parametrize(
    ("expires", "signature"),
    [
        ("9999999999", "é"),
        ("9999999999", "é" * 64),
        ("9999999999", "ａ" * 64),  # full-width letters: not ASCII hex
        ("9999999999", "a" * 63),
        ("9999999999", "a" * 65),
        ("9999999999", "g" * 64),
        ("9999999999", " " + "a" * 63),
        ("9999999999", ""),
        ("９９９９９９９９９９", "a" * 64),  # digits, but not ASCII ones
        ("١٢٣", "a" * 64),
        ("", "a" * 64),
        ("-1", "a" * 64),
    ],
)
def test_any_malformed_signature_is_403_never_500(api, expires, signature):
    response = api.call(
        "POST",
        "/warehouse/returns/R-X/receipt",
        query={"expires": expires, "signature": signature},
        body={"lines": [{"lineId": "L2", "quantity": 1, "condition": "intact"}], "inspector": "w"},
    )
    assert response.status == 403, response.text
    assert response.json["error"]["code"] == "forbidden"


def test_a_receipt_without_any_signature_is_403(api):
    response = api.call("POST", "/warehouse/returns/R-X/receipt", body={})
    assert response.status == 403


CONTROLS = ["\x00", "\x1b[31m", "\x7f", "\x85", "\r", "a\x08b"]
FREE_TEXT_FIELDS: list[tuple[str, str, dict[str, Any] | None, dict[str, Any], str]] = [
    ("POST", "/returns", CUSTOMER, new_return(), "reasonDetail"),
    ("POST", "/returns/R-ANY/shipment", CUSTOMER, {"carrier": "SF", "trackingNumber": "SF1"}, "carrier"),
    (
        "POST",
        "/returns/R-ANY/shipment",
        CUSTOMER,
        {"carrier": "SF", "trackingNumber": "SF1"},
        "trackingNumber",
    ),
    ("POST", "/cs/returns/R-ANY/review", AGENT, {"decision": "approve"}, "note"),
    ("POST", "/cs/returns/R-ANY/damage-review", AGENT, {"decision": "accept"}, "note"),
    ("POST", RECEIPT, None, {"lines": [{"lineId": "L2", "quantity": 1, "condition": "intact"}]}, "inspector"),
    ("POST", RECEIPT, None, {"lines": [{"lineId": "L2", "quantity": 1, "condition": "intact"}]}, "note"),
]


@pytest.mark.parametrize(("method", "path", "claims", "body", "field"), FREE_TEXT_FIELDS)
@pytest.mark.parametrize("control", CONTROLS, ids=repr)
def test_control_characters_in_free_text_are_422(api, method, path, claims, body, field, control):
    if path == RECEIPT:
        path, body = signed_url("R-ANY"), {"inspector": "wh-7", **body}
    response = api.call(method, path, body={**body, field: f"ok{control}ok"}, claims=claims)
    assert response.status == 422, response.text
    error = response.json["error"]
    assert error["code"] == "unprocessable"
    first = next(c for c in control if c.isprintable() is False)
    assert f"{field}: control character U+{ord(first):04X} at position" in error["message"]
    assert [d["field"] for d in error["details"]] == [field]


def test_newline_tab_and_any_other_text_are_kept(api):
    detail = "第一行\n\tsecond line — 满199减100 🙂"
    created = api.create(new_return(lines=one("L1")) | {"reasonDetail": detail})
    assert created.status == 201, created.text
    assert created.json["reasonDetail"] == detail
    api.call("POST", f"/returns/{created.json['returnId']}/cancel", claims=CUSTOMER)


def test_a_control_character_and_a_malformed_field_together_are_400(api):
    response = api.create({**new_return(), "reasonDetail": "\x00", "method": "teleport"})
    assert response.status == 400
