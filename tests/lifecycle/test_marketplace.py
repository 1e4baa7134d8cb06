"""Marketplace (POP) returns in the pure core (contract section 8): the seller receives, the
seller's time limit counts from the customer's parcel registration, and every POP refund carries
its split between the seller and the platform."""

from __future__ import annotations

import pytest

from returns_core.lifecycle import (
    Actor,
    NotAllowed,
    NotPermitted,
    ReturnAction,
    ReturnStatus,
    Role,
    Step,
    Wait,
)
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.model import ReceivedLine, Return
from returns_core.lifecycle.quoting import QuoteContext
from returns_core.lifecycle.rules import next_step, seller_clock_started
from returns_core.lifecycle.statuses import RETURNS
from tests.lifecycle.conftest import AGENT, WINDOWS, Create, order

S = ReturnStatus
POP = "O-POP-6"  # delivered 2026-11-26: a 129.00 kettle and two 35.00 mugs, seller-901
SELLER = Actor(Role.RECEIVER, "seller-901")
TEN_DAYS = 864000


def at(minute: int) -> str:
    return f"2026-11-27T10:{minute:02d}:00.000Z"


def waiting_for_goods(create: Create, order_id: str, lines: dict[str, int], reason: str) -> Return:
    """Created, found eligible, approved by CS and waiting (token ``t-receipt``) for the goods."""
    snapshot = order(order_id)
    ret = create(lines, reason, snapshot=snapshot, when=at(0))
    ret = decide.check_eligibility(ret, snapshot, {}, [], WINDOWS, at(1)).after
    ret = decide.approve(
        ret, AGENT, paid_by="merchant", fee=0, note="", context=QuoteContext(snapshot), at=at(2)
    ).after
    change = decide.await_receipt(ret, "t-receipt", "https://cb/R-TEST", "2026-12-12T10:02:00.000Z", at(2))
    assert change is not None
    return change.after


def shipped(ret: Return, minute: int = 3) -> decide.ReturnChange:
    customer = Actor(Role.CUSTOMER, ret.customerId)
    return decide.record_shipment(ret, customer, carrier="SF", tracking_number="SF100", at=at(minute))


def test_return_awaiting_receipt_names_who_receives(create: Create) -> None:
    snapshot = order(POP)
    ret = create({"L2": 1}, "no_longer_needed", snapshot=snapshot, when=at(0))
    ret = decide.check_eligibility(ret, snapshot, {}, [], WINDOWS, at(1)).after
    ret = decide.approve(
        ret, AGENT, paid_by="merchant", fee=0, note="", context=QuoteContext(snapshot), at=at(2)
    ).after
    pop = decide.await_receipt(ret, "t", "https://cb", "2026-12-12T10:02:00.000Z", at(2))
    assert pop is not None and pop.after.task is not None and pop.after.task.waitingFor == Wait.RECEIPT
    detail = pop.events[0].detail
    assert (detail["receivedBy"], detail["sellerId"], detail["callbackUrl"]) == (
        "seller",
        "seller-901",
        "https://cb",
    )

    b2c = waiting_for_goods(create, "O-SEED-1", {"L1": 1}, "quality_issue")
    assert b2c.receiver == "warehouse"
    seed = decide.await_receipt(b2c.model_copy(update={"task": None}), "t", "u", "x", at(3))
    assert seed is not None
    assert (seed.events[0].detail["receivedBy"], seed.events[0].detail["sellerId"]) == ("warehouse", None)


def test_the_parcel_registration_starts_the_sellers_clock(create: Create) -> None:
    ret = waiting_for_goods(create, POP, {"L2": 1}, "no_longer_needed")
    assert next_step(ret) == Step.AWAIT_RECEIPT and not seller_clock_started(ret)
    registered = shipped(ret)
    # The usual receipt wait's token is taken: the workflow goes on to the seller's wait.
    assert registered.before is not None and registered.before.task is not None
    assert registered.after.task is None and registered.after.status == S.AWAITING_RECEIPT
    assert seller_clock_started(registered.after) and next_step(registered.after) == Step.AWAIT_SELLER_RECEIPT
    with pytest.raises(NotAllowed, match="seller's receipt time limit applies"):
        decide.receipt_time_limit(registered.after, 1209600, at(9))

    seller_wait = decide.await_seller_receipt(registered.after, "t-seller", at(4))
    assert seller_wait is not None and seller_wait.after.task is not None
    assert seller_wait.after.task.waitingFor == Wait.SELLER_RECEIPT and seller_wait.events == ()
    # A corrected registration keeps the clock running: the seller's wait keeps its token.
    again = shipped(seller_wait.after, minute=5)
    assert again.after.task is not None and again.after.task.token == "t-seller"

    # B2C: the registration is a note; the usual receipt wait (and its expiry) stays.
    b2c = shipped(waiting_for_goods(create, "O-SEED-1", {"L1": 1}, "quality_issue"))
    assert b2c.after.task is not None and b2c.after.task.waitingFor == Wait.RECEIPT
    assert next_step(b2c.after) == Step.AWAIT_RECEIPT
    assert decide.await_seller_receipt(b2c.after, "t", at(4)) is None
    assert decide.receipt_time_limit(b2c.after, 1209600, at(9)).after.status == S.EXPIRED


def test_a_parcel_registered_before_approval_goes_straight_to_the_sellers_wait(create: Create) -> None:
    snapshot = order(POP)
    ret = create({"L2": 1}, "no_longer_needed", snapshot=snapshot, when=at(0))
    ret = decide.check_eligibility(ret, snapshot, {}, [], WINDOWS, at(1)).after
    ret = shipped(ret, minute=1).after
    assert ret.status == S.PENDING_REVIEW and next_step(ret) == Step.AWAIT_REVIEW
    ret = decide.approve(
        ret, AGENT, paid_by="merchant", fee=0, note="", context=QuoteContext(snapshot), at=at(2)
    ).after
    assert next_step(ret) == Step.AWAIT_RECEIPT  # the signed URL goes out first: the seller needs it
    issued = decide.await_receipt(ret, "t-receipt", "https://cb", "2026-12-12T10:02:00.000Z", at(2))
    assert issued is not None and issued.after.task is None and issued.after.callback is not None
    assert [e.detail_type for e in issued.events] == ["Return Awaiting Receipt"]
    # ... but nothing waits under the usual limit: the workflow goes on to the seller's wait.
    assert next_step(issued.after) == Step.AWAIT_SELLER_RECEIPT


def test_a_silent_seller_leaves_the_customer_refunded_by_the_system(create: Create) -> None:
    ret = shipped(waiting_for_goods(create, POP, {"L2": 1}, "no_longer_needed")).after
    taken = decide.seller_receipt_time_limit(ret, TEN_DAYS, QuoteContext(order(POP)), at(9))
    after = taken.after
    assert after.status == S.REFUNDING and after.task is None
    assert after.accepted == {"L2": 1} and after.receipt is not None and after.receipt.takenAsReceived
    assert [(r.lineId, r.quantity, r.condition) for r in after.receipt.lines] == [("L2", 1, "intact")]
    entry = after.history[-1]
    assert (entry.status, entry.actor) == (S.REFUNDING, "system")
    assert "taken as received intact in full" in entry.note and f"within {TEN_DAYS}s" in entry.note
    assert "SF100" in entry.note
    assert [e.detail_type for e in taken.events] == ["Return Received"]
    detail = taken.events[0].detail
    assert detail["takenAsReceived"] is True and "no receipt" in detail["reason"]
    assert (detail["receivedBy"], detail["sellerId"], detail["inspector"]) == (
        "seller",
        "seller-901",
        "system",
    )
    assert detail["accepted"] == [{"lineId": "L2", "quantity": 1}]
    # Refunded in full of what it asked for: the mug's quote (section 8's example).
    assert after.quote is not None and after.quote.refundAmount == "31.50"

    # The seller's receipt after the time limit took it: 409, nothing changes.
    with pytest.raises(NotAllowed, match="already"):
        decide.receive(
            after,
            SELLER,
            lines=[ReceivedLine(lineId="L2", quantity=1, condition="damaged")],
            inspector="seller-901",
            note="late",
            context=QuoteContext(order(POP)),
            at=at(10),
        )


def test_the_sellers_time_limit_applies_only_to_a_registered_pop_parcel(create: Create) -> None:
    context = QuoteContext(order(POP))
    unregistered = waiting_for_goods(create, POP, {"L2": 1}, "no_longer_needed")
    with pytest.raises(NotAllowed, match="parcel was registered"):
        decide.seller_receipt_time_limit(unregistered, TEN_DAYS, context, at(9))
    assert decide.receipt_time_limit(unregistered, 1209600, at(9)).after.status == S.EXPIRED  # usual expiry
    b2c = shipped(waiting_for_goods(create, "O-SEED-1", {"L1": 1}, "quality_issue")).after
    with pytest.raises(NotAllowed, match="parcel was registered"):
        decide.seller_receipt_time_limit(b2c, TEN_DAYS, QuoteContext(order()), at(9))
    received = decide.receive(
        shipped(waiting_for_goods(create, POP, {"L2": 1}, "no_longer_needed")).after,
        SELLER,
        lines=[ReceivedLine(lineId="L2", quantity=1, condition="intact")],
        inspector="seller-901",
        note="",
        context=context,
        at=at(6),
    )
    detail = received.events[0].detail
    assert (detail["receivedBy"], detail["sellerId"], detail["takenAsReceived"]) == (
        "seller",
        "seller-901",
        False,
    )
    with pytest.raises(NotAllowed, match="already"):
        decide.seller_receipt_time_limit(received.after, TEN_DAYS, context, at(9))
    # Only the system takes goods as received.
    with pytest.raises(NotPermitted):
        RETURNS.target(S.AWAITING_RECEIPT, ReturnAction.TAKE_AS_RECEIVED, Role.RECEIVER)


def test_a_pop_refund_carries_its_split_and_refund_issued_says_it(create: Create) -> None:
    context = QuoteContext(order(POP))
    ret = shipped(waiting_for_goods(create, POP, {"L2": 1}, "no_longer_needed")).after
    refunding = decide.seller_receipt_time_limit(ret, TEN_DAYS, context, at(9)).after
    recorded = decide.record_refund(refunding, context, at(10)).after
    assert recorded.pendingRefund is not None and recorded.pendingRefund.settlement is not None
    split = recorded.pendingRefund.settlement
    assert (split.sellerId, split.sellerDebit, split.platformShare) == ("seller-901", "35.00", "-3.50")
    paid = decide.mark_refunded(recorded, at(11))
    assert paid.after.refund is not None and paid.after.refund.settlement == split
    issued = paid.events[0]
    assert issued.detail_type == "Refund Issued" and issued.detail["refundAmount"] == "31.50"
    assert issued.detail["settlement"] == {
        "sellerId": "seller-901",
        "sellerDebit": "35.00",
        "platformShare": "-3.50",
    }

    b2c = waiting_for_goods(create, "O-SEED-1", {"L1": 1}, "quality_issue")
    got = decide.receive(
        b2c,
        Actor(Role.RECEIVER, "wh-1"),
        lines=[ReceivedLine(lineId="L1", quantity=1, condition="intact")],
        inspector="wh-1",
        note="",
        context=QuoteContext(order()),
        at=at(6),
    ).after
    b2c_paid = decide.mark_refunded(decide.record_refund(got, QuoteContext(order()), at(7)).after, at(8))
    assert b2c_paid.after.refund is not None and b2c_paid.after.refund.settlement is None
    assert b2c_paid.events[0].detail["settlement"] is None
