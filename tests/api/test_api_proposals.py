"""Contract section 5a over HTTP, on the real state machine in moto: what CS proposes waits for
the customer (AWAITING_CUSTOMER on a task token), who alone accepts or declines it.

One stack for the module (each test works on its own copy of an example order); the answer time
limit is long here, its outcomes are in test_api_proposal_time_limits.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from local.orders import load_example_orders, publish_order
from returns_core import quote_request
from tests.api.client import AGENT, CUSTOMER, OTHER_CUSTOMER, Api, new_return, one, present, shared_stack

FEE = {
    "decision": "approve",
    "returnShippingPaidBy": "customer",
    "returnShippingFee": "6.00",
    "note": "bulky",
}


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with shared_stack(parameters={"CustomerAnswerTimeoutSeconds": "300"}) as shared:
        yield shared


def order_copy(api: Api, order_id: str, copy: str) -> dict[str, Any]:
    snapshot = present(load_example_orders()[order_id], orderId=copy)
    publish_order(api.stack, snapshot)
    return snapshot


def answer(api: Api, return_id: str, decision: str, claims: dict[str, Any] | None = None) -> Any:
    body = {"decision": decision, "note": "from the storefront"}
    return api.call("POST", f"/returns/{return_id}/proposal", body=body, claims=claims or CUSTOMER)


def engine_refund(snapshot: dict[str, Any], lines: dict[str, int], reason: str, **fees: str) -> str:
    """What the engine alone says this return refunds, with the fee or deduction applied."""
    request = {
        "order": snapshot,
        "previousReturns": [],
        "return": {
            "lines": [{"lineId": k, "quantity": q} for k, q in lines.items()],
            "reason": reason,
            **fees,
        },
    }
    return str(quote_request(request)["refundAmount"])


def proposed_fee(api: Api, order_id: str, lines: dict[str, int]) -> str:
    created = api.created(new_return(order_id, [{"lineId": k, "quantity": q} for k, q in lines.items()]))
    return_id = str(created["returnId"])
    api.wait_status(return_id, "PENDING_REVIEW")
    response = api.review(return_id, FEE)
    assert response.status == 200, response.text
    assert response.json["status"] == "AWAITING_CUSTOMER"
    return return_id


def received_damaged(api: Api, order_id: str) -> str:
    created = api.created(new_return(order_id, one("L1"), reason="size_or_fit"))
    api.approved(created["returnId"])
    body = {"lines": [{"lineId": "L1", "quantity": 1, "condition": "damaged"}], "inspector": "wh-1"}
    assert api.receipt(api.callback_url(created["returnId"]), body).status == 200
    api.wait_status(created["returnId"], "PENDING_DAMAGE_REVIEW")
    return str(created["returnId"])


def deduct(api: Api, return_id: str, amount: str = "9.00") -> dict[str, Any]:
    body = {"decision": "deduct", "inspectionDeduction": amount, "note": "scratched"}
    response = api.call("POST", f"/cs/returns/{return_id}/damage-review", body=body, claims=AGENT)
    assert response.status == 200 and response.json["status"] == "AWAITING_CUSTOMER", response.text
    result: dict[str, Any] = response.json
    return result


def test_a_fee_proposed_declined_then_approved_with_the_merchant_paying(api: Api) -> None:
    order = order_copy(api, "O-SEED-1", "O-SEED-FEE-DECLINED")
    return_id = proposed_fee(api, order["orderId"], {"L1": 1, "L2": 1})
    waiting = api.get(return_id).json
    assert waiting["proposal"]["kind"] == "return_shipping_fee" and waiting["proposal"]["amount"] == "6.00"
    assert waiting["proposal"]["note"] == "bulky" and waiting["proposal"]["expiresAt"] > waiting["updatedAt"]
    assert waiting["quote"]["refundAmount"] == engine_refund(
        order, {"L1": 1, "L2": 1}, "no_longer_needed", returnShippingFee="6.00"
    )  # the quote it would give
    made = api.wait_event("Return Proposal Made", return_id)
    assert made["proposal"] == waiting["proposal"] and made["quote"] == waiting["quote"]
    assert made["eventId"] and made["occurredAt"]

    declined = answer(api, return_id, "decline")
    assert declined.status == 200 and declined.json["status"] == "PENDING_REVIEW", declined.text
    assert declined.json["proposal"] is None
    assert declined.json["quote"]["refundAmount"] == engine_refund(
        order, {"L1": 1, "L2": 1}, "no_longer_needed"
    )
    answered = api.wait_event("Return Proposal Answered", return_id)
    assert answered["decision"] == "decline" and answered["actor"] == "cust-1001"
    # The review wait starts again: CS approves with the merchant paying, and the goods are awaited.
    api.wait_status(return_id, "PENDING_REVIEW")
    merchant = api.review(
        return_id, {"decision": "approve", "returnShippingPaidBy": "merchant", "note": "ok"}
    )
    assert merchant.status == 200 and merchant.json["status"] == "AWAITING_RECEIPT", merchant.text
    assert api.callback_url(return_id)  # the receipt wait started
    actors = [(h["status"], h["actor"]) for h in api.get(return_id).json["history"]]
    assert actors[-3:] == [
        ("AWAITING_CUSTOMER", "cs:mei"),
        ("PENDING_REVIEW", "cust-1001"),
        ("AWAITING_RECEIPT", "cs:mei"),
    ]


def test_a_fee_accepted_is_taken_off_the_refund_as_the_engine_says(api: Api) -> None:
    order = order_copy(api, "O-SEED-1", "O-SEED-FEE-ACCEPTED")
    return_id = proposed_fee(api, order["orderId"], {"L1": 1, "L2": 1})
    accepted = answer(api, return_id, "accept")
    assert accepted.status == 200 and accepted.json["status"] == "AWAITING_RECEIPT", accepted.text
    assert accepted.json["proposal"] is None
    assert answer(api, return_id, "accept").status == 409  # a second answer
    approved = api.wait_event("Return Approved", return_id)
    assert approved["returnShippingFee"] == "6.00" and approved["returnShippingPaidBy"] == "customer"
    body = {
        "lines": [{"lineId": k, "quantity": 1, "condition": "intact"} for k in ("L1", "L2")],
        "inspector": "wh-1",
    }
    assert api.receipt(api.callback_url(return_id), body).status == 200
    done = api.wait_status(return_id, "REFUNDED")
    expected = engine_refund(order, {"L1": 1, "L2": 1}, "no_longer_needed", returnShippingFee="6.00")
    assert done["refund"]["refundAmount"] == expected == "94.00"
    assert {"kind": "return_shipping_fee", "amount": "-6.00"}.items() <= next(
        a for a in done["quote"]["adjustments"] if a["kind"] == "return_shipping_fee"
    ).items()


def test_a_deduction_declined_sends_the_goods_back(api: Api) -> None:
    order = order_copy(api, "O-POP-4", "O-POP-DED-DECLINED")
    return_id = received_damaged(api, order["orderId"])
    waiting = deduct(api, return_id)
    assert waiting["proposal"]["kind"] == "inspection_deduction" and waiting["proposal"]["amount"] == "9.00"
    declined = answer(api, return_id, "decline")
    assert declined.status == 200 and declined.json["status"] == "RETURNED_TO_CUSTOMER", declined.text
    assert declined.json["refund"] is None and declined.json["proposal"] is None
    closed = api.wait_event("Return Closed", return_id)
    assert closed["status"] == "RETURNED_TO_CUSTOMER"


def test_a_deduction_accepted_is_refunded_with_it(api: Api) -> None:
    order = order_copy(api, "O-POP-4", "O-POP-DED-ACCEPTED")
    return_id = received_damaged(api, order["orderId"])
    deduct(api, return_id)
    accepted = answer(api, return_id, "accept")
    assert accepted.status == 200 and accepted.json["status"] == "REFUNDING", accepted.text
    done = api.wait_status(return_id, "REFUNDED")
    expected = engine_refund(order, {"L1": 1}, "size_or_fit", inspectionDeduction="9.00")
    assert done["refund"]["refundAmount"] == expected == "30.00"  # 39.00 less 9.00


def test_who_may_answer_and_when(api: Api) -> None:
    order = order_copy(api, "O-SEED-1", "O-SEED-FEE-RULES")
    created = api.created(new_return(order["orderId"], one("L2")))
    return_id = str(created["returnId"])
    api.wait_status(return_id, "PENDING_REVIEW")
    nothing = answer(api, return_id, "accept")
    assert nothing.status == 409 and nothing.json["error"]["code"] == "conflict"  # nothing waits
    assert api.review(return_id, FEE).status == 200
    stranger = answer(api, return_id, "accept", claims=OTHER_CUSTOMER)
    assert stranger.status == 404  # another customer's return does not exist for them
    assert answer(api, "R-NOPE", "accept").status == 404
    agent = answer(api, return_id, "accept", claims=AGENT)
    assert agent.status in (403, 404)  # an agent is not the customer
    assert answer(api, return_id, "maybe").status == 400  # malformed, as every route
    cs = api.review(return_id, {"decision": "approve", "returnShippingPaidBy": "merchant"})
    assert cs.status == 409  # CS decides nothing while the customer does
    assert api.get(return_id).json["status"] == "AWAITING_CUSTOMER"
