"""The business rules of a return, as pure functions: no storage, no clock (``at`` is given).

Eligibility (delivered, window, returnable, units left), what a receipt means, auto-approval,
damage decisions. Decisions (decisions.py) apply them and ask the transition table where to go.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from returns_core.lifecycle.machine import Invalid
from returns_core.lifecycle.model import ReceivedLine, Return
from returns_core.lifecycle.statuses import ProposalKind, ReturnAction, ReturnStatus, Step, step_for
from returns_core.order import OrderSnapshot
from returns_core.refunds.models import ReturnLine, is_merchant_fault

DELIVERED = "DELIVERED"  # the order status (contract section 1) a return needs


@dataclass(frozen=True)
class Windows:
    """Days after delivery a return is accepted (template parameters)."""

    customer_choice_days: int
    merchant_fault_days: int

    def days_for(self, reason: str) -> int:
        return self.merchant_fault_days if is_merchant_fault(reason) else self.customer_choice_days


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def left(order: OrderSnapshot, reserved: Mapping[str, int], line_id: str) -> int:
    """Units of a line no return holds yet (0 for a line the order does not have)."""
    index = order.line_index(line_id)
    if index is None:
        return 0
    return order.lines[index].quantity - reserved.get(line_id, 0)


def undelivered(order: OrderSnapshot) -> str | None:
    """Why nothing of the order can go back yet (None once it is delivered)."""
    if order.status != DELIVERED or order.deliveredAt is None:
        return f"order {order.orderId} has not been delivered (it is {order.status})"
    return None


def line_problems(
    order: OrderSnapshot, reserved: Mapping[str, int], lines: Sequence[ReturnLine]
) -> list[dict[str, object]]:
    """Unknown lines, a line named twice, more units than are left: one detail each."""
    details: list[dict[str, object]] = []
    for line_id, count in Counter(line.lineId for line in lines).items():
        if count > 1:
            details.append({"lineId": line_id, "problem": "named more than once"})
    for line in lines:
        if order.line_index(line.lineId) is None:
            details.append({"lineId": line.lineId, "problem": "not a line of this order"})
        elif line.quantity > left(order, reserved, line.lineId):
            available = max(left(order, reserved, line.lineId), 0)
            details.append(
                {"lineId": line.lineId, "problem": f"{line.quantity} asked, {available} left to return"}
            )
    return details


def outside_window(order: OrderSnapshot, reason: str, windows: Windows, requested_at: datetime) -> str | None:
    """Why a return asked for at ``requested_at`` is too late for its kind of reason (None if not)."""
    if order.deliveredAt is None:
        return None
    days = windows.days_for(reason)
    deadline = order.deliveredAt + timedelta(days=days)
    if requested_at <= deadline:
        return None
    kind = "merchant-fault" if is_merchant_fault(reason) else "customer-choice"
    return (
        f"requested after the {days}-day window for {kind} returns"
        f" (delivered {order.deliveredAt.isoformat()}, window ended {deadline.isoformat()})"
    )


def not_returnable(order: OrderSnapshot, lines: Sequence[ReturnLine], reason: str) -> str | None:
    """The first line that cannot go back for this reason (not `returnable`, customer choice)."""
    if is_merchant_fault(reason):
        return None
    for line in lines:
        index = order.line_index(line.lineId)
        if index is not None and not order.lines[index].returnable:
            ordered = order.lines[index]
            return f"line {line.lineId} ({ordered.title or ordered.sku}) cannot be returned for {reason}"
    return None


@dataclass(frozen=True)
class RequestRefusal:
    """Why a return cannot be asked for: a message for people, details (lines) for programs."""

    message: str
    details: list[dict[str, object]] = field(default_factory=list)


def request_refusal(
    order: OrderSnapshot,
    reserved: Mapping[str, int],
    lines: Sequence[ReturnLine],
    reason: str,
    *,
    windows: Windows,
    requested_at: datetime,
) -> RequestRefusal | None:
    """The one check of a return as the customer asks for it: delivered, inside its window,
    lines and units left, returnable (None when it may be asked for).

    The quote and the creation both call it, so a quote never promises what creating the
    return then refuses, and both refuse in the same words (contract section 4).
    """
    why = undelivered(order) or outside_window(order, reason, windows, requested_at)
    if why is not None:
        return RequestRefusal(why)
    details = line_problems(order, reserved, lines)
    if details:
        return RequestRefusal("the return does not fit the order", details)
    why = not_returnable(order, lines, reason)
    return None if why is None else RequestRefusal(why)


def ineligibility(
    ret: Return, order: OrderSnapshot | None, reserved: Mapping[str, int], windows: Windows
) -> str | None:
    """Why the return cannot go ahead (None when it can): delivered, window, returnable, units.

    The window counts from delivery to the moment the return was requested (``createdAt``), so a
    workflow that runs late never rejects a return that was asked for in time.
    """
    if order is None:
        return f"order {ret.orderId} is unknown"
    if order.status != DELIVERED or order.deliveredAt is None:
        return f"the order is not delivered (it is {order.status})"
    late = outside_window(order, ret.reason, windows, parse_time(ret.createdAt))
    if late is not None:
        return late
    for line in ret.lines:
        index = order.line_index(line.lineId)
        if index is None:
            return f"line {line.lineId} is not a line of the order"
        ordered = order.lines[index]
        if not is_merchant_fault(ret.reason) and not ordered.returnable:
            return not_returnable(order, [line], ret.reason)
        if reserved.get(line.lineId, 0) > ordered.quantity:
            return f"line {line.lineId}: more units are being returned than were ordered"
    return None


@dataclass(frozen=True)
class ReceiptOutcome:
    """What a receipt means: the action it takes and the units it accepts."""

    action: ReturnAction
    accepted: dict[str, int]
    damaged: int
    wrong: int
    summary: str


def receipt_outcome(ret: Return, lines: Sequence[ReceivedLine]) -> ReceiptOutcome:
    """Intact and damaged units are accepted; wrong items and units not received are not.

    Damaged units on a customer-choice return wait for CS; nothing acceptable goes back to the
    customer. Raises Invalid for lines not in the return, more units than it asked, no units.
    """
    asked = ret.asked
    tally: dict[str, Counter[str]] = {}
    details: list[dict[str, object]] = []
    for line in lines:
        if line.lineId not in asked:
            details.append({"lineId": line.lineId, "problem": "not a line of this return"})
            continue
        tally.setdefault(line.lineId, Counter())[line.condition] += line.quantity
    for line_id, counts in tally.items():
        if counts.total() > asked[line_id]:
            details.append(
                {"lineId": line_id, "problem": f"{counts.total()} received, {asked[line_id]} returned"}
            )
    if details:
        raise Invalid("the receipt does not match the return", details)
    if not any(counts.total() for counts in tally.values()):
        raise Invalid("the receipt names no units")
    accepted = {line_id: c["intact"] + c["damaged"] for line_id, c in tally.items()}
    damaged = sum(c["damaged"] for c in tally.values())
    wrong = sum(c["wrong_item"] for c in tally.values())
    if not any(accepted.values()):
        action, summary = (
            ReturnAction.RECEIVE_NOTHING_ACCEPTABLE,
            "nothing acceptable received: sent back to the customer",
        )
    elif damaged and not is_merchant_fault(ret.reason):
        action, summary = ReturnAction.RECEIVE_DAMAGED, f"{damaged} damaged unit(s) received: waiting for CS"
    else:
        action, summary = ReturnAction.RECEIVE, "received"
    if wrong:
        summary += f"; {wrong} wrong item(s) not accepted"
    return ReceiptOutcome(
        action=action,
        accepted={k: v for k, v in accepted.items() if v > 0},
        damaged=damaged,
        wrong=wrong,
        summary=summary,
    )


def auto_approval(ret: Return) -> ReturnAction:
    """When nobody reviewed in time: approve, unless the quote carries a shortfall (CS must look)."""
    if ret.quote is None or ret.quote.carries_shortfall:
        return ReturnAction.HOLD_FOR_CS
    return ReturnAction.APPROVE


def review_action(decision: str, paid_by: str, fee: int) -> ReturnAction:
    """A CS review: a fee is the customer's only (the merchant never charges itself), and CS
    cannot put it on the customer alone: an approval with a fee is a proposal (section 5a)."""
    if fee < 0:
        raise Invalid("returnShippingFee cannot be negative")
    if fee and paid_by != "customer":
        raise Invalid("a return shipping fee goes with returnShippingPaidBy 'customer' only")
    if decision == "approve":
        return ReturnAction.PROPOSE_FEE if fee else ReturnAction.APPROVE
    if decision == "reject":
        return ReturnAction.REJECT
    raise Invalid("decision must be 'approve' or 'reject'")


def damage_action(decision: str, deduction: int) -> ReturnAction:
    """A damage review: a deduction goes with ``deduct`` only, and ``deduct`` needs one."""
    if decision == "deduct":
        if deduction <= 0:
            raise Invalid("a 'deduct' decision needs an inspectionDeduction above zero")
        return ReturnAction.DEDUCT
    if deduction:
        raise Invalid("an inspectionDeduction goes with the 'deduct' decision only")
    if decision == "accept":
        return ReturnAction.ACCEPT_DAMAGED
    if decision == "reject":
        return ReturnAction.REJECT_DAMAGED
    raise Invalid("decision must be 'accept', 'deduct' or 'reject'")


def seller_clock_started(ret: Return) -> bool:
    """On a POP order the customer's parcel registration starts the seller's receipt time limit,
    which then replaces the usual one (contract section 8); without a parcel the usual one runs."""
    return ret.receiver == "seller" and ret.shipment is not None


def next_step(ret: Return) -> Step:
    """Where the workflow goes for this return now (its status, and what waits within it).

    The seller's wait needs the signed URL out first: a POP parcel registered before approval
    still goes through the usual receipt step, which hands the URL over and moves on."""
    return step_for(
        ret.status,
        held_for_cs=ret.heldForCs,
        seller_clock=seller_clock_started(ret) and ret.callback is not None,
        proposal=None if ret.proposal is None else ret.proposal.kind,
    )


# ---------------------------------------------------------------------------------------------
# What the customer must agree to (contract section 5a)
# ---------------------------------------------------------------------------------------------
_ANSWERS = {
    (ProposalKind.RETURN_SHIPPING_FEE, "accept"): ReturnAction.ACCEPT_FEE,
    (ProposalKind.RETURN_SHIPPING_FEE, "decline"): ReturnAction.DECLINE_FEE,
    (ProposalKind.INSPECTION_DEDUCTION, "accept"): ReturnAction.ACCEPT_DEDUCTION,
    (ProposalKind.INSPECTION_DEDUCTION, "decline"): ReturnAction.DECLINE_DEDUCTION,
}
_UNANSWERED = {
    # A fee nobody agreed to: the goods never left, so the return is cancelled.
    ProposalKind.RETURN_SHIPPING_FEE: ReturnAction.FEE_UNANSWERED,
    # A deduction nobody answered applies: the goods are already with the merchant.
    ProposalKind.INSPECTION_DEDUCTION: ReturnAction.ACCEPT_DEDUCTION,
}


def answer_action(kind: ProposalKind, decision: str) -> ReturnAction:
    """The customer's ``accept`` / ``decline`` of a proposal of ``kind``."""
    action = _ANSWERS.get((kind, decision))
    if action is None:
        raise Invalid("decision must be 'accept' or 'decline'")
    return action


def unanswered_action(kind: ProposalKind) -> ReturnAction:
    """What the answer time limit does with a proposal of ``kind``."""
    return _UNANSWERED[kind]


def answer_deadline(at: str, within_seconds: int) -> str:
    """``at`` plus the time the customer has to answer, in the same RFC 3339 form."""
    if within_seconds <= 0:
        raise Invalid("the customer's answer time limit must be above zero")
    deadline = parse_time(at) + timedelta(seconds=within_seconds)
    return deadline.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def goods_in(ret: Return) -> str | None:
    """Why the customer can no longer cancel or ship: the goods are in (None while on their way).

    A return waits for the customer on a fee before the goods leave and on a deduction after they
    arrived, so the status alone does not say it (the table lets both through AWAITING_CUSTOMER).
    """
    proposal = ret.proposal
    if ret.status == ReturnStatus.AWAITING_CUSTOMER and (
        proposal is None or proposal.kind == ProposalKind.INSPECTION_DEDUCTION
    ):
        return "the goods have been received"
    return None
