"""Storefront routes through the template's HTTP API: every success and every refusal, and a
customer never reaching another customer's orders or returns (404, never 403)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.orders import publish_order
from tests.api.client import CUSTOMER, OTHER_CUSTOMER, Api, new_return, one, present


@pytest.fixture
def api(stack, orders, seed_order) -> Api:
    for order_id in ("O-SEED-1", "O-MIX-2", "O-POP-4"):
        seed_order(present(orders[order_id]))
    return Api(stack)


# -- POST /orders/{orderId}/return-quotes ------------------------------------------------------


def test_quote_tells_the_customer_before_confirming_that_the_kept_item_loses_the_promotion(api):
    response = api.quote("O-SEED-1", {"lines": one("L2"), "reason": "no_longer_needed"})
    assert response.status == 200, response.text
    quote = response.json
    assert quote["orderId"] == "O-SEED-1" and quote["currency"] == "CNY"
    assert quote["refundAmount"] == "0.00"
    assert quote["lines"] == [{"lineId": "L2", "quantity": 1, "paidAmount": "50.00"}]
    [clawback] = quote["adjustments"]
    assert clawback["kind"] == "promotion_clawback" and clawback["amount"] == "-50.00"
    assert clawback["promotionId"] == "P-199-100" and "199.00" in clawback["description"]
    assert quote["payments"] == [{"paymentId": "PAY-1", "amount": "0.00"}]
    # Nothing is stored: no return, nothing reserved.
    assert api.call("GET", "/returns", claims=CUSTOMER).json == {"items": [], "nextToken": None}
    assert api.create(new_return(lines=one("L2"))).status == 201


def test_answers_are_utf8_json_without_escapes(api):
    response = api.quote("O-SEED-1", {"lines": one("L2"), "reason": "no_longer_needed"})
    assert response.status == 200
    assert "满199减100" in response.text and "\\u" not in response.text
    assert response.json["adjustments"][0]["description"].endswith("for 满199减100")


def test_quote_for_a_merchant_fault_keeps_the_promotion(api):
    response = api.quote("O-SEED-1", {"lines": one("L1"), "reason": "quality_issue"})
    assert response.status == 200
    assert response.json["refundAmount"] == "50.00" and response.json["adjustments"] == []


def test_quote_adjustments_name_a_promotion_only_when_they_are_about_one(api):
    response = api.quote("O-POP-4", {"lines": one("L1"), "reason": "quality_issue"})
    assert response.status == 200
    [shipping] = response.json["adjustments"]
    assert shipping["kind"] == "shipping_refund" and shipping["amount"] == "8.00"
    assert "promotionId" not in shipping, "contract section 3: no null promotionId"
    assert response.json["refundAmount"] == "47.00"


@pytest.mark.parametrize(
    ("order_id", "delivered_days_ago", "status", "lines", "reason", "why"),
    [
        (
            "O-SEED-1",
            None,
            "SHIPPED",
            one("L2"),
            "no_longer_needed",
            "has not been delivered (it is SHIPPED)",
        ),
        ("O-SEED-1", 8, "DELIVERED", one("L2"), "no_longer_needed", "after the 7-day window"),
        ("O-SEED-1", 16, "DELIVERED", one("L1"), "quality_issue", "after the 15-day window"),
        ("O-MIX-2", 1, "DELIVERED", one("L4"), "no_longer_needed", "cannot be returned for no_longer_needed"),
        ("O-SEED-1", 1, "DELIVERED", one("L1", 2), "quality_issue", "the return does not fit the order"),
        ("O-SEED-1", 1, "DELIVERED", one("L9"), "quality_issue", "the return does not fit the order"),
    ],
)
def test_the_quote_refuses_what_the_creation_refuses_with_the_same_answer(
    api, orders, order_id, delivered_days_ago, status, lines, reason, why
):
    """Contract section 4: a quote never promises what creating the return then refuses."""
    snapshot = present(orders[order_id], customerId=CUSTOMER["sub"], status=status, version=99)
    if delivered_days_ago is None:
        snapshot.pop("deliveredAt")
    else:
        delivered = datetime.now(UTC) - timedelta(days=delivered_days_ago)
        snapshot["deliveredAt"] = delivered.strftime("%Y-%m-%dT%H:%M:%SZ")
    publish_order(api.stack, snapshot)
    quoted = api.quote(order_id, {"lines": lines, "reason": reason})
    created = api.create({**new_return(order_id, lines, reason)})
    assert quoted.status == created.status == 422, (quoted.text, created.text)
    assert quoted.json == created.json
    assert why in quoted.json["error"]["message"]
    assert api.call("GET", "/returns", claims=CUSTOMER).json["items"] == []


def test_quote_of_another_customers_order_is_404_like_an_unknown_order(api):
    theirs = api.quote("O-MIX-2", {"lines": one("L1"), "reason": "other"})
    unknown = api.quote("O-NOPE-9", {"lines": one("L1"), "reason": "other"})
    assert theirs.status == unknown.status == 404
    assert theirs.json["error"]["code"] == unknown.json["error"]["code"] == "not_found"


def test_quote_of_units_that_cannot_go_back_is_422(api):
    for lines, problem in [
        (one("L2", 2), "left to return"),
        (one("L9"), "not a line"),
        ([*one("L1"), *one("L1")], "more than once"),
    ]:
        response = api.quote("O-SEED-1", {"lines": lines, "reason": "no_longer_needed"})
        assert response.status == 422
        assert response.json["error"]["code"] == "unprocessable"
        assert problem in str(response.json["error"]["details"])


# -- POST /returns ---------------------------------------------------------------------------


def test_create_answers_201_with_the_return_and_reserves_the_units(api):
    response = api.create(new_return(lines=one("L2")))
    assert response.status == 201, response.text
    created = response.json
    assert created["returnId"] and created["orderId"] == "O-SEED-1"
    assert created["customerId"] == "cust-1001" and created["status"] == "REQUESTED"
    assert created["lines"] == one("L2") and created["method"] == "pickup"
    assert created["reason"] == "no_longer_needed" and created["reasonDetail"] == "changed my mind"
    assert created["quote"]["refundAmount"] == "0.00" and created["refund"] is None
    assert created["history"][0]["status"] == "REQUESTED"
    again = api.create(new_return(lines=one("L2")))
    assert again.status == 422, "the unit is reserved by the first return"
    assert api.create(new_return(lines=one("L1"))).status == 201


def test_create_on_another_customers_order_is_404(api):
    response = api.create(new_return(order_id="O-MIX-2", lines=one("L1")))
    assert response.status == 404
    assert api.create(new_return(order_id="O-NOPE-9")).status == 404


def test_create_on_an_order_not_delivered_is_422(api, orders, seed_order):
    seed_order(present(orders["O-SHIP-5"], customerId="cust-1001"))
    response = api.create(new_return(order_id="O-SHIP-5", lines=one("L1")))
    assert response.status == 422, response.text


def test_create_of_a_non_returnable_line_for_a_customer_choice_is_422(api):
    body = new_return(order_id="O-MIX-2", lines=one("L4"), reason="size_or_fit")
    response = api.create(body, claims=OTHER_CUSTOMER)
    assert response.status == 422, response.text


# -- GET /returns, GET /returns/{returnId} -------------------------------------------------


def test_a_customer_reads_their_returns_and_nobody_elses(api):
    mine = api.created(new_return(lines=one("L2")))
    other = api.created(new_return("O-MIX-2", lines=one("L1")), claims=OTHER_CUSTOMER)
    got = api.get(mine["returnId"])
    assert got.status == 200 and got.json["returnId"] == mine["returnId"]
    theirs = api.get(other["returnId"])
    unknown = api.get("R-DOES-NOT-EXIST")
    assert theirs.status == unknown.status == 404
    assert theirs.json["error"]["code"] == "not_found"
    listed = api.call("GET", "/returns", claims=CUSTOMER).json["items"]
    assert [r["returnId"] for r in listed] == [mine["returnId"]]
    by_order = api.call("GET", "/returns", query={"orderId": "O-SEED-1"}, claims=CUSTOMER).json["items"]
    assert [r["returnId"] for r in by_order] == [mine["returnId"]]
    snooping = api.call("GET", "/returns", query={"orderId": "O-MIX-2"}, claims=CUSTOMER)
    assert snooping.status == 200 and snooping.json == {"items": [], "nextToken": None}


def test_list_is_newest_first_and_paginated_with_a_token_bound_to_its_query(api):
    created = [
        api.created(new_return("O-SEED-1", one("L1"), "quality_issue"))["returnId"],
        api.created(new_return("O-POP-4", one("L1"), "quality_issue"))["returnId"],
        api.created(new_return("O-SEED-1", one("L2"), "quality_issue"))["returnId"],
    ]
    api.created(new_return("O-MIX-2", one("L1")), claims=OTHER_CUSTOMER)
    newest_first = created[::-1]

    def page(claims=CUSTOMER, **query: str):
        response = api.call("GET", "/returns", query=query, claims=claims)
        assert response.status == 200, response.text
        return [r["returnId"] for r in response.json["items"]], response.json["nextToken"]

    assert page() == (newest_first, None)
    first, token = page(limit="2")
    assert first == newest_first[:2] and token
    assert page(limit="2", nextToken=token) == (newest_first[2:], None)
    # Of one order: pages stay full although other orders' returns lie between.
    first, token = page(orderId="O-SEED-1", limit="1")
    assert first == [created[2]] and token
    assert page(orderId="O-SEED-1", limit="1", nextToken=token) == ([created[0]], None)
    # The token continues its own query only: not another order's, not another customer's.
    for claims, query in [
        (CUSTOMER, {"orderId": "O-POP-4"}),
        (CUSTOMER, {}),
        (OTHER_CUSTOMER, {"orderId": "O-SEED-1"}),
    ]:
        moved = api.call("GET", "/returns", query={**query, "nextToken": token}, claims=claims)
        assert moved.status == 400 and moved.json["error"]["code"] == "bad_request", moved.text


def test_a_list_token_edited_by_hand_is_400(api):
    for line_id in ("L1", "L2"):
        api.created(new_return("O-SEED-1", one(line_id), "quality_issue"))
    token = api.call("GET", "/returns", query={"limit": "1"}, claims=CUSTOMER).json["nextToken"]
    payload, _, mac = token.partition(".")
    key = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    key["createdKey"] = "0000" + key["createdKey"][4:]
    edited = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")
    unsigned = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
    for forged in (f"{edited}.{mac}", payload, unsigned, f"{payload}.{mac[:-2]}", f"{payload}.", "é"):
        response = api.call("GET", "/returns", query={"limit": "1", "nextToken": forged}, claims=CUSTOMER)
        assert response.status == 400, (forged, response.text)


# -- POST /returns/{returnId}/cancel -------------------------------------------------------


def test_cancel_releases_the_units(api):
    created = api.created(new_return(lines=one("L2")))
    response = api.call("POST", f"/returns/{created['returnId']}/cancel", claims=CUSTOMER)
    assert response.status == 200, response.text
    assert response.json["status"] == "CANCELLED"
    again = api.call("POST", f"/returns/{created['returnId']}/cancel", claims=CUSTOMER)
    assert again.status == 409 and again.json["error"]["code"] == "conflict"
    # Issue 8 item 7: the units are free when the answer says CANCELLED (released in the same
    # write), so a quote and a new return sent right away succeed without waiting for the workflow.
    quote = api.call(
        "POST",
        "/orders/O-SEED-1/return-quotes",
        body={"lines": one("L2"), "reason": "other"},
        claims=CUSTOMER,
    )
    assert quote.status == 200, quote.text
    assert api.create(new_return(lines=one("L2"))).status == 201


def test_a_customer_cannot_cancel_another_customers_return(api):
    theirs = api.created(new_return("O-MIX-2", lines=one("L1")), claims=OTHER_CUSTOMER)
    response = api.call("POST", f"/returns/{theirs['returnId']}/cancel", claims=CUSTOMER)
    assert response.status == 404
    assert api.get(theirs["returnId"], claims=OTHER_CUSTOMER).json["status"] != "CANCELLED"


# -- POST /returns/{returnId}/shipment -----------------------------------------------------


def test_shipment_is_recorded_on_the_return(api):
    created = api.created(new_return(lines=one("L2")))
    body = {"carrier": "SF Express", "trackingNumber": "SF123"}
    response = api.call("POST", f"/returns/{created['returnId']}/shipment", body=body, claims=CUSTOMER)
    assert response.status == 200, response.text
    assert response.json["shipment"]["carrier"] == "SF Express"
    assert response.json["shipment"]["trackingNumber"] == "SF123"


def test_shipment_errors(api):
    created = api.created(new_return(lines=one("L2")))
    path = f"/returns/{created['returnId']}/shipment"
    good: dict[str, Any] = {"carrier": "SF", "trackingNumber": "1"}
    assert api.call("POST", path, body=good, claims=OTHER_CUSTOMER).status == 404
    assert api.call("POST", "/returns/R-NOPE/shipment", body=good, claims=CUSTOMER).status == 404
    missing = api.call("POST", path, body={"carrier": "SF"}, claims=CUSTOMER)
    assert missing.status == 400 and missing.json["error"]["details"][0]["field"] == "trackingNumber"
    wrong = api.call("POST", path, body={"carrier": "SF", "trackingNumber": 12}, claims=CUSTOMER)
    assert wrong.status == 400
    api.call("POST", f"/returns/{created['returnId']}/cancel", claims=CUSTOMER)
    assert api.call("POST", path, body=good, claims=CUSTOMER).status == 409
