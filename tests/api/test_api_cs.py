"""CS console routes: only the ``cs`` group; decisions complete the stored task token (409 when the
return is not waiting for that decision); the queue is paginated with an opaque nextToken."""

from __future__ import annotations

import base64
import json

import pytest

from tests.api.client import AGENT, CUSTOMER, OTHER_CUSTOMER, Api, new_return, one, present

CS_ROUTES = [
    ("GET", "/cs/returns"),
    ("GET", "/cs/returns/R-1"),
    ("POST", "/cs/returns/R-1/review"),
    ("POST", "/cs/returns/R-1/damage-review"),
    ("POST", "/cs/returns/R-1/retry-refund"),
    ("GET", "/cs/customers/cust-1001/returns"),
]


@pytest.fixture
def api(stack, orders, seed_order) -> Api:
    for order_id in ("O-SEED-1", "O-MIX-2", "O-POP-4", "O-JPY-3"):
        seed_order(present(orders[order_id]))
    return Api(stack)


def test_queue_is_oldest_first_and_paginated_with_an_opaque_token(api):
    created = [
        api.created(new_return("O-SEED-1", one("L1"))),
        api.created(new_return("O-MIX-2", one("L1")), claims=OTHER_CUSTOMER),
        api.created(new_return("O-SEED-1", one("L2"))),
    ]
    for item in created:
        api.wait_status(item["returnId"], "PENDING_REVIEW")
    first = api.call("GET", "/cs/returns", query={"status": "PENDING_REVIEW", "limit": "2"}, claims=AGENT)
    assert first.status == 200, first.text
    assert [r["returnId"] for r in first.json["items"]] == [c["returnId"] for c in created[:2]]
    token = first.json["nextToken"]
    assert isinstance(token, str) and token
    second = api.call("GET", "/cs/returns", query={"limit": "2", "nextToken": token}, claims=AGENT)
    assert second.status == 200, second.text
    assert [r["returnId"] for r in second.json["items"]] == [created[2]["returnId"]]
    assert second.json["nextToken"] is None
    # The default page takes them all, oldest first.
    everything = api.call("GET", "/cs/returns", claims=AGENT).json
    assert [r["returnId"] for r in everything["items"]] == [c["returnId"] for c in created]
    assert everything["nextToken"] is None
    other_status = api.call("GET", "/cs/returns", query={"status": "REFUNDED"}, claims=AGENT)
    assert other_status.json == {"items": [], "nextToken": None}
    # The token is signed and bound to its status: not reusable for another, not editable.
    carried = api.call("GET", "/cs/returns", query={"status": "REJECTED", "nextToken": token}, claims=AGENT)
    assert carried.status == 400, carried.text
    payload, _, mac = token.partition(".")
    key = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    unsigned = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")
    key["status"] = "REJECTED"
    edited = base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")
    for forged in (unsigned, f"{edited}.{mac}"):
        response = api.call("GET", "/cs/returns", query={"nextToken": forged}, claims=AGENT)
        assert response.status == 400, (forged, response.text)


def test_a_customers_returns_newest_first_paginated_and_only_theirs(api):
    mine = [
        api.created(new_return("O-SEED-1", one("L1"))),
        api.created(new_return("O-POP-4", one("L1"), reason="quality_issue")),
        api.created(new_return("O-SEED-1", one("L2"))),
    ]
    api.created(new_return("O-MIX-2", one("L1")), claims=OTHER_CUSTOMER)
    path = "/cs/customers/cust-1001/returns"
    first = api.call("GET", path, query={"limit": "2"}, claims=AGENT)
    assert first.status == 200, first.text
    newest_first = [c["returnId"] for c in reversed(mine)]
    assert [r["returnId"] for r in first.json["items"]] == newest_first[:2]
    second = api.call("GET", path, query={"limit": "2", "nextToken": first.json["nextToken"]}, claims=AGENT)
    assert [r["returnId"] for r in second.json["items"]] == newest_first[2:]
    assert second.json["nextToken"] is None
    everything = api.call("GET", path, claims=AGENT).json
    assert {r["customerId"] for r in everything["items"]} == {"cust-1001"}
    assert [r["reason"] for r in everything["items"]][1] == "quality_issue"
    # A token of one customer's pages does not open another customer's.
    other = api.call(
        "GET", "/cs/customers/cust-1002/returns", query={"nextToken": first.json["nextToken"]}, claims=AGENT
    )
    assert other.status == 400
    assert api.call("GET", "/cs/customers/nobody/returns", claims=AGENT).json == {
        "items": [],
        "nextToken": None,
    }
    assert api.call("GET", path, claims=CUSTOMER).status == 403


def test_cs_view_has_the_return_its_quote_history_and_the_order(api):
    created = api.created(new_return("O-SEED-1", one("L2")))
    view = api.wait_status(created["returnId"], "PENDING_REVIEW")
    assert view["returnId"] == created["returnId"] and view["customerId"] == "cust-1001"
    assert view["quote"]["refundAmount"] == "0.00"
    assert [h["status"] for h in view["history"]][:2] == ["REQUESTED", "PENDING_REVIEW"]
    assert view["order"]["orderId"] == "O-SEED-1" and view["order"]["lines"][1]["lineId"] == "L2"
    assert "task" not in view
    missing = api.cs_get("R-NOPE")
    assert missing.status == 404 and missing.json["error"]["code"] == "not_found"


def test_review_approve_then_a_second_decision_is_409(api):
    created = api.created(new_return("O-SEED-1", one("L2")))
    api.wait_status(created["returnId"], "PENDING_REVIEW")
    body = {"decision": "approve", "returnShippingPaidBy": "merchant", "note": "ok"}
    response = api.review(created["returnId"], body)
    assert response.status == 200, response.text
    assert response.json["status"] == "AWAITING_RECEIPT"
    assert response.json["history"][-1]["actor"] == "cs:mei"
    again = api.review(created["returnId"], {"decision": "reject"})
    assert again.status == 409 and again.json["error"]["code"] == "conflict"
    api.wait_status(created["returnId"], "AWAITING_RECEIPT")


def test_a_fee_the_customer_pays_waits_for_the_customer(api):
    """Contract section 5a: CS cannot put a return-shipping fee on the customer alone."""
    created = api.created(new_return("O-SEED-1", one("L2")))
    api.wait_status(created["returnId"], "PENDING_REVIEW")
    body = {"decision": "approve", "returnShippingPaidBy": "customer", "returnShippingFee": "6.00"}
    response = api.review(created["returnId"], body)
    assert response.status == 200, response.text
    assert response.json["status"] == "AWAITING_CUSTOMER"
    assert {a["kind"]: a["amount"] for a in response.json["quote"]["adjustments"]}[
        "return_shipping_fee"
    ] == "-6.00"
    again = api.review(created["returnId"], {"decision": "reject"})
    assert again.status == 409 and again.json["error"]["code"] == "conflict"


def test_review_reject_ends_the_return(api):
    created = api.created(new_return("O-SEED-1", one("L2")))
    api.wait_status(created["returnId"], "PENDING_REVIEW")
    response = api.review(created["returnId"], {"decision": "reject", "note": "outside policy"})
    assert response.status == 200 and response.json["status"] == "REJECTED"
    api.wait_status(created["returnId"], "REJECTED")


def test_review_of_a_return_not_waiting_for_review_is_409(api):
    created = api.created(new_return("O-SEED-1", one("L2")))
    api.call("POST", f"/returns/{created['returnId']}/cancel", claims=CUSTOMER)
    response = api.review(created["returnId"], {"decision": "approve"})
    assert response.status == 409
    assert api.review("R-NOPE", {"decision": "approve"}).status == 404


def test_review_bodies_that_are_well_formed_but_not_allowed(api):
    created = api.created(new_return("O-SEED-1", one("L2")))
    api.wait_status(created["returnId"], "PENDING_REVIEW")
    merchant_fee = {"decision": "approve", "returnShippingPaidBy": "merchant", "returnShippingFee": "6.00"}
    response = api.review(created["returnId"], merchant_fee)
    assert response.status == 422, response.text
    # A fee with the wrong number of digits for CNY: refused (the operation knows the currency).
    digits = {"decision": "approve", "returnShippingPaidBy": "customer", "returnShippingFee": "6.0"}
    assert api.review(created["returnId"], digits).status in (400, 422)
    assert api.cs_get(created["returnId"]).json["status"] == "PENDING_REVIEW"


def received_damaged(api: Api) -> str:
    """A customer-choice return whose goods came back damaged: waiting for a damage review."""
    created = api.created(new_return("O-POP-4", one("L1"), reason="size_or_fit"))
    api.approved(created["returnId"])
    url = api.callback_url(created["returnId"])
    body = {"lines": [{"lineId": "L1", "quantity": 1, "condition": "damaged"}], "inspector": "wh-1"}
    assert api.receipt(url, body).status == 200
    api.wait_status(created["returnId"], "PENDING_DAMAGE_REVIEW")
    return str(created["returnId"])


def test_damage_review_deduct_waits_for_the_customer(api):
    """Contract section 5a: a deduction is a proposal the customer answers (not refunded yet)."""
    return_id = received_damaged(api)
    path = f"/cs/returns/{return_id}/damage-review"
    response = api.call(
        "POST", path, body={"decision": "deduct", "inspectionDeduction": "9.00"}, claims=AGENT
    )
    assert response.status == 200, response.text
    assert response.json["status"] == "AWAITING_CUSTOMER"
    again = api.call("POST", path, body={"decision": "accept"}, claims=AGENT)
    assert again.status == 409
    assert any(a["kind"] == "inspection_deduction" for a in response.json["quote"]["adjustments"])
    assert response.json["refund"] is None


def test_damage_review_accept_then_refund(api):
    return_id = received_damaged(api)
    path = f"/cs/returns/{return_id}/damage-review"
    response = api.call("POST", path, body={"decision": "accept"}, claims=AGENT)
    assert response.status == 200, response.text
    assert response.json["status"] == "REFUNDING"
    done = api.wait_status(return_id, "REFUNDED")
    assert done["refund"]["refundAmount"] == done["quote"]["refundAmount"] == "39.00"


def test_damage_review_errors(api):
    created = api.created(new_return("O-SEED-1", one("L2")))
    api.wait_status(created["returnId"], "PENDING_REVIEW")
    path = f"/cs/returns/{created['returnId']}/damage-review"
    assert api.call("POST", path, body={"decision": "accept"}, claims=AGENT).status == 409
    assert (
        api.call("POST", "/cs/returns/R-NOPE/damage-review", body={"decision": "accept"}, claims=AGENT).status
        == 404
    )
    bad = api.call("POST", path, body={"decision": "deduct", "inspectionDeduction": 5}, claims=AGENT)
    assert bad.status == 400 and bad.json["error"]["details"][0]["field"] == "inspectionDeduction"
    return_id = received_damaged(api)
    path = f"/cs/returns/{return_id}/damage-review"
    no_amount = api.call("POST", path, body={"decision": "deduct"}, claims=AGENT)
    assert no_amount.status == 422
    reject = api.call("POST", path, body={"decision": "reject", "note": "customer broke it"}, claims=AGENT)
    assert reject.status == 200 and reject.json["status"] == "RETURNED_TO_CUSTOMER"


def test_retry_refund_only_when_the_refund_failed(api, payments):
    created = api.created(new_return("O-SEED-1", one("L1"), reason="quality_issue"))
    path = f"/cs/returns/{created['returnId']}/retry-refund"
    api.wait_status(created["returnId"], "PENDING_REVIEW")
    assert api.call("POST", path, claims=AGENT).status == 409
    assert api.call("POST", "/cs/returns/R-NOPE/retry-refund", claims=AGENT).status == 404
    payments.fail_next(1, permanent=True)
    api.approved(created["returnId"])
    url = api.callback_url(created["returnId"])
    body = {"lines": [{"lineId": "L1", "quantity": 1, "condition": "intact"}], "inspector": "wh-1"}
    assert api.receipt(url, body).status == 200
    api.wait_status(created["returnId"], "REFUND_FAILED")
    response = api.call("POST", path, claims=AGENT)
    assert response.status == 200, response.text
    done = api.wait_status(created["returnId"], "REFUNDED")
    assert done["refund"]["refundAmount"] == "50.00"
    assert api.call("POST", path, claims=AGENT).status == 409
