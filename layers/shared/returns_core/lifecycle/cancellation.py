"""Cancelling before delivery (售前取消, contract section 7) as pure rules: no storage, no clock.

What a request may cancel depends on the order's status when it comes in: an unpaid order's
cancellation completes at once; a paid one asks fulfilment to stop the units; a parcel the
platform ships is intercepted by its own delivery; a seller's carrier cannot be stopped and a
delivered order is returned instead (409). Every move is in the table (``CANCELLATIONS``) with
who may take it. A decision gives a ``Change``: the cancellation before (the save is conditioned
on its revision) and after, the events to store with it, and the units it gives back to the order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from returns_core.lifecycle.events import REFUND_ISSUED, Change, DomainEvent, event_id
from returns_core.lifecycle.machine import (
    Actor,
    Invalid,
    LifecycleError,
    NotAllowed,
    NotPermitted,
    Role,
    TransitionTable,
    transitions,
)
from returns_core.lifecycle.model import Callback, PendingRefund, Refund
from returns_core.refunds.models import CancellationReason, Quote, ReturnLine

__all__ = [
    "Callback",
    "CancellationReason",
    "Invalid",
    "LifecycleError",
    "NotAllowed",
    "NotPermitted",
    "PendingRefund",
    "Refund",
    "Role",
]

# ---------------------------------------------------------------------------------------------
# Statuses, actions and THE transition table
# ---------------------------------------------------------------------------------------------


class CancellationStatus(StrEnum):
    REQUESTED = "REQUESTED"
    AWAITING_FULFILMENT = "AWAITING_FULFILMENT"
    AWAITING_INTERCEPTION = "AWAITING_INTERCEPTION"
    REFUNDING = "REFUNDING"
    REFUND_FAILED = "REFUND_FAILED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class CancellationAction(StrEnum):
    """What can happen to a cancellation. Where one answer has several outcomes (fulfilment's
    ``shipped``), each outcome is its own action: a rule picks it, the table gives the status."""

    COMPLETE_UNPAID = "complete_unpaid"
    ASK_FULFILMENT = "ask_fulfilment"
    ASK_DELIVERY = "ask_delivery"
    FAIL_TO_START = "fail_to_start"
    WAIT = "wait"  # the workflow parks its task token (status unchanged)
    STOPPED = "stopped"
    SHIPPED = "shipped"
    SHIPPED_BY_SELLER = "shipped_by_seller"
    FULFILMENT_TIME_LIMIT = "fulfilment_time_limit"
    INTERCEPTED = "intercepted"
    DELIVERED = "delivered"
    INTERCEPTION_TIME_LIMIT = "interception_time_limit"
    RECORD_REFUND = "record_refund"  # the refund is on the order's ledger, not paid yet
    MARK_REFUNDED = "mark_refunded"
    FAIL_REFUND = "fail_refund"
    RETRY_REFUND = "retry_refund"


S = CancellationStatus
A = CancellationAction
R = Role
SYSTEM = Actor.system()
FULFILMENT = Actor(Role.FULFILMENT, "fulfilment")
DELIVERY = Actor(Role.DELIVERY, "delivery")

_WAITING = (S.AWAITING_FULFILMENT, S.AWAITING_INTERCEPTION, S.REFUND_FAILED)
# A FAILED cancellation gives its units back to the order (once delivered they can be returned);
# a COMPLETED one keeps them cancelled.
CANCELLATIONS: TransitionTable[CancellationStatus, CancellationAction] = TransitionTable(
    "cancellation",
    initial=S.REQUESTED,
    final=(S.COMPLETED, S.FAILED),
    transitions=[
        *transitions(S.REQUESTED, A.COMPLETE_UNPAID, S.COMPLETED, R.SYSTEM),
        *transitions(S.REQUESTED, A.ASK_FULFILMENT, S.AWAITING_FULFILMENT, R.SYSTEM),
        *transitions(S.REQUESTED, A.ASK_DELIVERY, S.AWAITING_INTERCEPTION, R.SYSTEM),
        *transitions(S.REQUESTED, A.FAIL_TO_START, S.FAILED, R.SYSTEM),
        *transitions(_WAITING, A.WAIT, None, R.SYSTEM),
        *transitions(S.AWAITING_FULFILMENT, A.STOPPED, S.REFUNDING, R.FULFILMENT),
        *transitions(S.AWAITING_FULFILMENT, A.SHIPPED, S.AWAITING_INTERCEPTION, R.FULFILMENT),
        *transitions(S.AWAITING_FULFILMENT, A.SHIPPED_BY_SELLER, S.FAILED, R.FULFILMENT),
        *transitions(S.AWAITING_FULFILMENT, A.FULFILMENT_TIME_LIMIT, S.FAILED, R.SYSTEM),
        *transitions(S.AWAITING_INTERCEPTION, A.INTERCEPTED, S.REFUNDING, R.DELIVERY),
        *transitions(S.AWAITING_INTERCEPTION, A.DELIVERED, S.FAILED, R.DELIVERY),
        *transitions(S.AWAITING_INTERCEPTION, A.INTERCEPTION_TIME_LIMIT, S.FAILED, R.SYSTEM),
        *transitions(S.REFUNDING, A.RECORD_REFUND, None, R.SYSTEM),
        *transitions(S.REFUNDING, A.MARK_REFUNDED, S.COMPLETED, R.SYSTEM),
        *transitions(S.REFUNDING, A.FAIL_REFUND, S.REFUND_FAILED, R.SYSTEM),
        *transitions(S.REFUND_FAILED, A.RETRY_REFUND, S.REFUNDING, R.CS),
    ],
)
FINAL: frozenset[CancellationStatus] = CANCELLATIONS.final


class Wait(StrEnum):
    """The workflow's waits on a task token, each in one status."""

    FULFILMENT = "fulfilment"
    INTERCEPTION = "interception"
    REFUND_RETRY = "refund_retry"

    @property
    def status(self) -> CancellationStatus:
        return _WAITS_IN[self]


_WAITS_IN = {
    Wait.FULFILMENT: S.AWAITING_FULFILMENT,
    Wait.INTERCEPTION: S.AWAITING_INTERCEPTION,
    Wait.REFUND_RETRY: S.REFUND_FAILED,
}


class Step(StrEnum):
    """The states of statemachine/cancellation.asl.json a cancellation can be sent to."""

    BEGIN = "Begin"
    AWAIT_FULFILMENT = "AwaitFulfilment"
    AWAIT_INTERCEPTION = "AwaitInterception"
    ISSUE_REFUND = "IssueRefund"
    AWAIT_REFUND_RETRY = "AwaitRefundRetry"
    DONE = "Done"


_STEP_OF = {
    S.REQUESTED: Step.BEGIN,
    S.AWAITING_FULFILMENT: Step.AWAIT_FULFILMENT,
    S.AWAITING_INTERCEPTION: Step.AWAIT_INTERCEPTION,
    S.REFUNDING: Step.ISSUE_REFUND,
    S.REFUND_FAILED: Step.AWAIT_REFUND_RETRY,
    S.COMPLETED: Step.DONE,
    S.FAILED: Step.DONE,
}


def step_for(status: CancellationStatus) -> Step:
    """Where the workflow goes for a cancellation in ``status`` (the one place that says it)."""
    return _STEP_OF[status]


# ---------------------------------------------------------------------------------------------
# The cancellation as a value (field names are the stored attribute names)
# ---------------------------------------------------------------------------------------------
OrderStatus = Literal["PLACED", "PAID", "SHIPPED", "DELIVERED", "CANCELLED"]
FulfilledBy = Literal["platform", "seller"]
Requester = Literal["customer", "cs"]
CUSTOMER_REASONS: tuple[str, ...] = ("no_longer_needed", "other")
CS_REASONS: tuple[str, ...] = ("out_of_stock",)


class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class HistoryEntry(_Model):
    # Built at import, not deferred: the API's strict pages nest it, and a deferred model built
    # inside a strict one would validate strictly too (tests/api/test_model_builds.py).
    model_config = ConfigDict(defer_build=False)

    at: str
    status: CancellationStatus
    actor: str
    note: str = ""


class GoodsLine(_Model):
    """What the order says a line is: events carry it (analytics groups by it), delivery needs
    the package to intercept."""

    lineId: str
    sku: str = ""
    title: str = ""
    brand: str = ""
    category: str = ""
    packageId: str = ""


class OrderTerms(_Model):
    """The order as it was when the request came in: what decided the cancellation's way."""

    status: OrderStatus
    fulfilledBy: FulfilledBy
    channel: str
    sellerId: str = ""
    lines: list[GoodsLine]

    @property
    def paid(self) -> bool:
        """An unpaid order has nothing to refund (the engine is never asked about one)."""
        return self.status != "PLACED"


class Reservation(_Model):
    """The units held on the order: released when the cancellation fails, kept when it completes."""

    state: Literal["held", "released"]
    lines: dict[str, int]


class WaitingTask(_Model):
    """The workflow's task token while it waits: kept here, never shown, used once."""

    token: str
    waitingFor: Wait
    since: str


class Failure(_Model):
    """Why a cancellation failed: the action that failed it and a sentence for the customer."""

    action: CancellationAction
    why: str


class Cancellation(_Model):
    cancellationId: str
    orderId: str
    customerId: str
    status: CancellationStatus
    lines: list[ReturnLine]
    reason: CancellationReason
    reasonDetail: str = ""
    requestedBy: Requester
    currency: str
    createdAt: str
    updatedAt: str
    history: list[HistoryEntry]
    revision: int = Field(ge=1)
    order: OrderTerms
    reservation: Reservation
    quote: Quote | None = None
    task: WaitingTask | None = None
    callback: Callback | None = None
    pendingRefund: PendingRefund | None = None
    refund: Refund | None = None
    refundError: str | None = None
    failure: Failure | None = None

    @property
    def units(self) -> dict[str, int]:
        return {line.lineId: line.quantity for line in self.lines}

    def goods(self) -> list[dict[str, Any]]:
        """The cancelled lines with what the order says they are."""
        facts = {line.lineId: line for line in self.order.lines}
        result = []
        for line in self.lines:
            fact = facts.get(line.lineId, GoodsLine(lineId=line.lineId))
            result.append(
                {
                    "lineId": line.lineId,
                    "quantity": line.quantity,
                    "sku": fact.sku,
                    "title": fact.title,
                    "brand": fact.brand,
                    "category": fact.category,
                }
            )
        return result


# ---------------------------------------------------------------------------------------------
# Events and changes
# ---------------------------------------------------------------------------------------------
CANCELLATION_REQUESTED = "Cancellation Requested"
INTERCEPTION_REQUESTED = "Interception Requested"
CANCELLATION_COMPLETED = "Cancellation Completed"
CANCELLATION_FAILED = "Cancellation Failed"

CancellationChange = Change["Cancellation"]


def _events(after: Cancellation, at: str, *entries: tuple[str, dict[str, Any]]) -> tuple[DomainEvent, ...]:
    """Events of the change that made ``after``: ids, what every detail holds, then the rest."""
    made = []
    for index, (detail_type, decided) in enumerate(entries):
        detail = {
            "eventId": event_id(after.cancellationId, after.revision, index),
            "occurredAt": at,
            "cancellationId": after.cancellationId,
            "orderId": after.orderId,
            "customerId": after.customerId,
            "status": str(after.status),
            **decided,
        }
        made.append(DomainEvent(detail_type, detail))
    return tuple(made)


# Bookkeeping of the workflow, not a step of the cancellation's story: no history entry.
_UNRECORDED = frozenset({A.WAIT, A.RECORD_REFUND})


def _moved(
    c: Cancellation, action: CancellationAction, actor: Actor, note: str, at: str, **sets: Any
) -> Cancellation:
    """``c`` after ``action`` (asked of the table), with its history entry and one revision more."""
    try:
        status = CANCELLATIONS.target(c.status, action, actor.role)
    except NotAllowed:
        words = str(action.value).replace("_", " ")
        raise NotAllowed(f"{words} is not possible: the cancellation is {c.status}") from None
    history = list(c.history)
    if action not in _UNRECORDED:
        history.append(HistoryEntry(at=at, status=status, actor=actor.id, note=note))
    return c.model_copy(
        update={"status": status, "history": history, "updatedAt": at, "revision": c.revision + 1, **sets}
    )


# ---------------------------------------------------------------------------------------------
# The request: what may be cancelled, and where the cancellation goes first
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderLine:
    lineId: str
    quantity: int


@dataclass(frozen=True)
class Plan:
    """An accepted request: the units to cancel (in the order's line order)."""

    lines: tuple[tuple[str, int], ...]

    def as_lines(self) -> list[ReturnLine]:
        return [ReturnLine(lineId=line_id, quantity=quantity) for line_id, quantity in self.lines]


def plan_request(
    order_id: str,
    terms: OrderTerms,
    ordered: Sequence[OrderLine],
    left: Mapping[str, int],
    lines: Sequence[ReturnLine] | None,
    reason: str,
    by: Requester,
) -> Plan:
    """Check a request (the quote and the create ask the same) and say what it cancels.

    ``left`` is what each line has that no cancellation or return holds; ``lines`` None means
    every unit left. NotAllowed (409) for the order's status or nothing left; Invalid (422) for
    the reason and the lines.
    """
    if terms.status == "DELIVERED":
        raise NotAllowed(f"order {order_id} has been delivered: return the goods instead")
    if terms.status == "CANCELLED":
        raise NotAllowed(f"order {order_id} is cancelled: nothing is left to cancel")
    if terms.status == "SHIPPED" and terms.fulfilledBy == "seller":
        raise NotAllowed(
            f"order {order_id} was shipped by the seller through a third-party carrier, which cannot be"
            " stopped: return the goods after delivery"
        )
    allowed = CUSTOMER_REASONS if by == "customer" else CS_REASONS
    if reason not in allowed:
        who = "a customer" if by == "customer" else "CS"
        raise Invalid(
            f"{reason!r} is not a cancellation reason {who} may give (one of {', '.join(allowed)})",
            [{"field": "reason", "problem": f"one of {', '.join(allowed)}"}],
        )
    position = {line.lineId: i for i, line in enumerate(ordered)}
    if lines is None:
        chosen = tuple((line.lineId, left.get(line.lineId, 0)) for line in ordered)
        chosen = tuple((line_id, q) for line_id, q in chosen if q > 0)
        if not chosen:
            raise NotAllowed(
                f"nothing is left to cancel on order {order_id}: every unit is cancelled or returned"
            )
        return Plan(lines=chosen)
    details: list[dict[str, Any]] = []
    for line_id, count in Counter(line.lineId for line in lines).items():
        if count > 1:
            details.append({"lineId": line_id, "problem": "named more than once"})
    for line in lines:
        available = max(left.get(line.lineId, 0), 0)
        if line.lineId not in position:
            details.append({"lineId": line.lineId, "problem": "not a line of this order"})
        elif line.quantity > available:
            details.append(
                {"lineId": line.lineId, "problem": f"{line.quantity} asked, {available} left to cancel"}
            )
    if details:
        raise Invalid("the cancellation does not fit the order", details)
    ordered_lines = sorted(lines, key=lambda line: position[line.lineId])
    return Plan(lines=tuple((line.lineId, line.quantity) for line in ordered_lines))


def request(
    cancellation_id: str,
    *,
    order_id: str,
    customer_id: str,
    currency: str,
    terms: OrderTerms,
    plan: Plan,
    reason: str,
    reason_detail: str,
    by: Requester,
    actor: str,
    quote: Quote | None,
    at: str,
) -> CancellationChange:
    """A new cancellation (REQUESTED), its units reserved on the order."""
    note = "cancellation requested" if by == "customer" else "cancelled by CS on the customer's behalf"
    # Only the facts of its own lines: the item does not grow with the rest of the order.
    cancelled = {line_id for line_id, _ in plan.lines}
    terms = terms.model_copy(update={"lines": [line for line in terms.lines if line.lineId in cancelled]})
    after = Cancellation(
        cancellationId=cancellation_id,
        orderId=order_id,
        customerId=customer_id,
        status=S.REQUESTED,
        lines=plan.as_lines(),
        reason=reason,
        reasonDetail=reason_detail,
        requestedBy=by,
        currency=currency,
        createdAt=at,
        updatedAt=at,
        history=[HistoryEntry(at=at, status=S.REQUESTED, actor=actor, note=note)],
        revision=1,
        order=terms,
        reservation=Reservation(state="held", lines=dict(plan.lines)),
        quote=quote,
    )
    return Change(before=None, after=after)


# ---------------------------------------------------------------------------------------------
# Decisions
# ---------------------------------------------------------------------------------------------
_FIRST = {"PLACED": A.COMPLETE_UNPAID, "PAID": A.ASK_FULFILMENT, "SHIPPED": A.ASK_DELIVERY}


def begin(c: Cancellation, at: str) -> CancellationChange:
    """The workflow's first step, by the order's status when the request came in: an unpaid order
    is cancelled at once (nothing to refund); otherwise fulfilment or delivery is asked."""
    action = _FIRST.get(c.order.status)
    if action is None:
        raise NotAllowed(f"an order {c.order.status} cannot be cancelled")
    if action == A.COMPLETE_UNPAID:
        after = _moved(c, action, SYSTEM, "the order was not paid: cancelled at once", at)
        return Change(c, after, _events(after, at, _completed(after)))
    note = (
        "fulfilment asked to stop the units" if action == A.ASK_FULFILMENT else "delivery asked to intercept"
    )
    return Change(c, _moved(c, action, SYSTEM, note, at))


def wait(
    c: Cancellation, waiting: Wait, token: str, callback_url: str | None, expires_at: str | None, at: str
) -> CancellationChange:
    """The workflow parks its task token. A wait for fulfilment or delivery hands them the signed
    URL to answer on (``Cancellation Requested`` / ``Interception Requested``)."""
    if c.status != waiting.status:
        raise NotAllowed(f"the cancellation is {c.status}, not waiting for {waiting}")
    sets: dict[str, Any] = {"task": WaitingTask(token=token, waitingFor=waiting, since=at)}
    if expires_at is not None:
        sets["callback"] = Callback(expiresAt=expires_at)
    after = _moved(c, A.WAIT, SYSTEM, "", at, **sets)
    if waiting == Wait.REFUND_RETRY or callback_url is None:
        return Change(c, after)
    detail: dict[str, Any] = {
        "lines": [line.model_dump() for line in c.lines],
        "reason": c.reason,
        "fulfilledBy": c.order.fulfilledBy,
        "callbackUrl": callback_url,
        "expiresAt": expires_at,
    }
    if waiting == Wait.INTERCEPTION:
        wanted = set(c.units)
        detail["packageIds"] = sorted(
            {g.packageId for g in c.order.lines if g.lineId in wanted and g.packageId}
        )
        return Change(c, after, _events(after, at, (INTERCEPTION_REQUESTED, detail)))
    return Change(c, after, _events(after, at, (CANCELLATION_REQUESTED, detail)))


def answer_fulfilment(c: Cancellation, outcome: str, note: str, at: str) -> CancellationChange:
    """Fulfilment's answer: ``stopped`` → refund; ``shipped`` → the platform's delivery is asked
    to intercept the parcel, or, when the seller ships, the cancellation fails."""
    if outcome not in ("stopped", "shipped"):
        raise Invalid("outcome must be 'stopped' or 'shipped'", [{"field": "outcome", "problem": outcome}])
    said = f" ({note})" if note else ""
    if outcome == "stopped":
        return _claimed(c, A.STOPPED, FULFILMENT, f"fulfilment stopped the units{said}", at)
    if c.order.fulfilledBy == "seller":
        why = (
            "the seller's carrier already has the parcel and cannot stop it: return the goods after delivery"
        )
        return _failed(c, A.SHIPPED_BY_SELLER, FULFILMENT, why, said, at)
    return _claimed(c, A.SHIPPED, FULFILMENT, f"already shipped: delivery asked to intercept{said}", at)


def answer_interception(c: Cancellation, outcome: str, note: str, at: str) -> CancellationChange:
    """Delivery's answer: ``intercepted`` → refund; ``delivered`` → the cancellation fails and
    the customer returns the goods instead."""
    if outcome not in ("intercepted", "delivered"):
        raise Invalid(
            "outcome must be 'intercepted' or 'delivered'", [{"field": "outcome", "problem": outcome}]
        )
    said = f" ({note})" if note else ""
    if outcome == "intercepted":
        return _claimed(c, A.INTERCEPTED, DELIVERY, f"delivery intercepted the parcel{said}", at)
    why = "the parcel was delivered before it could be stopped: return the goods instead"
    return _failed(c, A.DELIVERED, DELIVERY, why, said, at)


def time_limit_passed(c: Cancellation, waiting: Wait, seconds: int, at: str) -> CancellationChange:
    """No answer in time: the cancellation fails and its units go back to the order."""
    if waiting == Wait.FULFILMENT:
        why = f"fulfilment did not answer within {seconds}s"
        return _failed(c, A.FULFILMENT_TIME_LIMIT, SYSTEM, why, "", at)
    if waiting == Wait.INTERCEPTION:
        why = f"delivery did not answer within {seconds}s"
        return _failed(c, A.INTERCEPTION_TIME_LIMIT, SYSTEM, why, "", at)
    raise Invalid(f"no time limit on {waiting}")


def fail_to_start(c: Cancellation, at: str) -> CancellationChange:
    """The workflow could not be started: nothing was asked of anyone, the units go back."""
    return _failed(c, A.FAIL_TO_START, SYSTEM, "the cancellation could not be started", "", at)


def record_refund(c: Cancellation, pending: PendingRefund, quote: Quote, at: str) -> CancellationChange:
    """The refund is recorded on the order's ledger (before paying): kept here until paid."""
    after = _moved(c, A.RECORD_REFUND, SYSTEM, "", at, pendingRefund=pending, quote=quote)
    return Change(c, after)


def mark_refunded(c: Cancellation, paid_at: str) -> CancellationChange:
    """The provider paid (or nothing was due): COMPLETED, with ``Refund Issued`` and
    ``Cancellation Completed``. The units stay cancelled."""
    if c.pendingRefund is None:
        raise NotAllowed("no refund is recorded for this cancellation")
    refund = Refund(**c.pendingRefund.model_dump(), paidAt=paid_at)
    note = f"refunded {refund.refundAmount} {c.currency} ({refund.refundId})"
    after = _moved(c, A.MARK_REFUNDED, SYSTEM, note, paid_at, refund=refund, pendingRefund=None)
    issued = {
        "refundId": refund.refundId,
        "refundAmount": refund.refundAmount,
        "currency": c.currency,
        "payments": [p.model_dump() for p in refund.payments],
        "paidAt": paid_at,
        # A POP refund's split between the seller and the platform (section 8); null on B2C.
        "settlement": None
        if c.quote is None or c.quote.settlement is None
        else c.quote.settlement.model_dump(),
    }
    return Change(c, after, _events(after, paid_at, (REFUND_ISSUED, issued), _completed(after)))


def fail_refund(c: Cancellation, cause: str, token: str, at: str) -> CancellationChange:
    """The payment side kept failing (retries spent): REFUND_FAILED, the workflow's token parked
    in the same write, until CS retries it."""
    task = WaitingTask(token=token, waitingFor=Wait.REFUND_RETRY, since=at)
    after = _moved(c, A.FAIL_REFUND, SYSTEM, f"refund failed: {cause}", at, refundError=cause, task=task)
    return Change(c, after)


def retry_refund(c: Cancellation, actor: str, at: str) -> CancellationChange:
    """CS tries a failed refund again: REFUNDING (the workflow pays), the task token taken."""
    return _claimed(c, A.RETRY_REFUND, Actor(Role.CS, actor), "refund retried", at)


def _claimed(
    c: Cancellation, action: CancellationAction, actor: Actor, note: str, at: str
) -> CancellationChange:
    """A decision ending a wait: the task token goes with it (used once)."""
    after = _moved(c, action, actor, note, at, task=None)
    return Change(c, after)


def _failed(
    c: Cancellation, action: CancellationAction, actor: Actor, why: str, said: str, at: str
) -> CancellationChange:
    """FAILED, with why: the units go back to the order (once delivered they can be returned)."""
    after = _moved(
        c,
        action,
        actor,
        why + said,
        at,
        task=None,
        failure=Failure(action=action, why=why),
        reservation=c.reservation.model_copy(update={"state": "released"}),
    )
    released = dict(c.reservation.lines) if c.reservation.state == "held" else {}
    failed = {
        "failure": str(action),
        "why": why,
        "lines": [line.model_dump() for line in c.lines],
        "reason": c.reason,
    }
    return Change(c, after, _events(after, at, (CANCELLATION_FAILED, failed)), released)


def _completed(after: Cancellation) -> tuple[str, dict[str, Any]]:
    """``Cancellation Completed``: everything a consumer (the order system, analytics) needs."""
    return (
        CANCELLATION_COMPLETED,
        {
            "lines": after.goods(),
            "units": sum(after.units.values()),
            "reason": after.reason,
            "channel": after.order.channel,
            "sellerId": after.order.sellerId,
            "orderStatus": after.order.status,
            "refund": None if after.refund is None else after.refund.model_dump(),
            "createdAt": after.createdAt,
        },
    )
