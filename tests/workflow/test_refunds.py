"""Refunds across returns of one order, the shortfall rule of auto-approval, and the refund step
being idempotent (a repeated or resumed invocation never pays twice)."""

from __future__ import annotations

from typing import Any

import pytest

from returns_core.order import OrderSnapshot
from returns_core.refunds.models import PreviousReturn, QuoteRequest, ReturnSpec
from returns_core.refunds.quote import quote
from returns_service import receipt, refund, review
from returns_service.errors import Conflict
from returns_service.models import ReceivedLine
from returns_service.store import ledger
from returns_service.store import returns as return_store
from returns_service.views import to_view
from tests.workflow.conftest import Flow
from tests.workflow.orders_for_tests import split_order


def approve(return_id: str) -> None:
    review.submit_review(
        return_id,
        "approve",
        return_shipping_paid_by="merchant",
        return_shipping_fee=None,
        note="",
        actor="cs",
    )


def refund_through(flow: Flow, order: dict[str, Any], lines: dict[str, int], reason: str) -> str:
    """A return approved, received intact and refunded; its id."""
    created = flow.create(order, lines, reason)
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    try:
        approve(created.returnId)
    except Conflict:  # a loaded machine under short limits: the review limit approved it first
        approved = flow.item(created.returnId).review
        assert approved is not None and approved.automatic and approved.returnShippingPaidBy == "merchant"
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    receipt.record_receipt(
        created.returnId,
        [ReceivedLine(lineId=k, quantity=q, condition="intact") for k, q in lines.items()],
        "inspector",
        "",
    )
    flow.finished(created.returnId, "REFUNDED")
    return created.returnId


def engine_sequence(order: dict[str, Any], returns: list[tuple[dict[str, int], str]]) -> list[str]:
    """What the engine refunds for ``returns`` applied one after the other."""
    snapshot = OrderSnapshot.model_validate(order)
    previous: list[PreviousReturn] = []
    amounts = []
    for lines, reason in returns:
        spec = [{"lineId": k, "quantity": q} for k, q in lines.items()]
        result = quote(
            QuoteRequest.model_validate(
                {
                    "order": snapshot,
                    "previousReturns": previous,
                    "return": ReturnSpec.model_validate({"lines": spec, "reason": reason}),
                }
            )
        )
        amounts.append(result.refundAmount)
        previous.append(
            PreviousReturn.model_validate({"lines": spec, "reason": reason, "refunded": result.refundAmount})
        )
    return amounts


def test_two_successive_returns_refund_what_the_engine_gives_cumulatively(flow: Flow, orders) -> None:
    # The business's worked example: 2 x 100.00 under 满199减100, 100.00 paid.
    order = flow.order(orders["O-SEED-1"])
    first = refund_through(flow, order, {"L1": 1}, "no_longer_needed")
    second = refund_through(flow, order, {"L2": 1}, "no_longer_needed")
    paid = [to_view(flow.item(r)).refund for r in (first, second)]
    assert [p.refundAmount for p in paid if p] == ["0.00", "100.00"]
    assert [p.refundAmount for p in paid if p] == engine_sequence(
        order, [({"L1": 1}, "no_longer_needed"), ({"L2": 1}, "no_longer_needed")]
    )
    book = ledger.load(order["orderId"])
    assert [(e.return_id, e.refunded, e.state) for e in book.entries] == [
        (first, "0.00", "paid"),
        (second, "100.00", "paid"),
    ]
    # A zero refund is recorded but never sent to the provider.
    assert list(flow.payments.refunds) == [f"RF-{second}"]


def test_mixed_reasons_and_currencies_follow_the_engine(flow: Flow, orders) -> None:
    order = flow.order(orders["O-JPY-3"])
    plan = [({"L1": 1}, "size_or_fit"), ({"L2": 1}, "quality_issue"), ({"L1": 1}, "no_longer_needed")]
    ids = [refund_through(flow, order, lines, reason) for lines, reason in plan]
    refunds = [to_view(flow.item(r)).refund for r in ids]
    assert [r.refundAmount for r in refunds if r] == engine_sequence(order, plan)
    assert sum(int(r.refundAmount) for r in refunds if r) <= 8160


@pytest.mark.short_time_limits
def test_a_quote_carrying_a_shortfall_is_never_approved_automatically(flow: Flow) -> None:
    order = flow.order(split_order())
    refund_through(flow, order, {"B": 1}, "no_longer_needed")  # refunds 60.00
    created = flow.create(order, {"C": 1}, "no_longer_needed")
    assert created.quote is not None and created.quote.carries_shortfall
    assert created.quote.refundAmount == "0.00"
    # The review time limit passes: still waiting for CS, now without a time limit.
    held = flow.wait_note(created.returnId, "not approved automatically")
    assert held.status == "PENDING_REVIEW" and "shortfall" in held.history[-1].note
    assert "Return Approved" not in flow.event_types(created.returnId)
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    approve(created.returnId)
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    receipt.record_receipt(
        created.returnId, [ReceivedLine(lineId="C", quantity=1, condition="intact")], "i", ""
    )
    done = flow.finished(created.returnId, "REFUNDED")
    assert done.refund is not None and done.refund.refundAmount == "0.00"
    assert done.quote is not None
    assert {a.kind: a.amount for a in done.quote.adjustments}["shortfall_carried"] == "40.00"


def test_a_repeated_refund_step_never_pays_twice(flow: Flow, orders) -> None:
    order = flow.order(orders["O-POP-4"])
    return_id = refund_through(flow, order, {"L1": 1}, "quality_issue")
    assert flow.payments.calls == 1
    again = flow.stack.invoke("IssueRefundFunction", {"returnId": return_id})
    assert again == {"returnId": return_id, "next": "Closed"}
    assert flow.payments.calls == 1 and len(flow.payments.refunds) == 1


def test_a_crash_between_paying_and_recording_pays_once(flow: Flow, orders, monkeypatch) -> None:
    order = flow.order(orders["O-SEED-1"])
    real = return_store.mark_refunded
    crashed: list[bool] = []

    def crash_after_paying(change: Any) -> None:
        if not crashed:
            crashed.append(True)
            raise ConnectionResetError("lost the connection after the provider paid")
        real(change)

    monkeypatch.setattr(return_store, "mark_refunded", crash_after_paying)
    created = flow.create(order, {"L1": 1, "L2": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    approve(created.returnId)
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    receipt.record_receipt(
        created.returnId,
        [
            ReceivedLine(lineId="L1", quantity=1, condition="intact"),
            ReceivedLine(lineId="L2", quantity=1, condition="intact"),
        ],
        "i",
        "",
    )
    failed = flow.wait(created.returnId, "REFUND_FAILED", parked="refund_retry")
    assert "ConnectionResetError" in failed.history[-1].note
    assert flow.payments.calls == 1 and len(flow.payments.refunds) == 1  # paid, not recorded
    refund.retry_refund(created.returnId, "cs")
    done = flow.finished(created.returnId, "REFUNDED")
    assert done.refund is not None and done.refund.refundAmount == "100.00"
    assert (
        flow.payments.calls == 2 and len(flow.payments.refunds) == 1
    )  # the provider saw the same refund id again
    assert flow.payments.total_paid(order["orderId"]) == 10000


@pytest.mark.parametrize("decision", ["reject", "approve"])
def test_only_one_review_decision_counts(flow: Flow, orders, decision: str) -> None:
    order = flow.order(orders["O-SEED-1"])
    created = flow.create(order, {"L1": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    review.submit_review(
        created.returnId,
        decision,
        return_shipping_paid_by="merchant",
        return_shipping_fee=None,
        note="",
        actor="a",
    )
    with pytest.raises(Conflict):
        review.submit_review(
            created.returnId,
            "approve",
            return_shipping_paid_by="merchant",
            return_shipping_fee=None,
            note="",
            actor="b",
        )
    assert [h.actor for h in to_view(flow.item(created.returnId)).history].count("b") == 0
