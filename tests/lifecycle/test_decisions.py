"""Decisions on a return, in memory: statuses, history, events (ids, occurredAt), releases."""

from __future__ import annotations

import pytest

from returns_core.lifecycle import Actor, Invalid, NotAllowed, ReturnStatus, Role, Wait
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.model import ReceivedLine, Return
from returns_core.lifecycle.quoting import QuoteContext
from returns_core.refunds.models import PreviousReturn, ReturnLine
from tests.lifecycle.conftest import AGENT, ANSWER, CUSTOMER, WAREHOUSE, WINDOWS, Create, at, order

S = ReturnStatus


def eligible(ret: Return, minute: int = 1) -> Return:
    snapshot = order(ret.orderId)
    return decide.check_eligibility(ret, snapshot, {}, [], WINDOWS, at(minute)).after


def received(ret: Return, *lines: tuple[str, int, str], minute: int = 3) -> decide.ReturnChange:
    return decide.receive(
        ret,
        WAREHOUSE,
        lines=[ReceivedLine(lineId=k, quantity=q, condition=c) for k, q, c in lines],
        inspector="inspector-3",
        note="",
        context=QuoteContext(order(ret.orderId)),
        at=at(minute),
    )


def approved(ret: Return, minute: int = 2, fee: int = 0) -> Return:
    """Approved by CS; with a fee, proposed to the customer and accepted (contract section 5a)."""
    approval = decide.approve(
        ret,
        AGENT,
        paid_by="customer" if fee else "merchant",
        fee=fee,
        note="",
        context=QuoteContext(order(ret.orderId)),
        answer_within=ANSWER,
        at=at(minute),
    ).after
    if not fee:
        return approval
    return decide.answer_proposal(approval, CUSTOMER, decision="accept", note="", at=at(minute)).after


def test_the_happy_path_step_by_step(create: Create) -> None:
    ret = create({"L1": 1})
    assert (ret.status, ret.revision, ret.reservation.lines) == (S.REQUESTED, 1, {"L1": 1})
    assert ret.quote is not None and ret.quote.refundAmount == "50.00"
    assert ret.order.lines["L1"].brand == "Logitek"

    check = decide.check_eligibility(ret, order(), {"L1": 1}, [], WINDOWS, at(1))
    assert check.after.status == S.PENDING_REVIEW
    assert [e.detail_type for e in check.events] == ["Return Requested"]
    parked = decide.park(check.after, Wait.REVIEW, "token-1", at(1))
    assert parked is not None and parked.after.task is not None
    both = decide.chain(check, parked)
    assert both.before is ret and both.after.revision == 3 and both.events == check.events

    approval = decide.approve(
        both.after,
        AGENT,
        paid_by="merchant",
        fee=0,
        note="",
        context=QuoteContext(order()),
        answer_within=ANSWER,
        at=at(2),
    )
    assert approval.after.status == S.AWAITING_RECEIPT and approval.after.task is None
    assert approval.before is not None and approval.before.task is not None  # the token it claims
    receipt = decide.await_receipt(approval.after, "token-2", "https://cb", "2026-12-08T10:02:00.000Z", at(2))
    assert receipt is not None and receipt.events[0].detail["callbackUrl"] == "https://cb"

    got = received(receipt.after, ("L1", 1, "intact"))
    assert got.after.status == S.REFUNDING and got.after.accepted == {"L1": 1}
    recorded = decide.record_refund(got.after, QuoteContext(order()), at(4))
    assert recorded.after.pendingRefund is not None and recorded.after.pendingRefund.refundAmount == "50.00"
    assert recorded.after.history == got.after.history  # recording is not a step the customer sees

    paid = decide.mark_refunded(recorded.after, at(5))
    assert paid.after.status == S.REFUNDED and paid.after.closedAt == at(5)
    assert [e.detail_type for e in paid.events] == ["Refund Issued", "Return Closed"]
    assert paid.released == {}  # the refunded unit stays reserved for good
    assert paid.after.reservation.state == "settled" and paid.after.reservation.kept == {"L1": 1}
    assert [h.status for h in paid.after.history] == [
        S.REQUESTED,
        S.PENDING_REVIEW,
        S.AWAITING_RECEIPT,
        S.REFUNDING,
        S.REFUNDED,
    ]
    assert [h.actor for h in paid.after.history] == [
        "cust-1001",
        "system",
        "agent-7",
        "inspector-3",
        "system",
    ]


def test_return_closed_carries_what_a_consumer_needs(create: Create) -> None:
    ret = approved(eligible(create({"L1": 1, "L2": 1}, "quality_issue")))
    got = received(ret, ("L1", 1, "intact"), ("L2", 1, "wrong_item"))
    paid = decide.mark_refunded(decide.record_refund(got.after, QuoteContext(order()), at(4)).after, at(5))
    closed = paid.events[-1].detail
    assert closed["status"] == "REFUNDED" and closed["refunded"] is True
    assert closed["reason"] == "quality_issue" and closed["channel"] == "B2C"
    assert closed["createdAt"] == ret.createdAt and closed["currency"] == "CNY"
    assert closed["lines"] == [
        {
            "lineId": "L1",
            "quantity": 1,
            "sku": "SKU-MOUSE-01",
            "brand": "Logitek",
            "category": "electronics",
            "received": 1,
        },
        {
            "lineId": "L2",
            "quantity": 1,
            "sku": "SKU-KEYB-02",
            "brand": "Keyco",
            "category": "electronics",
            "received": 1,
        },
    ]
    assert closed["refund"]["refundAmount"] == "50.00" and closed["refund"]["paidAt"] == at(5)
    assert closed["quote"]["lines"] == [{"lineId": "L1", "quantity": 1, "paidAmount": "50.00"}]
    assert paid.released == {"L2": 1}  # the wrong item's unit goes back to the order
    assert closed["eventId"] == f"R-TEST.{paid.after.revision}.1" and closed["occurredAt"] == at(5)


def test_event_ids_are_stable_and_unique(create: Create) -> None:
    ret = create({"L1": 1})
    first = decide.check_eligibility(ret, order(), {}, [], WINDOWS, at(1))
    again = decide.check_eligibility(ret, order(), {}, [], WINDOWS, at(1))
    assert [e.detail for e in first.events] == [e.detail for e in again.events]
    cancelled = decide.cancel(first.after, CUSTOMER, at(2))
    ids = [e.event_id for e in (*first.events, *cancelled.events)]
    assert len(ids) == len(set(ids)) == 2
    assert all(e.occurred_at for e in cancelled.events)


def test_a_cancel_releases_its_units_in_the_same_change(create: Create) -> None:
    ret = eligible(create({"L1": 1, "L2": 1}, "size_or_fit"))
    cancelled = decide.cancel(ret, CUSTOMER, at(2))
    assert cancelled.after.status == S.CANCELLED
    assert cancelled.released == {"L1": 1, "L2": 1}
    assert [e.detail_type for e in cancelled.events] == ["Return Closed"]
    with pytest.raises(NotAllowed, match="can no longer be cancelled"):
        decide.cancel(cancelled.after, CUSTOMER, at(3))
    refunding = received(approved(ret), ("L1", 1, "intact"), ("L2", 1, "intact")).after
    with pytest.raises(NotAllowed, match="the return is REFUNDING"):
        decide.cancel(refunding, CUSTOMER, at(4))


@pytest.mark.parametrize(
    ("snapshot_changes", "lines", "reason", "why"),
    [
        # The order system corrects the delivery date after the return was asked for.
        ({"deliveredAt": "2026-11-10T00:00:00Z"}, {"L1": 1}, "no_longer_needed", "7-day window"),
        ({"deliveredAt": "2026-11-01T00:00:00Z"}, {"L1": 1}, "quality_issue", "15-day window"),
        ({"status": "SHIPPED", "deliveredAt": None}, {"L1": 1}, "quality_issue", "not delivered"),
    ],
)
def test_ineligible_returns_are_rejected_and_closed(
    create: Create, snapshot_changes, lines, reason, why
) -> None:
    ret = create(lines, reason)
    later = order(**snapshot_changes)
    check = decide.check_eligibility(ret, later, {}, [], WINDOWS, at(1))
    assert check.after.status == S.REJECTED
    assert why in check.after.history[-1].note and check.after.history[-1].actor == "system"
    assert [e.detail_type for e in check.events] == ["Return Rejected", "Return Closed"]
    assert why in check.events[0].detail["reason"]
    assert check.released == lines


def test_what_is_known_at_once_is_refused_at_creation(create: Create) -> None:
    with pytest.raises(Invalid, match="has not been delivered"):
        create({"L1": 1}, snapshot=order(status="SHIPPED", deliveredAt=None))
    with pytest.raises(Invalid, match="7-day window"):
        create({"L1": 1}, "no_longer_needed", when="2026-12-01T00:00:00.000Z")
    with pytest.raises(Invalid, match="does not fit") as refused:
        create({"L1": 2})
    assert refused.value.details == [{"lineId": "L1", "problem": "2 asked, 1 left to return"}]
    with pytest.raises(Invalid, match="L4"):
        create({"L4": 1}, "no_longer_needed", snapshot=order("O-MIX-2"))  # not returnable


def test_auto_approval_and_the_shortfall_hold(create: Create) -> None:
    ret = eligible(create({"L1": 1}))
    auto = decide.review_time_limit(ret, 172800, at(2))
    assert auto.after.status == S.AWAITING_RECEIPT and auto.after.review is not None
    assert auto.after.review.automatic and auto.events[0].detail["actor"] == "system"
    # A quote carrying a shortfall: 150/60/60 under 满199减100, B already refunded 60.00.
    split = order(
        lines=[
            {"lineId": "A", "unitPrice": "150.00", "quantity": 1},
            {"lineId": "B", "unitPrice": "60.00", "quantity": 1},
            {"lineId": "C", "unitPrice": "60.00", "quantity": 1},
        ],
        promotions=[
            {
                "promotionId": "P",
                "kind": "threshold",
                "threshold": "199.00",
                "discount": "100.00",
                "lineIds": ["A", "B", "C"],
            }
        ],
        shipping={"fee": "0.00", "freeThreshold": None, "charged": "0.00"},
        payments=[{"paymentId": "PAY-1", "amount": "170.00"}],
    )
    previous = [
        PreviousReturn(
            lines=[ReturnLine(lineId="B", quantity=1)], reason="no_longer_needed", refunded="60.00"
        )
    ]
    held_quote = decide.request(
        return_id="R-C",
        customer=Actor(Role.CUSTOMER, "cust-1001"),
        order=split,
        reserved={"B": 1},
        context=QuoteContext(split, previous),
        lines=[ReturnLine(lineId="C", quantity=1)],
        reason="no_longer_needed",
        reason_detail="",
        method="pickup",
        windows=WINDOWS,
        at=at(0),
    ).after
    assert held_quote.quote is not None and held_quote.quote.carries_shortfall
    waiting = held_quote.model_copy(update={"status": S.PENDING_REVIEW})
    hold = decide.review_time_limit(waiting, 60, at(3))
    assert hold.after.status == S.PENDING_REVIEW and hold.after.heldForCs and hold.events == ()
    assert "shortfall" in hold.after.history[-1].note
    with pytest.raises(NotAllowed):
        decide.review_time_limit(hold.after, 60, at(4))


def test_what_a_receipt_means(create: Create) -> None:
    choice = approved(eligible(create({"L1": 1, "L2": 1}, "size_or_fit")))
    damaged = received(choice, ("L1", 1, "intact"), ("L2", 1, "damaged"))
    assert damaged.after.status == S.PENDING_DAMAGE_REVIEW and damaged.events[0].detail["damagedUnits"] == 1
    nothing = received(choice, ("L1", 1, "wrong_item"))
    assert nothing.after.status == S.RETURNED_TO_CUSTOMER and nothing.released == {"L1": 1, "L2": 1}
    assert [e.detail_type for e in nothing.events] == ["Return Received", "Return Closed"]
    fault = approved(eligible(create({"L1": 1}, "damaged_in_transit")))
    assert received(fault, ("L1", 1, "damaged")).after.status == S.REFUNDING
    with pytest.raises(Invalid, match="does not match") as mismatch:
        received(choice, ("L3", 1, "intact"), ("L1", 2, "intact"))
    assert len(mismatch.value.details) == 2
    with pytest.raises(Invalid, match="names no units"):
        received(choice, ("L1", 0, "intact"))
    with pytest.raises(NotAllowed, match="already"):
        received(damaged.after, ("L1", 1, "intact"))
    with pytest.raises(NotAllowed, match="not waiting for the goods"):
        received(eligible(create({"L1": 1})), ("L1", 1, "intact"))


@pytest.mark.parametrize(
    ("decision", "deduction", "status", "refund"),
    [
        ("accept", 0, S.REFUNDING, "90.00"),
        ("deduct", 1250, S.AWAITING_CUSTOMER, "77.50"),  # the quote it would give
        ("reject", 0, S.RETURNED_TO_CUSTOMER, None),
    ],
)
def test_damage_decisions(
    create: Create, decision: str, deduction: int, status: ReturnStatus, refund: str | None
) -> None:
    ret = approved(eligible(create({"L1": 1, "L2": 1}, "size_or_fit")), fee=1000)
    waiting = received(ret, ("L1", 1, "intact"), ("L2", 1, "damaged")).after
    change = decide.review_damage(
        waiting,
        AGENT,
        decision=decision,
        deduction=deduction,
        note="",
        context=QuoteContext(order()),
        answer_within=ANSWER,
        at=at(4),
    )
    assert change.after.status == status
    if refund is not None:
        assert change.after.quote is not None and change.after.quote.refundAmount == refund
    else:
        assert change.released == {"L1": 1, "L2": 1}


def test_damage_decisions_are_checked_and_the_time_limit_accepts(create: Create) -> None:
    ret = approved(eligible(create({"L1": 1, "L2": 1}, "size_or_fit")))
    waiting = received(ret, ("L1", 1, "intact"), ("L2", 1, "damaged")).after
    ctx = QuoteContext(order())
    with pytest.raises(Invalid, match="above zero"):
        decide.review_damage(
            waiting,
            AGENT,
            decision="deduct",
            deduction=0,
            note="",
            context=ctx,
            answer_within=ANSWER,
            at=at(4),
        )
    with pytest.raises(Invalid, match="'deduct' decision only"):
        decide.review_damage(
            waiting,
            AGENT,
            decision="accept",
            deduction=5,
            note="",
            context=ctx,
            answer_within=ANSWER,
            at=at(4),
        )
    timed_out = decide.damage_review_time_limit(waiting, 600, ctx, at(9))
    assert timed_out.after.status == S.REFUNDING and timed_out.after.inspectionDeduction == 0
    assert timed_out.after.history[-1].actor == "system" and "600s" in timed_out.after.history[-1].note
    assert timed_out.after.damageReview is not None and timed_out.after.damageReview.automatic
    with pytest.raises(NotAllowed, match="not waiting for a damage review"):
        decide.damage_review_time_limit(timed_out.after, 600, ctx, at(10))


def test_review_inputs_are_checked(create: Create) -> None:
    ret = eligible(create({"L1": 1}))
    ctx = QuoteContext(order())
    with pytest.raises(Invalid, match="'customer' only"):
        decide.approve(
            ret, AGENT, paid_by="merchant", fee=100, note="", context=ctx, answer_within=ANSWER, at=at(2)
        )
    rejected = decide.reject(ret, AGENT, note="worn", at=at(2))
    assert rejected.after.status == S.REJECTED and rejected.after.history[-1].note == "worn"
    assert [e.detail_type for e in rejected.events] == ["Return Rejected", "Return Closed"]
    with pytest.raises(NotAllowed, match="not waiting for review"):
        decide.approve(
            rejected.after,
            AGENT,
            paid_by="merchant",
            fee=0,
            note="",
            context=ctx,
            answer_within=ANSWER,
            at=at(3),
        )


def test_refund_failure_and_retry(create: Create) -> None:
    refunding = received(approved(eligible(create({"L1": 1}))), ("L1", 1, "intact")).after
    failed = decide.fail_refund(refunding, "PaymentDeclined: no", at(5))
    assert failed.after.status == S.REFUND_FAILED and failed.after.refundError == "PaymentDeclined: no"
    parked = decide.park(failed.after, Wait.REFUND_RETRY, "t", at(5))
    assert parked is not None
    retried = decide.retry_refund(parked.after, AGENT, at(6))
    assert retried.after.status == S.REFUNDING and retried.after.task is None
    with pytest.raises(NotAllowed, match="only a failed refund"):
        decide.retry_refund(retried.after, AGENT, at(7))
    with pytest.raises(NotAllowed, match="no refund is recorded"):
        decide.mark_refunded(retried.after, at(8))


def test_a_wait_that_arrives_late_parks_nothing(create: Create) -> None:
    cancelled = decide.cancel(create({"L1": 1}), CUSTOMER, at(1)).after
    assert decide.park(cancelled, Wait.REVIEW, "t", at(2)) is None
    assert decide.await_receipt(cancelled, "t", "u", "x", at(2)) is None


def test_shipments_are_recorded_while_the_goods_are_on_their_way(create: Create) -> None:
    ret = eligible(create({"L1": 1}))
    shipped = decide.record_shipment(ret, CUSTOMER, carrier="SF", tracking_number="SF1", at=at(2))
    assert shipped.after.status == S.PENDING_REVIEW and shipped.after.shipment is not None
    assert shipped.after.history[-1].status == S.PENDING_REVIEW and "SF1" in shipped.after.history[-1].note
    cancelled = decide.cancel(shipped.after, CUSTOMER, at(3)).after
    with pytest.raises(NotAllowed, match="shipment can no longer"):
        decide.record_shipment(cancelled, CUSTOMER, carrier="SF", tracking_number="SF2", at=at(4))
