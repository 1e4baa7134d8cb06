"""Contract section 5a in memory: what CS proposes waits for the customer, who alone answers."""

from __future__ import annotations

import pytest

from returns_core.lifecycle import Actor, Invalid, NotAllowed, NotPermitted, ReturnStatus, Wait
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.model import ReceivedLine, Return
from returns_core.lifecycle.quoting import QuoteContext
from tests.lifecycle.conftest import AGENT, ANSWER, CUSTOMER, WAREHOUSE, WINDOWS, Create, at, order

S = ReturnStatus
CTX = QuoteContext(order())


def pending_review(create: Create, lines: dict[str, int] | None = None) -> Return:
    ret = create(lines or {"L1": 1, "L2": 1}, "size_or_fit")
    return decide.check_eligibility(ret, order(), {}, [], WINDOWS, at(1)).after


def propose_fee(ret: Return, fee: int = 1000, minute: int = 2) -> decide.ReturnChange:
    return decide.approve(
        ret,
        AGENT,
        paid_by="customer",
        fee=fee,
        note="bulky",
        context=CTX,
        answer_within=ANSWER,
        at=at(minute),
    )


def answer(ret: Return, decision: str, minute: int = 3, who: Actor = CUSTOMER) -> decide.ReturnChange:
    return decide.answer_proposal(ret, who, decision=decision, note="ok", at=at(minute))


def damaged(create: Create) -> Return:
    approved = decide.approve(
        pending_review(create, {"L1": 1, "L2": 1}),
        AGENT,
        paid_by="merchant",
        fee=0,
        note="",
        context=CTX,
        answer_within=ANSWER,
        at=at(2),
    ).after
    lines = [
        ReceivedLine(lineId="L1", quantity=1, condition="intact"),
        ReceivedLine(lineId="L2", quantity=1, condition="damaged"),
    ]
    got = decide.receive(approved, WAREHOUSE, lines=lines, inspector="i", note="", context=CTX, at=at(3))
    assert got.after.status == S.PENDING_DAMAGE_REVIEW
    return got.after


def propose_deduction(ret: Return, amount: int = 1250) -> decide.ReturnChange:
    return decide.review_damage(
        ret,
        AGENT,
        decision="deduct",
        deduction=amount,
        note="scratched",
        context=CTX,
        answer_within=ANSWER,
        at=at(4),
    )


def test_a_fee_is_a_proposal_with_the_quote_it_would_give(create: Create) -> None:
    ret = pending_review(create)
    proposed = propose_fee(ret)
    after = proposed.after
    assert after.status == S.AWAITING_CUSTOMER and after.returnShippingFee == 0  # not agreed yet
    assert after.proposal is not None
    assert (after.proposal.kind, after.proposal.amount, after.proposal.note) == (
        "return_shipping_fee",
        1000,
        "bulky",
    )
    assert after.proposal.expiresAt == "2026-11-26T10:02:00.000Z"  # three days after the proposal
    assert after.quote is not None and after.quote.refundAmount == "90.00"  # 100.00 less the 10.00 fee
    assert [a.kind for a in after.quote.adjustments] == ["return_shipping_fee"]
    assert after.proposal.quoteBefore == ret.quote  # what a decline goes back to
    assert after.history[-1].actor == "agent-7" and after.history[-1].status == S.AWAITING_CUSTOMER
    (made,) = proposed.events
    assert made.detail_type == "Return Proposal Made"
    assert made.detail["proposal"] == {
        "kind": "return_shipping_fee",
        "amount": "10.00",
        "note": "bulky",
        "expiresAt": "2026-11-26T10:02:00.000Z",
    }
    assert made.detail["quote"]["refundAmount"] == "90.00"
    assert made.detail["eventId"] == f"R-TEST.{after.revision}.0" and made.detail["occurredAt"] == at(2)


def test_a_fee_accepted_approves_with_it(create: Create) -> None:
    proposed = propose_fee(pending_review(create)).after
    accepted = answer(proposed, "accept")
    after = accepted.after
    assert after.status == S.AWAITING_RECEIPT and after.returnShippingFee == 1000 and after.proposal is None
    assert after.quote is not None and after.quote.refundAmount == "90.00"
    assert after.review is not None and after.review.actor == "agent-7"  # CS approved, the customer agreed
    assert after.review.returnShippingPaidBy == "customer"
    assert [e.detail_type for e in accepted.events] == ["Return Proposal Answered", "Return Approved"]
    assert (
        accepted.events[0].detail["decision"] == "accept"
        and accepted.events[0].detail["actor"] == "cust-1001"
    )
    assert accepted.events[1].detail["returnShippingFee"] == "10.00"
    assert (
        after.history[-1].actor == "cust-1001"
        and "accepted the return shipping fee" in after.history[-1].note
    )
    with pytest.raises(NotAllowed, match="nothing is waiting for the customer's answer"):
        answer(after, "accept", minute=4)  # a second answer: 409


def test_a_fee_declined_goes_back_to_review_where_cs_decides_again(create: Create) -> None:
    ret = pending_review(create)
    declined = answer(propose_fee(ret).after, "decline")
    after = declined.after
    assert after.status == S.PENDING_REVIEW and after.proposal is None and after.returnShippingFee == 0
    assert after.quote == ret.quote  # the quote without the fee again
    assert [e.detail["decision"] for e in declined.events] == ["decline"]
    # CS may propose again, approve with the merchant paying, or reject.
    assert propose_fee(after, fee=500, minute=4).after.status == S.AWAITING_CUSTOMER
    merchant = decide.approve(
        after, AGENT, paid_by="merchant", fee=0, note="", context=CTX, answer_within=ANSWER, at=at(4)
    ).after
    assert merchant.status == S.AWAITING_RECEIPT and merchant.returnShippingFee == 0
    assert decide.reject(after, AGENT, note="no", at=at(4)).after.status == S.REJECTED


def test_a_fee_nobody_answered_cancels_and_releases_its_units(create: Create) -> None:
    proposed = propose_fee(pending_review(create, {"L1": 1, "L2": 1})).after
    timed_out = decide.answer_time_limit(proposed, ANSWER, at(9))
    assert timed_out.after.status == S.CANCELLED and timed_out.released == {"L1": 1, "L2": 1}
    assert timed_out.after.proposal is None and timed_out.after.reservation.state == "settled"
    assert [e.detail_type for e in timed_out.events] == ["Return Proposal Answered", "Return Closed"]
    assert (
        timed_out.events[0].detail["decision"] == "none" and timed_out.events[0].detail["actor"] == "system"
    )
    assert timed_out.after.history[-1].actor == "system"
    with pytest.raises(NotAllowed):
        decide.answer_time_limit(timed_out.after, ANSWER, at(10))


def test_while_a_fee_waits_the_customer_may_still_cancel_and_cs_may_not_decide(create: Create) -> None:
    proposed = propose_fee(pending_review(create)).after
    cancelled = decide.cancel(proposed, CUSTOMER, at(3))
    assert cancelled.after.status == S.CANCELLED and cancelled.released == {"L1": 1, "L2": 1}
    assert cancelled.after.proposal is None
    with pytest.raises(NotAllowed, match="not waiting for review"):
        propose_fee(proposed, minute=3)
    with pytest.raises(NotAllowed):
        decide.reject(proposed, AGENT, note="", at=at(3))
    with pytest.raises(NotAllowed):
        decide.review_time_limit(proposed, 600, at(3))  # the review wait is over
    with pytest.raises(NotPermitted):
        answer(proposed, "accept", who=AGENT)  # only the customer answers
    with pytest.raises(Invalid, match="'accept' or 'decline'"):
        answer(proposed, "maybe")


def test_auto_approval_never_proposes_a_fee(create: Create) -> None:
    auto = decide.review_time_limit(pending_review(create), 600, at(9)).after
    assert auto.status == S.AWAITING_RECEIPT and auto.proposal is None and auto.returnShippingFee == 0
    assert auto.review is not None and auto.review.returnShippingPaidBy == "merchant"


def test_a_deduction_waits_for_the_customer(create: Create) -> None:
    waiting = damaged(create)
    proposed = propose_deduction(waiting)
    after = proposed.after
    assert after.status == S.AWAITING_CUSTOMER and after.inspectionDeduction == 0
    assert after.proposal is not None and after.proposal.kind == "inspection_deduction"
    assert after.quote is not None and after.quote.refundAmount == "87.50"
    assert after.damageReview is not None and after.damageReview.decision == "deduct"
    assert proposed.events[0].detail["proposal"]["amount"] == "12.50"
    with pytest.raises(NotAllowed, match="goods have been received"):
        decide.cancel(after, CUSTOMER, at(5))
    with pytest.raises(NotAllowed, match="goods have been received"):
        decide.record_shipment(after, CUSTOMER, carrier="SF", tracking_number="1", at=at(5))
    with pytest.raises(NotAllowed, match="not waiting for a damage review"):
        decide.review_damage(
            after, AGENT, decision="accept", deduction=0, note="", context=CTX, answer_within=ANSWER, at=at(5)
        )


def test_a_deduction_accepted_or_unanswered_is_refunded_with_it(create: Create) -> None:
    proposed = propose_deduction(damaged(create)).after
    for change, actor in (
        (answer(proposed, "accept", minute=5), "cust-1001"),
        (decide.answer_time_limit(proposed, ANSWER, at(9)), "system"),
    ):
        after = change.after
        assert after.status == S.REFUNDING and after.inspectionDeduction == 1250 and after.proposal is None
        assert after.history[-1].actor == actor
        assert [e.detail_type for e in change.events] == ["Return Proposal Answered"]
        recorded = decide.record_refund(after, CTX, at(10)).after
        assert recorded.pendingRefund is not None and recorded.pendingRefund.refundAmount == "87.50"


def test_a_deduction_declined_sends_the_goods_back(create: Create) -> None:
    waiting = damaged(create)
    declined = answer(propose_deduction(waiting).after, "decline", minute=5)
    assert declined.after.status == S.RETURNED_TO_CUSTOMER and declined.released == {"L1": 1, "L2": 1}
    assert declined.after.inspectionDeduction == 0 and declined.after.quote == waiting.quote
    assert [e.detail_type for e in declined.events] == ["Return Proposal Answered", "Return Closed"]


def test_each_answer_wait_parks_on_its_own_kind_only(create: Create) -> None:
    fee = propose_fee(pending_review(create)).after
    assert decide.park(fee, Wait.DEDUCTION_ANSWER, "t", at(3)) is None
    parked = decide.park(fee, Wait.FEE_ANSWER, "t", at(3))
    assert parked is not None and parked.after.task is not None
    answered = answer(parked.after, "accept", minute=4)
    assert answered.before is not None and answered.before.task is not None and answered.after.task is None
    deduction = propose_deduction(damaged(create)).after
    assert decide.park(deduction, Wait.FEE_ANSWER, "t", at(5)) is None
    assert decide.park(deduction, Wait.DEDUCTION_ANSWER, "t", at(5)) is not None


def test_an_answer_needs_a_waiting_proposal(create: Create) -> None:
    with pytest.raises(NotAllowed, match="nothing is waiting"):
        answer(pending_review(create), "accept")
    with pytest.raises(Invalid, match="above zero"):
        decide.approve(
            pending_review(create),
            AGENT,
            paid_by="customer",
            fee=100,
            note="",
            context=CTX,
            answer_within=0,
            at=at(2),
        )
