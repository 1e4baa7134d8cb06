"""Every decision on a return: (the return, what happened, when) -> the change to store.

A decision checks its inputs and the rules, asks the transition table where the action leads
(``NotAllowed`` when the return's status does not allow it), and gives the new return with its
history entry and the events to emit (ids from the new revision). Reaching a final status closes
the return in the same change: its units not refunded are released and ``Return Closed`` goes
out with everything a consumer needs to account for it (contract section 6).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from returns_core import money
from returns_core.lifecycle import events as ev
from returns_core.lifecycle.events import Change, DomainEvent
from returns_core.lifecycle.machine import Actor, Invalid, NotAllowed, Role
from returns_core.lifecycle.model import (
    Callback,
    DamageReview,
    GoodsLine,
    HistoryEntry,
    OrderFacts,
    PendingRefund,
    Proposal,
    Receipt,
    ReceivedLine,
    Refund,
    Reservation,
    Return,
    ReturnMethod,
    Review,
    Shipment,
    WaitingTask,
)
from returns_core.lifecycle.quoting import QuoteContext, lines_of, quote_lines, refusal
from returns_core.lifecycle.rules import (
    Windows,
    answer_action,
    answer_deadline,
    auto_approval,
    damage_action,
    goods_in,
    ineligibility,
    parse_time,
    receipt_outcome,
    request_refusal,
    review_action,
    seller_clock_started,
    unanswered_action,
)
from returns_core.lifecycle.statuses import (
    ANSWER_WAIT,
    FINAL,
    RETURNS,
    ProposalKind,
    ReturnAction,
    ReturnStatus,
    Wait,
)
from returns_core.order import OrderSnapshot
from returns_core.refunds.models import PreviousReturn, Quote, QuoteError, ReturnLine

A = ReturnAction
SYSTEM = Actor.system()

ReturnChange = Change[Return]


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------
def _event(after: Return, index: int, detail_type: str, at: str, fields: Mapping[str, Any]) -> DomainEvent:
    detail = {
        "returnId": after.returnId,
        "orderId": after.orderId,
        "customerId": after.customerId,
        "status": str(after.status),
        "eventId": ev.event_id(after.returnId, after.revision, index),
        "occurredAt": at,
        **fields,
    }
    return DomainEvent(detail_type=detail_type, detail=detail)


def _move(
    ret: Return,
    action: ReturnAction,
    actor: Actor,
    at: str,
    *,
    note: str,
    conflict: str,
    updates: Mapping[str, Any] | None = None,
    events: Sequence[tuple[str, Mapping[str, Any]]] = (),
    record: bool = True,
) -> ReturnChange:
    """Take ``action``: the new status from the table, a history entry, the events, and the close
    when the status is final. ``conflict`` says what the caller was trying (409 message)."""
    try:
        target = RETURNS.target(ret.status, action, actor.role)
    except NotAllowed:
        raise NotAllowed(f"{conflict} (the return is {ret.status})") from None
    changes: dict[str, Any] = {"status": target, "revision": ret.revision + 1, "updatedAt": at}
    if target != ret.status:
        changes["task"] = None  # the wait this status had is over: its token is claimed
        if ret.proposal is not None:
            # Whatever ends the wait for the customer ends the proposal (null when none waits);
            # the return keeps the quote it had before it unless the decision says otherwise.
            changes["proposal"] = None
            changes["quote"] = ret.proposal.quoteBefore
    if record:
        changes["history"] = [*ret.history, HistoryEntry(at=at, status=target, actor=actor.id, note=note)]
    changes.update(updates or {})
    after = ret.model_copy(update=changes)
    released: dict[str, int] = {}
    emitted = list(events)
    if target in FINAL:
        after, released = _closed(after, at)
        emitted.append((ev.RETURN_CLOSED, _closed_detail(after)))
    return Change(
        before=ret,
        after=after,
        events=tuple(_event(after, i, kind, at, fields) for i, (kind, fields) in enumerate(emitted)),
        released=released,
    )


def _closed(ret: Return, at: str) -> tuple[Return, dict[str, int]]:
    """Settle the reservation: a refunded return keeps what was accepted, the rest goes back."""
    kept = dict(ret.accepted or {}) if ret.status == ReturnStatus.REFUNDED else {}
    held = ret.reservation.lines if ret.reservation.state == "held" else {}
    released = {line: q - min(q, kept.get(line, 0)) for line, q in held.items()}
    reservation = Reservation(
        state="settled", lines=ret.reservation.lines, kept={k: v for k, v in kept.items() if v > 0}
    )
    closed = ret.model_copy(update={"reservation": reservation, "closedAt": at})
    return closed, {line: q for line, q in released.items() if q > 0}


def _closed_detail(ret: Return) -> dict[str, Any]:
    """``Return Closed``: the return's lines with what they are, the order's channel and seller,
    the reason, the refund and the final quote, so the event alone accounts for the return."""
    received: dict[str, int] = {}
    for got in ret.receipt.lines if ret.receipt else []:
        received[got.lineId] = received.get(got.lineId, 0) + got.quantity
    lines = []
    for line in ret.lines:
        goods = ret.order.lines.get(line.lineId, GoodsLine())
        entry: dict[str, Any] = {
            "lineId": line.lineId,
            "quantity": line.quantity,
            "sku": goods.sku,
            "brand": goods.brand,
            "category": goods.category,
        }
        if ret.receipt is not None:
            entry["received"] = received.get(line.lineId, 0)
        lines.append(entry)
    return {
        "reason": ret.reason,
        "channel": ret.order.channel,
        "sellerId": ret.order.sellerId or None,
        "currency": ret.currency,
        "createdAt": ret.createdAt,
        "lines": lines,
        "refunded": ret.status == ReturnStatus.REFUNDED,
        "refund": None if ret.refund is None else ret.refund.model_dump(mode="json"),
        "quote": None if ret.quote is None else ret.quote.to_json(),
    }


def _requote(
    ret: Return, context: QuoteContext, *, fee: int, deduction: int, lines: Sequence[ReturnLine] | None = None
) -> Quote:
    chosen = lines if lines is not None else (lines_of(ret.accepted) if ret.accepted else ret.lines)
    try:
        return quote_lines(
            context, chosen, ret.reason, return_shipping_fee=fee, inspection_deduction=deduction
        )
    except (QuoteError, ValidationError) as error:
        raise Invalid(f"the refund cannot be computed: {refusal(error)}") from None


def chain(first: ReturnChange, second: ReturnChange) -> ReturnChange:
    """Two decisions stored as one write (e.g. found eligible, then waiting for review)."""
    if second.before is not first.after:
        raise ValueError("the second decision must be taken on the first one's result")
    released = dict(first.released)
    for line, q in second.released.items():
        released[line] = released.get(line, 0) + q
    return Change(
        before=first.before, after=second.after, events=first.events + second.events, released=released
    )


# ---------------------------------------------------------------------------------------------
# Creation and eligibility
# ---------------------------------------------------------------------------------------------
def request(
    *,
    return_id: str,
    customer: Actor,
    order: OrderSnapshot,
    reserved: Mapping[str, int],
    context: QuoteContext,
    lines: Sequence[ReturnLine],
    reason: str,
    reason_detail: str,
    method: ReturnMethod,
    windows: Windows,
    at: str,
) -> ReturnChange:
    """A new return (REQUESTED) holding its units; what is known at once is refused at once
    (``request_refusal``: the same check as the quote's, in the same words)."""
    if customer.role != Role.CUSTOMER:
        raise Invalid("only a customer asks for a return")
    refused = request_refusal(order, reserved, lines, reason, windows=windows, requested_at=parse_time(at))
    if refused is not None:
        raise Invalid(refused.message, refused.details)
    try:
        first_quote = quote_lines(context, lines, reason)
    except (QuoteError, ValidationError) as error:
        raise Invalid(refusal(error)) from None
    facts = OrderFacts(
        channel=order.channel,
        sellerId=order.sellerId,
        lines={
            line.lineId: GoodsLine(sku=line.sku, title=line.title, brand=line.brand, category=line.category)
            for line in order.lines
            if line.lineId in {asked.lineId for asked in lines}
        },
    )
    created = Return(
        returnId=return_id,
        orderId=order.orderId,
        customerId=customer.id,
        status=RETURNS.initial,
        lines=list(lines),
        reason=reason,
        reasonDetail=reason_detail,
        method=method,
        currency=order.currency,
        createdAt=at,
        updatedAt=at,
        history=[HistoryEntry(at=at, status=RETURNS.initial, actor=customer.id, note="return requested")],
        revision=1,
        order=facts,
        reservation=Reservation(state="held", lines={line.lineId: line.quantity for line in lines}),
        quote=first_quote,
    )
    return Change(before=None, after=created)


def check_eligibility(
    ret: Return,
    order: OrderSnapshot | None,
    reserved: Mapping[str, int],
    previous: Sequence[PreviousReturn],
    windows: Windows,
    at: str,
) -> ReturnChange:
    """REQUESTED -> PENDING_REVIEW with its quote, or REJECTED (and closed) with the reason.

    ``previous`` are the refunds recorded on the order's ledger (this return's own left out)."""
    reason = ineligibility(ret, order, reserved, windows)
    quote: Quote | None = None
    if reason is None and order is not None:
        try:
            quote = quote_lines(QuoteContext(order, previous), ret.lines, ret.reason)
        except (QuoteError, ValidationError) as error:
            reason = refusal(error)
    if reason is not None or quote is None:
        return _move(
            ret,
            A.FIND_INELIGIBLE,
            SYSTEM,
            at,
            note=f"not eligible: {reason}",
            conflict="eligibility was checked already",
            events=[(ev.RETURN_REJECTED, {"decision": "ineligible", "reason": reason})],
        )
    return _move(
        ret,
        A.FIND_ELIGIBLE,
        SYSTEM,
        at,
        note="eligible: waiting for review",
        conflict="eligibility was checked already",
        updates={"quote": quote},
        events=[
            (
                ev.RETURN_REQUESTED,
                {
                    "decision": "eligible",
                    "lines": [line.model_dump() for line in ret.lines],
                    "reason": ret.reason,
                    "method": ret.method,
                    "quote": quote.to_json(),
                    "createdAt": ret.createdAt,
                },
            )
        ],
    )


def not_started(ret: Return, why: str, at: str) -> ReturnChange:
    """The workflow could not be started for a stored return: REJECTED and closed at once."""
    return _move(
        ret,
        A.FIND_INELIGIBLE,
        SYSTEM,
        at,
        note=why,
        conflict="the return was started already",
        events=[(ev.RETURN_REJECTED, {"decision": "not_started", "reason": why})],
    )


# ---------------------------------------------------------------------------------------------
# Waiting (task tokens)
# ---------------------------------------------------------------------------------------------
def park(ret: Return, wait: Wait, token: str, at: str) -> ReturnChange | None:
    """Keep the workflow's token while the return waits; None when it has moved on already (the
    caller then completes the token with where the return goes)."""
    if ret.status != wait.status:
        return None
    if ret.status == ReturnStatus.AWAITING_CUSTOMER and (
        ret.proposal is None or ANSWER_WAIT[ret.proposal.kind] != wait
    ):
        return None
    after = ret.model_copy(
        update={
            "task": WaitingTask(token=token, waitingFor=wait, since=at),
            "revision": ret.revision + 1,
            "updatedAt": at,
        }
    )
    return Change(before=ret, after=after)


def _receiver_fields(ret: Return) -> dict[str, Any]:
    """Who receives the goods (contract section 8): the seller on POP, a platform warehouse else."""
    seller = ret.order.sellerId if ret.receiver == "seller" else None
    return {"receivedBy": ret.receiver, "sellerId": seller or None}


def await_receipt(
    ret: Return, token: str, callback_url: str, expires_at: str, at: str
) -> ReturnChange | None:
    """Wait for the goods, handing the receiver (the warehouse, or the POP seller) the signed URL
    in ``Return Awaiting Receipt``.

    A POP return whose parcel the customer registered before it was approved gets its URL but
    does not wait here: the seller's time limit applies (``await_seller_receipt``). The change then
    keeps no token, and the caller answers it with where the return goes. None when the return
    is not waiting for the goods any more.
    """
    if ret.status != Wait.RECEIPT.status:
        return None
    if seller_clock_started(ret):
        waiting = ret.model_copy(update={"revision": ret.revision + 1, "updatedAt": at})
    else:
        parked = park(ret, Wait.RECEIPT, token, at)
        if parked is None:
            return None
        waiting = parked.after
    after = waiting.model_copy(update={"callback": Callback(expiresAt=expires_at)})
    fields = {
        "callbackUrl": callback_url,
        "expiresAt": expires_at,
        **_receiver_fields(ret),
        "method": ret.method,
        "lines": [line.model_dump() for line in ret.lines],
    }
    return Change(before=ret, after=after, events=(_event(after, 0, ev.RETURN_AWAITING_RECEIPT, at, fields),))


def await_seller_receipt(ret: Return, token: str, at: str) -> ReturnChange | None:
    """POP, the parcel registered: wait for the seller's receipt under the seller's time limit
    (the signed URL went out already). None when this wait does not apply (any more)."""
    if not seller_clock_started(ret):
        return None
    return park(ret, Wait.SELLER_RECEIPT, token, at)


# ---------------------------------------------------------------------------------------------
# Review
# ---------------------------------------------------------------------------------------------
WAITING_FOR_REVIEW = "the return is not waiting for review"


def approve(
    ret: Return,
    actor: Actor,
    *,
    paid_by: str,
    fee: int,
    note: str,
    context: QuoteContext,
    answer_within: int | None = None,
    at: str,
) -> ReturnChange:
    """CS approves: the quote again, then waiting for the goods; with a fee the customer pays,
    the approval is a proposal the customer must accept first (``answer_within`` seconds)."""
    action = review_action("approve", paid_by, fee)
    if not RETURNS.allows(ret.status, action):
        raise NotAllowed(f"{WAITING_FOR_REVIEW} (the return is {ret.status})")
    quote = _requote(ret, context, fee=fee, deduction=0)
    if action == A.PROPOSE_FEE:
        return _propose(
            ret,
            action,
            actor,
            ProposalKind.RETURN_SHIPPING_FEE,
            fee,
            note=note,
            quote=quote,
            answer_within=answer_within,
            conflict=WAITING_FOR_REVIEW,
            at=at,
        )
    return _move(
        ret,
        A.APPROVE,
        actor,
        at,
        note=note or "approved by CS",
        conflict=WAITING_FOR_REVIEW,
        updates={
            "review": Review(decision="approve", actor=actor.id, returnShippingPaidBy=paid_by),
            "returnShippingFee": fee,
            "quote": quote,
            "heldForCs": False,
        },
        events=[_approved(actor.id, paid_by, fee, ret.currency)],
    )


def _approved(actor_id: str, paid_by: str, fee: int, currency: str) -> tuple[str, dict[str, Any]]:
    """``Return Approved`` by CS (directly, or once the customer accepted the fee)."""
    return (
        ev.RETURN_APPROVED,
        {
            "decision": "approve",
            "automatic": False,
            "actor": actor_id,
            "returnShippingPaidBy": paid_by,
            "returnShippingFee": money.format(fee, currency),
        },
    )


def reject(ret: Return, actor: Actor, *, note: str, at: str) -> ReturnChange:
    """CS says no: REJECTED, the units released, ``Return Rejected`` then ``Return Closed``."""
    return _move(
        ret,
        A.REJECT,
        actor,
        at,
        note=note or "rejected by CS",
        conflict=WAITING_FOR_REVIEW,
        updates={"review": Review(decision="reject", actor=actor.id)},
        events=[(ev.RETURN_REJECTED, {"decision": "reject", "actor": actor.id, "note": note})],
    )


def review_time_limit(ret: Return, limit_seconds: int, at: str) -> ReturnChange:
    """Nobody reviewed in time: approved by the system, or held for CS without a time limit."""
    if ret.heldForCs:
        raise NotAllowed(f"{WAITING_FOR_REVIEW} with a time limit (the return is held for CS)")
    if auto_approval(ret) == A.HOLD_FOR_CS:
        why = " its quote carries a shortfall" if ret.quote is not None else " it has no quote"
        return _move(
            ret,
            A.HOLD_FOR_CS,
            SYSTEM,
            at,
            note=f"not reviewed within {limit_seconds}s; not approved automatically:{why}",
            conflict=WAITING_FOR_REVIEW,
            updates={"heldForCs": True, "task": None},  # the timed-out wait's token is dead
        )
    return _move(
        ret,
        A.APPROVE,
        SYSTEM,
        at,
        note=f"approved automatically: not reviewed within {limit_seconds}s",
        conflict=WAITING_FOR_REVIEW,
        updates={
            "review": Review(
                decision="approve", actor=SYSTEM.id, automatic=True, returnShippingPaidBy="merchant"
            ),
            "returnShippingFee": 0,
        },
        events=[
            (
                ev.RETURN_APPROVED,
                {
                    "decision": "approve",
                    "automatic": True,
                    "actor": SYSTEM.id,
                    "returnShippingPaidBy": "merchant",
                    "returnShippingFee": money.format(0, ret.currency),
                },
            )
        ],
    )


# ---------------------------------------------------------------------------------------------
# The customer
# ---------------------------------------------------------------------------------------------
def cancel(ret: Return, customer: Actor, at: str) -> ReturnChange:
    """Before the goods are in: CANCELLED, its units released in the same change (a fee waiting
    for the customer's answer goes with it)."""
    why = goods_in(ret)
    if why is not None:
        raise NotAllowed(f"the return can no longer be cancelled: {why}")
    return _move(
        ret,
        A.CANCEL,
        customer,
        at,
        note="cancelled by the customer",
        conflict="the return can no longer be cancelled",
    )


def record_shipment(
    ret: Return, customer: Actor, *, carrier: str, tracking_number: str, at: str
) -> ReturnChange:
    """The customer's parcel (carrier, tracking number), noted in the history.

    On a POP return waiting for the goods, the first registration starts the seller's time limit
    (contract section 8): the change takes the usual receipt wait's token, so the workflow moves
    on to the seller's wait. A later registration corrects the parcel; the clock keeps running.
    """
    updates: dict[str, Any] = {"shipment": Shipment(carrier=carrier, trackingNumber=tracking_number, at=at)}
    if ret.receiver == "seller" and ret.task is not None and ret.task.waitingFor == Wait.RECEIPT:
        updates["task"] = None
    why = goods_in(ret)
    if why is not None:
        raise NotAllowed(f"a shipment can no longer be recorded: {why}")
    return _move(
        ret,
        A.RECORD_SHIPMENT,
        customer,
        at,
        note=f"shipped with {carrier}, tracking {tracking_number}",
        conflict="a shipment can no longer be recorded",
        updates=updates,
    )


# ---------------------------------------------------------------------------------------------
# Receipt
# ---------------------------------------------------------------------------------------------
WAITING_FOR_GOODS = "the return is not waiting for the goods"


def receive(
    ret: Return,
    receiver: Actor,
    *,
    lines: Sequence[ReceivedLine],
    inspector: str,
    note: str,
    context: QuoteContext,
    at: str,
) -> ReturnChange:
    """The goods are in: refund what was accepted, wait for CS on damage, or send them back."""
    if ret.receipt is not None:
        raise NotAllowed("a receipt was recorded for this return already")
    if not RETURNS.allows(ret.status, A.RECEIVE):
        raise NotAllowed(f"{WAITING_FOR_GOODS} (the return is {ret.status})")
    outcome = receipt_outcome(ret, lines)
    updates: dict[str, Any] = {
        "receipt": Receipt(lines=list(lines), inspector=inspector, note=note, at=at),
        "accepted": outcome.accepted,
    }
    if outcome.accepted:
        updates["quote"] = _requote(
            ret, context, fee=ret.returnShippingFee, deduction=0, lines=lines_of(outcome.accepted)
        )
    return _move(
        ret,
        outcome.action,
        receiver,
        at,
        note=f"{outcome.summary}. {note}".strip() if note else outcome.summary,
        conflict=WAITING_FOR_GOODS,
        updates=updates,
        events=[
            (
                ev.RETURN_RECEIVED,
                {
                    "received": [line.model_dump() for line in lines],
                    "accepted": [line.model_dump() for line in lines_of(outcome.accepted)],
                    "damagedUnits": outcome.damaged,
                    "wrongItemUnits": outcome.wrong,
                    "inspector": inspector,
                    **_receiver_fields(ret),
                    "takenAsReceived": False,
                },
            )
        ],
    )


def receipt_time_limit(ret: Return, limit_seconds: int, at: str) -> ReturnChange:
    """Nothing received in time: EXPIRED, its units released. Not once a POP parcel is
    registered: the seller's time limit applies then (``seller_receipt_time_limit``)."""
    if seller_clock_started(ret):
        raise NotAllowed("the parcel was registered: the seller's receipt time limit applies")
    return _move(
        ret,
        A.EXPIRE,
        SYSTEM,
        at,
        note=f"nothing received within {limit_seconds}s",
        conflict=WAITING_FOR_GOODS,
    )


def seller_receipt_time_limit(
    ret: Return, limit_seconds: int, context: QuoteContext, at: str
) -> ReturnChange:
    """POP: the seller recorded no receipt in time after the customer registered the parcel, so
    the goods are taken as received intact, every unit the return asked for, and refunded
    (contract section 8). The system acts; the history and ``Return Received`` say why."""
    if ret.receipt is not None:
        raise NotAllowed("a receipt was recorded for this return already")
    if not RETURNS.allows(ret.status, A.TAKE_AS_RECEIVED):
        raise NotAllowed(f"{WAITING_FOR_GOODS} (the return is {ret.status})")
    if ret.shipment is None or not seller_clock_started(ret):
        raise NotAllowed("only a POP return whose parcel was registered is taken as received")
    shipment = ret.shipment
    why = (
        f"the seller recorded no receipt within {limit_seconds}s of the customer's parcel registration"
        f" ({shipment.carrier} {shipment.trackingNumber})"
    )
    lines = [
        ReceivedLine(lineId=line.lineId, quantity=line.quantity, condition="intact") for line in ret.lines
    ]
    accepted = {line.lineId: line.quantity for line in ret.lines}
    return _move(
        ret,
        A.TAKE_AS_RECEIVED,
        SYSTEM,
        at,
        note=f"taken as received intact in full: {why}",
        conflict=WAITING_FOR_GOODS,
        updates={
            "receipt": Receipt(lines=lines, inspector=SYSTEM.id, note=why, at=at, takenAsReceived=True),
            "accepted": accepted,
            "quote": _requote(ret, context, fee=ret.returnShippingFee, deduction=0, lines=ret.lines),
        },
        events=[
            (
                ev.RETURN_RECEIVED,
                {
                    "received": [line.model_dump() for line in lines],
                    "accepted": [line.model_dump() for line in ret.lines],
                    "damagedUnits": 0,
                    "wrongItemUnits": 0,
                    "inspector": SYSTEM.id,
                    **_receiver_fields(ret),
                    "takenAsReceived": True,
                    "reason": why,
                },
            )
        ],
    )


# ---------------------------------------------------------------------------------------------
# Damage review
# ---------------------------------------------------------------------------------------------
WAITING_FOR_DAMAGE_REVIEW = "the return is not waiting for a damage review"


def review_damage(
    ret: Return,
    actor: Actor,
    *,
    decision: str,
    deduction: int,
    note: str,
    context: QuoteContext,
    answer_within: int | None = None,
    at: str,
) -> ReturnChange:
    """Damaged goods on a customer-choice return: accept, send them back, or propose a deduction
    the customer must agree to within ``answer_within`` seconds (contract section 5a)."""
    action = damage_action(decision, deduction)
    review = DamageReview(decision=decision, actor=actor.id)
    if action == A.REJECT_DAMAGED:
        return _move(
            ret,
            action,
            actor,
            at,
            note=note or "damaged goods rejected: sent back to the customer",
            conflict=WAITING_FOR_DAMAGE_REVIEW,
            updates={"damageReview": review},
        )
    if not RETURNS.allows(ret.status, action):
        raise NotAllowed(f"{WAITING_FOR_DAMAGE_REVIEW} (the return is {ret.status})")
    quote = _requote(ret, context, fee=ret.returnShippingFee, deduction=deduction)
    if action == A.DEDUCT:
        return _propose(
            ret,
            action,
            actor,
            ProposalKind.INSPECTION_DEDUCTION,
            deduction,
            note=note,
            quote=quote,
            answer_within=answer_within,
            conflict=WAITING_FOR_DAMAGE_REVIEW,
            at=at,
            updates={"damageReview": review},
        )
    return _move(
        ret,
        action,
        actor,
        at,
        note=note or "damaged goods accepted",
        conflict=WAITING_FOR_DAMAGE_REVIEW,
        updates={"damageReview": review, "inspectionDeduction": 0, "quote": quote},
    )


def damage_review_time_limit(ret: Return, limit_seconds: int, context: QuoteContext, at: str) -> ReturnChange:
    """Nobody reviewed the damage in time: the system accepts the goods without deduction."""
    return _move(
        ret,
        A.ACCEPT_DAMAGED,
        SYSTEM,
        at,
        note=f"damage not reviewed within {limit_seconds}s: goods accepted without deduction",
        conflict=WAITING_FOR_DAMAGE_REVIEW,
        updates={
            "damageReview": DamageReview(decision="accept", actor=SYSTEM.id, automatic=True),
            "inspectionDeduction": 0,
            "quote": _requote(ret, context, fee=ret.returnShippingFee, deduction=0),
        },
    )


# ---------------------------------------------------------------------------------------------
# Refund
# ---------------------------------------------------------------------------------------------
def refund_id_of(return_id: str) -> str:
    """The refund's id: the payment provider's idempotency key, the same on every attempt."""
    return f"RF-{return_id}"


def record_refund(ret: Return, context: QuoteContext, at: str) -> ReturnChange:
    """Quote what was accepted against the ledger and note the refund as pending (before paying)."""
    if ret.pendingRefund is not None:
        raise NotAllowed("the refund is recorded already")
    quote = _requote(ret, context, fee=ret.returnShippingFee, deduction=ret.inspectionDeduction)
    pending = PendingRefund(
        refundId=refund_id_of(ret.returnId),
        refundAmount=quote.refundAmount,
        payments=list(quote.payments),
        settlement=quote.settlement,
    )
    return _move(
        ret,
        A.RECORD_REFUND,
        SYSTEM,
        at,
        note="",
        conflict="the return is not being refunded",
        updates={"pendingRefund": pending, "quote": quote},
        record=False,
    )


def mark_refunded(ret: Return, at: str) -> ReturnChange:
    """The provider paid the pending refund: REFUNDED, ``Refund Issued`` and the return closed."""
    pending = ret.pendingRefund
    if pending is None:
        raise NotAllowed("no refund is recorded for this return")
    refund = Refund(**pending.model_dump(), paidAt=at)
    return _move(
        ret,
        A.MARK_REFUNDED,
        SYSTEM,
        at,
        note=f"refunded {pending.refundAmount} {ret.currency} ({pending.refundId})",
        conflict="the return is not being refunded",
        updates={"refund": refund, "pendingRefund": None},
        events=[
            (
                ev.REFUND_ISSUED,
                {
                    "refundId": refund.refundId,
                    "refundAmount": refund.refundAmount,
                    "currency": ret.currency,
                    "payments": [p.model_dump() for p in refund.payments],
                    # a POP refund's split (contract section 8); null on B2C
                    "settlement": None if refund.settlement is None else refund.settlement.model_dump(),
                    "paidAt": at,
                    # what analytics splits the refund over (contract section 9)
                    "lines": [line.model_dump() for line in ret.quote.lines] if ret.quote else [],
                },
            )
        ],
    )


def fail_refund(ret: Return, cause: str, at: str) -> ReturnChange:
    """The refund kept failing: REFUND_FAILED until CS retries it."""
    return _move(
        ret,
        A.FAIL_REFUND,
        SYSTEM,
        at,
        note=f"refund failed: {cause}",
        conflict="the return is not being refunded",
        updates={"refundError": cause},
    )


def retry_refund(ret: Return, actor: Actor, at: str) -> ReturnChange:
    """CS tries a failed refund again."""
    return _move(
        ret, A.RETRY_REFUND, actor, at, note="refund retried", conflict="only a failed refund can be retried"
    )


# ---------------------------------------------------------------------------------------------
# What the customer must agree to (contract section 5a)
# ---------------------------------------------------------------------------------------------
WAITING_FOR_ANSWER = "nothing is waiting for the customer's answer"
_WHAT = {
    ProposalKind.RETURN_SHIPPING_FEE: "return shipping fee",
    ProposalKind.INSPECTION_DEDUCTION: "inspection deduction",
}


def _proposal_json(proposal: Proposal, currency: str) -> dict[str, Any]:
    """The proposal as the routes and events give it."""
    return {
        "kind": str(proposal.kind),
        "amount": money.format(proposal.amount, currency),
        "note": proposal.note,
        "expiresAt": proposal.expiresAt,
    }


def _propose(
    ret: Return,
    action: ReturnAction,
    actor: Actor,
    kind: ProposalKind,
    amount: int,
    *,
    note: str,
    quote: Quote,
    answer_within: int | None,
    conflict: str,
    at: str,
    updates: Mapping[str, Any] | None = None,
) -> ReturnChange:
    """AWAITING_CUSTOMER with the proposal and the quote it would give; ``Return Proposal Made``
    tells the storefront to ask the customer. ``answer_within`` (seconds) is the caller's setting,
    needed only when something is proposed (CustomerAnswerTimeoutSeconds)."""
    if answer_within is None:
        raise ValueError("a proposal needs the time the customer has to answer (answer_within)")
    proposal = Proposal(
        kind=kind,
        amount=amount,
        note=note,
        expiresAt=answer_deadline(at, answer_within),
        proposedBy=actor.id,
        at=at,
        quoteBefore=ret.quote,
    )
    shown = _proposal_json(proposal, ret.currency)
    return _move(
        ret,
        action,
        actor,
        at,
        note=f"proposed a {_WHAT[kind]} of {shown['amount']} {ret.currency}"
        + (f": {note}" if note else "")
        + f"; waiting for the customer until {proposal.expiresAt}",
        conflict=conflict,
        updates={**(updates or {}), "proposal": proposal, "quote": quote},
        events=[(ev.RETURN_PROPOSAL_MADE, {"proposal": shown, "quote": quote.to_json(), "actor": actor.id})],
    )


def _answered(
    ret: Return, proposal: Proposal, decision: str, actor: Actor, note: str
) -> tuple[str, dict[str, Any]]:
    return (
        ev.RETURN_PROPOSAL_ANSWERED,
        {
            "proposal": _proposal_json(proposal, ret.currency),
            "decision": decision,
            "actor": actor.id,
            "note": note,
        },
    )


def _agreed(ret: Return, proposal: Proposal) -> dict[str, Any]:
    """What an agreed proposal changes: the amount applies and the proposed quote stays."""
    field = (
        "returnShippingFee" if proposal.kind == ProposalKind.RETURN_SHIPPING_FEE else "inspectionDeduction"
    )
    return {field: proposal.amount, "quote": ret.quote}


def answer_proposal(ret: Return, customer: Actor, *, decision: str, note: str, at: str) -> ReturnChange:
    """The customer accepts or declines what CS proposed (only they may: the table's role).

    A fee accepted: AWAITING_RECEIPT with the fee (and ``Return Approved`` for CS's approval);
    declined: back to PENDING_REVIEW. A deduction accepted: REFUNDING with it; declined:
    RETURNED_TO_CUSTOMER. Nothing waiting (or answered already): NotAllowed (409).
    """
    proposal = ret.proposal
    if ret.status != ReturnStatus.AWAITING_CUSTOMER or proposal is None:
        if decision not in ("accept", "decline"):
            raise Invalid("decision must be 'accept' or 'decline'")
        raise NotAllowed(f"{WAITING_FOR_ANSWER} (the return is {ret.status})")
    action = answer_action(proposal.kind, decision)
    what = f"{_WHAT[proposal.kind]} of {money.format(proposal.amount, ret.currency)} {ret.currency}"
    said = f"{decision}ed the {what}" if decision == "accept" else f"declined the {what}"
    emitted = [_answered(ret, proposal, decision, customer, note)]
    updates: dict[str, Any] = {}
    if action in (A.ACCEPT_FEE, A.ACCEPT_DEDUCTION):
        updates = _agreed(ret, proposal)
    if action == A.ACCEPT_FEE:
        updates["review"] = Review(
            decision="approve", actor=proposal.proposedBy, returnShippingPaidBy="customer"
        )
        updates["heldForCs"] = False
        emitted.append(_approved(proposal.proposedBy, "customer", proposal.amount, ret.currency))
    if action == A.DECLINE_FEE:
        said += ": back to CS review"
    return _move(
        ret,
        action,
        customer,
        at,
        note=f"{said}: {note}" if note else said,
        conflict=WAITING_FOR_ANSWER,
        updates=updates,
        events=emitted,
    )


def answer_time_limit(ret: Return, limit_seconds: int, at: str) -> ReturnChange:
    """Nobody answered in time: a fee is not agreed, so the return is CANCELLED (its units
    released in the same change); a deduction applies (the goods are with the merchant)."""
    proposal = ret.proposal
    if ret.status != ReturnStatus.AWAITING_CUSTOMER or proposal is None:
        raise NotAllowed(f"{WAITING_FOR_ANSWER} (the return is {ret.status})")
    action = unanswered_action(proposal.kind)
    what = f"{_WHAT[proposal.kind]} of {money.format(proposal.amount, ret.currency)} {ret.currency}"
    outcome = "the return is cancelled" if action == A.FEE_UNANSWERED else "the deduction applies"
    return _move(
        ret,
        action,
        SYSTEM,
        at,
        note=f"the customer did not answer the {what} within {limit_seconds}s: {outcome}",
        conflict=WAITING_FOR_ANSWER,
        updates=_agreed(ret, proposal) if action == A.ACCEPT_DEDUCTION else {},
        events=[_answered(ret, proposal, "none", SYSTEM, "")],
    )
