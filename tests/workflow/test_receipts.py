"""What the warehouse receives (damaged, partial, wrong items) and refund failures."""

from __future__ import annotations

import pytest

from local.payments import running
from returns_service import payments, refund, returns, review
from returns_service.errors import Conflict, Unprocessable
from tests.workflow.conftest import Flow
from tests.workflow.helpers import approve, receive

DAMAGE_DECISIONS = [
    # decision, inspection deduction, where it ends, refund (100.00 paid). A deduction is a
    # proposal the customer answers (contract section 5a): it waits, with the quote it would give.
    ("accept", None, "REFUNDED", "100.00"),
    ("deduct", "12.50", "AWAITING_CUSTOMER", "87.50"),
    ("reject", None, "RETURNED_TO_CUSTOMER", None),
]


def test_damaged_goods_on_a_customer_choice_return_wait_for_cs(flow: Flow, orders) -> None:
    """Each decision on its own copy of the order, side by side."""
    cases = []
    for i, (decision, deduction, status, refunded) in enumerate(DAMAGE_DECISIONS):
        order = flow.order({**orders["O-SEED-1"], "orderId": f"O-SEED-DMG-{i}"})
        created = flow.create(order, {"L1": 1, "L2": 1}, "size_or_fit")
        cases.append((order, created.returnId, decision, deduction, status, refunded))
    for _, return_id, *_ in cases:
        flow.wait(return_id, "PENDING_REVIEW", parked="review")
        approve(return_id)
    for _, return_id, *_ in cases:
        flow.wait(return_id, "AWAITING_RECEIPT", parked="receipt")
        receive(flow, return_id, ("L1", 1, "intact"), ("L2", 1, "damaged"))
    for _, return_id, decision, deduction, *_ in cases:
        flow.wait(return_id, "PENDING_DAMAGE_REVIEW", parked="damage_review")
        review.submit_damage_review(
            return_id, decision, inspection_deduction=deduction, note="scratched", actor="agent-4"
        )
    for order, return_id, _, deduction, status, refunded in cases:
        if status == "AWAITING_CUSTOMER":
            waiting = flow.wait(return_id, status)
            assert waiting.refund is None and waiting.quote is not None
            assert waiting.quote.refundAmount == refunded
            kinds = {a.kind: a.amount for a in waiting.quote.adjustments}
            assert kinds["inspection_deduction"] == f"-{deduction}"
            assert flow.reserved(order["orderId"]) == {"L1": 1, "L2": 1}  # held while it waits
            assert "Return Proposal Made" in flow.event_types(return_id)
            continue
        done = flow.finished(return_id, status)
        if refunded is None:
            assert done.refund is None
            assert flow.reserved(order["orderId"]) == {"L1": 0, "L2": 0}
            assert f"RF-{return_id}" not in flow.payments.refunds
        else:
            assert done.refund is not None and done.quote is not None
            assert done.refund.refundAmount == refunded
            assert "inspection_deduction" not in {a.kind for a in done.quote.adjustments}
            assert flow.reserved(order["orderId"]) == {"L1": 1, "L2": 1}
        with pytest.raises(Conflict):
            review.submit_damage_review(
                return_id, "accept", inspection_deduction=None, note="", actor="agent-4"
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
    flow.payments.fail_next(3)  # the first try and both retries (RefundRetryMaxAttempts=2)
    receive(flow, created.returnId, ("L1", 1, "intact"), ("L2", 1, "intact"))
    failed = flow.wait(created.returnId, "REFUND_FAILED", parked="refund_retry")
    assert flow.payments.calls == 3 and flow.payments.refunds == {}
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
    assert list(flow.payments.refunds) == [f"RF-{created.returnId}"]


def test_a_transient_failure_is_retried_without_failing_the_refund(flow: Flow, orders) -> None:
    order = flow.order(orders["O-POP-4"])
    created = flow.create(order, {"L1": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    approve(created.returnId)
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    flow.payments.fail_next(1)
    receive(flow, created.returnId, ("L1", 1, "intact"))
    done = flow.finished(created.returnId, "REFUNDED")
    assert flow.payments.calls == 2 and len(flow.payments.refunds) == 1
    assert "REFUND_FAILED" not in [h.status for h in done.history]


def test_the_local_fake_provider_fails_as_asked_through_the_real_adapter(flow: Flow) -> None:
    """`PAYMENT_FAILURES=1:permanent make run`: the service's own HTTP adapter sees a decline, then
    the refund, then the same refund again for the same id (the provider's idempotency)."""
    with running("1:permanent") as provider:
        adapter = payments.HttpPaymentProvider(provider.url, flow.stack.env["PAYMENT_API_SECRET_ARN"], 2)
        order = payments.RefundOrder("RF-R-9", "O-9", "R-9", "CNY", "1.00", (("P", "1.00"),))
        with pytest.raises(payments.PaymentDeclined):
            adapter.refund(order)
        assert adapter.refund(order).reference == "fake-RF-R-9"
        assert adapter.refund(order).reference == "fake-RF-R-9"
        assert provider.calls == 3 and list(provider.refunds) == ["RF-R-9"]
        provider.fail_spec("2")
        with pytest.raises(payments.PaymentUnavailable):
            adapter.refund(order)
        with pytest.raises(ValueError, match="N or N:permanent"):
            provider.fail_spec("soon")
