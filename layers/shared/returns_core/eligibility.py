"""Whether a return may be asked for: delivered, inside its window, returnable, units left.

One rule for every path that asks (contract section 4): the quote, the creation of a return and
the workflow's eligibility step call :func:`refusal` with the same inputs, so a quote never
promises what creating the return then refuses, and all three say it in the same words. Pure:
the caller passes the moment of the request and the units still free on the order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from returns_core.order import OrderSnapshot
from returns_core.refunds.models import ReturnLine, is_merchant_fault


@dataclass(frozen=True)
class Windows:
    """Days after delivery a return is accepted, by kind of reason."""

    customer_choice_days: int
    merchant_fault_days: int


@dataclass(frozen=True)
class Refusal:
    """Why the return cannot be asked for: a message for people, details for programs."""

    message: str
    details: list[dict[str, Any]] = field(default_factory=list)


def refusal(
    order: OrderSnapshot,
    lines: Sequence[ReturnLine],
    reason: str,
    *,
    requested_at: datetime,
    windows: Windows,
    left: Mapping[str, int],
) -> Refusal | None:
    """The first rule the return breaks, or None: delivered, window, lines and units, returnable.

    ``left`` is, per line, the units no other return holds (the caller's own reservation left
    out); ``requested_at`` is when the customer asked (timezone-aware).
    """
    if order.status != "DELIVERED" or order.deliveredAt is None:
        return Refusal(f"order {order.orderId} has not been delivered (it is {order.status})")
    merchant = is_merchant_fault(reason)
    days = windows.merchant_fault_days if merchant else windows.customer_choice_days
    deadline = order.deliveredAt + timedelta(days=days)
    if requested_at > deadline:
        kind = "merchant-fault" if merchant else "customer-choice"
        return Refusal(
            f"requested after the {days}-day window for {kind} returns"
            f" (delivered {order.deliveredAt.isoformat()}, window ended {deadline.isoformat()})"
        )
    details: list[dict[str, Any]] = []
    for line_id, count in Counter(line.lineId for line in lines).items():
        if count > 1:
            details.append({"lineId": line_id, "problem": "named more than once"})
    for line in lines:
        if order.line_index(line.lineId) is None:
            details.append({"lineId": line.lineId, "problem": "not a line of this order"})
        elif line.quantity > left.get(line.lineId, 0):
            free = max(left.get(line.lineId, 0), 0)
            details.append(
                {"lineId": line.lineId, "problem": f"{line.quantity} asked, {free} left to return"}
            )
    if details:
        return Refusal("the return does not fit the order", details)
    if not merchant:
        ordered_lines = {ordered.lineId: ordered for ordered in order.lines}
        for line in lines:
            ordered = ordered_lines[line.lineId]
            if not ordered.returnable:
                return Refusal(
                    f"line {line.lineId} ({ordered.title or ordered.sku}) cannot be returned for {reason}",
                    [{"lineId": line.lineId, "problem": "not returnable for a customer-choice reason"}],
                )
    return None
