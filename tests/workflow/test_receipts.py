"""What the warehouse receives (damaged, partial, wrong items) and refund failures."""

from __future__ import annotations

import pytest

from returns_service import refund, returns, review
from returns_service.errors import Conflict, Unprocessable
from returns_service.payments import FAKE
from tests.workflow.conftest import Flow
from tests.workflow.helpers import approve, receive


@pytest.mark.parametrize(
    ("decision", "deduction", "status", "refunded"),
    [
        ("accept", None, "REFUNDED", "50.00"),
        ("deduct", "12.50", "REFUNDED", "37.50"),
        ("reject", None, "RETURNED_TO_CUSTOMER", None),
    ],
)
def test_damaged_goods_on_a_customer_choice_return_wait_for_cs(
    flow: Flow, orders, decision: str, deduction: str | None, status: str, refunded: str | None
) -> None:
    order = flow.order(orders["O-SEED-1"])
    created = flow.create(order, {"L1": 1, "L2": 1}, "size_or_fit")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    approve(created.returnId, fee="10.00")
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    receive(flow, created.returnId, ("L1", 1, "intact"), ("L2", 1, "damaged"))
    flow.wait(created.returnId, "PENDING_DAMAGE_REVIEW", parked="damage_review")
    review.submit_damage_review(
        created.returnId, decision, inspection_deduction=deduction, note="scratched", actor="agent-4"
    )
    done = flow.finished(created.returnId, status)
    if refunded is None:
        assert done.refund is None
        assert flow.reserved(order["orderId"]) == {"L1": 0, "L2": 0}
        assert FAKE.refunds == {}
    else:
        # 100.00 paid for both, less the 10.00 return shipping fee (and the deduction).
        assert done.refund is not None
        assert done.quote is not None
        assert done.refund.refundAmount == "90.00" if decision == "accept" else "77.50"
        kinds = {a.kind: a.amount for a in done.quote.adjustments}
        assert kinds["return_shipping_fee"] == "-10.00"
        if deduction:
            assert kinds["inspection_deduction"] == "-12.50"
        assert flow.reserved(order["orderId"]) == {"L1": 1, "L2": 1}
    with pytest.raises(Conflict):
        review.submit_damage_review(
            created.returnId, "accept", inspection_deduction=None, note="", actor="agent-4"
        )


def test_damaged_goods_on_a_merchant_fault_return_are_refunded_without_review(flow: Flow, orders) -> None:
    order = flow.order(orders["O-SEED-1"])
    created = flow.create(order, {"L1": 1}, "damaged_in_transit")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    approve(created.returnId)
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    receive(flow, created.returnId, ("L1", 1, "damaged"))
    done = flow.finished(created.returnId, "REFUNDED")
    assert "PENDING_DAMAGE_REVIEW" not in [h.status for h in done.history]


def test_partial_receipt_refunds_what_came_and_releases_the_rest(flow: Flow, orders) -> None:
    order = flow.order(orders["O-JPY-3"])
    created = flow.create(order, {"L1": 2, "L2": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    approve(created.returnId)
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    receive(flow, created.returnId, ("L1", 1, "intact"), ("L2", 1, "wrong_item"))
    done = flow.finished(created.returnId, "REFUNDED")
    assert done.quote is not None
    assert [(line.lineId, line.quantity) for line in done.quote.lines] == [("L1", 1)]
    assert done.refund is not None and done.refund.refundAmount == done.quote.refundAmount
    assert flow.reserved(order["orderId"]) == {"L1": 1, "L2": 0}
    # The units released can go back in a later return.
    again = flow.create(order, {"L1": 1, "L2": 1}, "quality_issue")
    flow.wait(again.returnId, "PENDING_REVIEW")


def test_a_receipt_with_nothing_acceptable_goes_back_to_the_customer(flow: Flow, orders) -> None:
    order = flow.order(orders["O-SEED-1"])
    created = flow.create(order, {"L1": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    approve(created.returnId)
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    with pytest.raises(Unprocessable):
        receive(flow, created.returnId, ("L2", 1, "intact"))  # not in the return
    with pytest.raises(Unprocessable):
        receive(flow, created.returnId, ("L1", 2, "intact"))  # more than returned
    receive(flow, created.returnId, ("L1", 1, "wrong_item"))
    flow.finished(created.returnId, "RETURNED_TO_CUSTOMER")
    assert flow.reserved(order["orderId"]) == {"L1": 0}


def test_refund_failure_after_retries_then_retry_refund_pays_once(flow: Flow, orders) -> None:
    order = flow.order(orders["O-SEED-1"])
    created = flow.create(order, {"L1": 1, "L2": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    approve(created.returnId)
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    FAKE.fail_next(3)  # the first try and both retries (RefundRetryMaxAttempts=2)
    receive(flow, created.returnId, ("L1", 1, "intact"), ("L2", 1, "intact"))
    failed = flow.wait(created.returnId, "REFUND_FAILED", parked="refund_retry")
    assert FAKE.calls == 3 and FAKE.refunds == {}
    assert "PaymentUnavailable" in failed.history[-1].note
    with pytest.raises(Conflict):
        returns.cancel_return(created.returnId, order["customerId"])
    view = refund.retry_refund(created.returnId, "agent-9")
    assert view.status == "REFUNDING"
    with pytest.raises(Conflict):
        refund.retry_refund(created.returnId, "agent-9")
    done = flow.finished(created.returnId, "REFUNDED")
    assert done.refund is not None and done.refund.refundAmount == "100.00"
    assert [h.status for h in done.history][-4:] == ["REFUNDING", "REFUND_FAILED", "REFUNDING", "REFUNDED"]
    assert list(FAKE.refunds) == [f"RF-{created.returnId}"]


def test_a_transient_failure_is_retried_without_failing_the_refund(flow: Flow, orders) -> None:
    order = flow.order(orders["O-POP-4"])
    created = flow.create(order, {"L1": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    approve(created.returnId)
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    FAKE.fail_next(1)
    receive(flow, created.returnId, ("L1", 1, "intact"))
    done = flow.finished(created.returnId, "REFUNDED")
    assert FAKE.calls == 2 and len(FAKE.refunds) == 1
    assert "REFUND_FAILED" not in [h.status for h in done.history]
