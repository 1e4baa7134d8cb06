"""The waits of the workflow: review and receipt time limits, cancelling while waiting."""

from __future__ import annotations

import pytest

from returns_service import receipt, refund, returns, tasks
from returns_service.errors import Conflict
from returns_service.models import ReceivedLine
from returns_service.steps.auto_approve import auto_approve
from returns_service.steps.await_damage_review import await_damage_review
from returns_service.steps.await_receipt import await_receipt
from returns_service.steps.await_review import await_review
from returns_service.steps.damage_review_time_limit import damage_review_time_limit
from returns_service.steps.expire_return import expire
from returns_service.steps.issue_refund import issue_refund
from tests.workflow.conftest import Flow
from tests.workflow.helpers import approve, receive


@pytest.mark.short_time_limits
def test_the_review_and_receipt_time_limits(flow: Flow, orders) -> None:
    """Two returns side by side (one wait for both): one is never reviewed and is approved
    automatically, the other is approved and never received, and expires."""
    pop = flow.order(orders["O-POP-4"])
    seed = flow.order(orders["O-SEED-1"])
    unreviewed = flow.create(pop, {"L1": 1}, "not_as_described").returnId
    unreceived = flow.create(seed, {"L2": 1}, "wrong_item").returnId
    flow.wait(unreceived, "PENDING_REVIEW", parked="review")
    approve(unreceived)

    view = flow.wait(unreviewed, "AWAITING_RECEIPT", parked="receipt", timeout=20)
    auto = view.history[-1]
    assert auto.actor == "system" and "approved automatically" in auto.note
    approved = [e for e in flow.events(unreviewed) if e["DetailType"] == "Return Approved"]
    assert approved[0]["Detail"]["automatic"] is True
    with pytest.raises(Conflict):
        approve(unreviewed)
    receive(flow, unreviewed, ("L1", 1, "intact"))
    done = flow.finished(unreviewed, "REFUNDED")
    # Everything back, merchant fault: the shipping charged is refunded too.
    assert done.refund is not None and done.refund.refundAmount == "47.00"

    expired = flow.finished(unreceived, "EXPIRED")
    assert "nothing received" in expired.history[-1].note
    assert flow.reserved(seed["orderId"]) == {"L2": 0}
    expires, signature = flow.callback(unreceived)
    receipt.verify_callback(unreceived, expires, signature)  # the URL outlives the limit...
    with pytest.raises(Conflict):  # ...but the return does not take a receipt any more
        receipt.record_receipt(
            unreceived, [ReceivedLine(lineId="L2", quantity=1, condition="intact")], "w", ""
        )


@pytest.mark.short_damage_review_limit
def test_damage_not_reviewed_in_time_is_accepted_without_deduction_by_the_system(flow: Flow, orders) -> None:
    """Issue 8 item 17: damaged goods nobody reviews do not leave the customer waiting for ever."""
    order = flow.order(orders["O-SEED-1"])
    return_id = flow.create(order, {"L1": 1, "L2": 1}, "size_or_fit").returnId
    flow.wait(return_id, "PENDING_REVIEW", parked="review")
    approve(return_id)
    flow.wait(return_id, "AWAITING_RECEIPT", parked="receipt")
    receive(flow, return_id, ("L1", 1, "intact"), ("L2", 1, "damaged"))
    flow.wait(return_id, "PENDING_DAMAGE_REVIEW", parked="damage_review")

    done = flow.finished(return_id, "REFUNDED")
    accepted = next(h for h in done.history if h.status == "REFUNDING")
    assert accepted.actor == "system" and "accepted without deduction" in accepted.note
    # Everything back for a customer-choice reason: the whole 100.00 paid, no deduction.
    assert done.refund is not None and done.refund.refundAmount == "100.00"
    assert done.quote is not None
    assert "inspection_deduction" not in {a.kind for a in done.quote.adjustments}


def test_cancel_while_waiting_ends_cancelled_and_releases(flow: Flow, orders) -> None:
    """Cancelled while waiting for review (L1) and while waiting for the parcel (L2)."""
    order = flow.order(orders["O-SEED-1"])
    in_review = flow.create(order, {"L1": 1}, "size_or_fit").returnId
    in_transit = flow.create(order, {"L2": 1}, "size_or_fit").returnId
    flow.wait(in_transit, "PENDING_REVIEW", parked="review")
    approve(in_transit)
    flow.wait(in_transit, "AWAITING_RECEIPT", parked="receipt")
    flow.wait(in_review, "PENDING_REVIEW", parked="review")
    for return_id in (in_review, in_transit):
        assert returns.cancel_return(return_id, order["customerId"]).status == "CANCELLED"
    for return_id in (in_review, in_transit):
        done = flow.finished(return_id, "CANCELLED")
        assert done.history[-1].actor == order["customerId"]
        with pytest.raises(Conflict):
            returns.cancel_return(return_id, order["customerId"])
    assert flow.reserved(order["orderId"]) == {"L1": 0, "L2": 0}


def test_cancel_right_after_create_ends_cancelled(flow: Flow, orders) -> None:
    """Cancelled before any step parked a token: the next step sees the status and closes."""
    order = flow.order(orders["O-SEED-1"])
    created = flow.create(order, {"L2": 1}, "other")
    returns.cancel_return(created.returnId, order["customerId"])
    flow.finished(created.returnId, "CANCELLED")
    assert flow.reserved(order["orderId"]) == {"L2": 0}


def test_cancel_after_receipt_is_a_conflict(flow: Flow, orders) -> None:
    order = flow.order(orders["O-SEED-1"])
    created = flow.create(order, {"L1": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    approve(created.returnId)
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    flow.payments.fail_next(1, permanent=True)  # a decline is not retried
    receive(flow, created.returnId, ("L1", 1, "intact"))
    flow.wait(created.returnId, "REFUND_FAILED", parked="refund_retry")
    with pytest.raises(Conflict):
        returns.cancel_return(created.returnId, order["customerId"])
    with pytest.raises(Conflict):  # a second receipt
        receive(flow, created.returnId, ("L1", 1, "intact"))
    assert flow.payments.calls == 1
    refund.retry_refund(created.returnId, "agent-2")
    done = flow.finished(created.returnId, "REFUNDED")
    assert done.refund is not None and done.refund.refundAmount == "50.00"
    assert flow.payments.calls == 2 and len(flow.payments.refunds) == 1


def test_steps_arriving_late_follow_the_stored_status(flow: Flow, orders, monkeypatch) -> None:
    """A step that runs after the return moved on (a retry, a race with a decision) neither
    changes it nor releases twice: it only says where the status sends the workflow."""
    order = flow.order(orders["O-SEED-1"])
    created = flow.create(order, {"L1": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    returns.cancel_return(created.returnId, order["customerId"])
    flow.finished(created.returnId, "CANCELLED")
    before = flow.item(created.returnId)
    rerouted: list[tuple[str, str]] = []
    monkeypatch.setattr(
        tasks, "reroute", lambda token, ret, wait: rerouted.append((token, str(tasks.next_step(ret))))
    )
    await_review(created.returnId, "token-of-a-retried-step")
    await_receipt(created.returnId, "token-of-another-step")
    await_damage_review(created.returnId, "token-of-a-third-step")
    assert rerouted == [
        ("token-of-a-retried-step", "Closed"),
        ("token-of-another-step", "Closed"),
        ("token-of-a-third-step", "Closed"),
    ]
    route = {"returnId": created.returnId, "next": "Closed"}
    assert auto_approve(created.returnId) == route
    assert expire(created.returnId) == route
    assert damage_review_time_limit(created.returnId) == route
    assert issue_refund(created.returnId) == route
    assert flow.item(created.returnId) == before
    assert flow.reserved(order["orderId"]) == {"L1": 0}
    assert flow.event_types(created.returnId).count("Return Closed") == 1


def test_a_time_limit_step_does_not_answer_the_token_that_timed_out(flow: Flow, orders, monkeypatch) -> None:
    """The wait's token timed out: nobody waits on it, so the time limit's step (whose function
    may not call Step Functions) takes it off the return without answering it."""
    order = flow.order(orders["O-SEED-1"])
    return_id = flow.create(order, {"L1": 1}, "quality_issue").returnId
    flow.wait(return_id, "PENDING_REVIEW", parked="review")
    answered: list[str] = []
    monkeypatch.setattr(tasks, "complete", lambda token, output, wait: answered.append(token))
    monkeypatch.setattr(tasks, "reroute", lambda token, ret, wait: answered.append(token))
    assert auto_approve(return_id) == {"returnId": return_id, "next": "AwaitReceipt"}
    approved = flow.item(return_id)
    assert approved.status == "AWAITING_RECEIPT" and approved.task is None and answered == []
