"""The refund step, for whatever is refunded (a return or a cancellation): quoted against the
order's refund ledger, recorded there before paying, paid exactly once.

It may run again at any point (Step Functions retries, a repeated invocation). It is safe because:
1. the refund is quoted against the order's ledger and recorded there (pending) together with the
   case's own change, in one transaction conditioned on the ledger's version: racing refunds of one
   order serialise, the loser quotes again with the winner among its previous returns, so returns
   and cancellations of an order add up as one after the other (``record``);
2. the refund id is deterministic (``RF-<case id>``) and is the provider's idempotency key, and a
   recorded refund is never re-quoted, so a retry after a crash pays the same refund again, which
   the provider answers with the first payment (``pay``);
3. marking it paid (``ledger.mark_paid_update`` with the case's change) is conditioned on the
   case's revision, so only one run completes it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from aws_lambda_powertools import Logger

from returns_core import money
from returns_core.lifecycle.model import PendingRefund
from returns_core.refunds.models import QuoteLine, ReturnLine
from returns_service import payments
from returns_service.store import ledger
from returns_service.store.ledger import Ledger, LedgerEntry

logger = Logger(child=True)

RECORD_ATTEMPTS = 10
Case = TypeVar("Case")


class LedgerContention(RuntimeError):
    """Other refunds of the order kept winning the ledger; the workflow retries the step."""


class LedgerMoved(Exception):
    """The ledger (or the case) changed since it was read: read both again and quote again."""


def refund_id_of(case_id: str) -> str:
    """The refund's id, and the payment provider's idempotency key."""
    return f"RF-{case_id}"


def record(
    case: Case,
    *,
    order_id: str,
    recorded: Callable[[Case], bool],
    save: Callable[[Case, Ledger], Case],
    reload: Callable[[], Case],
) -> Case:
    """Record the case's refund on the order's ledger (pending), once.

    ``save(case, ledger)`` decides (the quote against ``ledger``), and stores the ledger entry
    with the case's change in one transaction, raising LedgerMoved when either moved on; nothing
    happens once ``recorded(case)`` (an earlier run recorded it, or the case moved on).
    LedgerContention after too many lost races.
    """
    for _ in range(RECORD_ATTEMPTS):
        if recorded(case):
            return case
        try:
            return save(case, ledger.load(order_id))
        except LedgerMoved:
            logger.info("ledger or case moved on: quoting again", extra={"orderId": order_id})
            case = reload()
    raise LedgerContention(f"order {order_id}: the ledger kept changing; will retry")


def ledger_entry(
    *,
    case_id: str,
    book: Ledger,
    pending: PendingRefund,
    lines: Sequence[ReturnLine | QuoteLine],
    reason: str,
    fees: str,
    kind: str,
) -> LedgerEntry:
    """The ledger's entry of a refund quoted against ``book`` (the next in its sequence)."""
    return LedgerEntry(
        return_id=case_id,
        seq=book.version + 1,
        refund_id=pending.refundId,
        lines=tuple((line.lineId, line.quantity) for line in lines),
        reason=reason,
        fees=fees,
        refunded=pending.refundAmount,
        payments=tuple((p.paymentId, p.amount) for p in pending.payments),
        kind=kind,
    )


def pay(*, order_id: str, case_id: str, kind: str, currency: str, pending: PendingRefund) -> None:
    """Pay a recorded refund through the provider, keyed on its refund id (a zero refund is
    recorded, never sent). Raises PaymentUnavailable / PaymentDeclined for the workflow."""
    if money.parse(pending.refundAmount, currency) <= 0:
        return
    payments.provider().refund(
        payments.RefundOrder(
            refund_id=pending.refundId,
            order_id=order_id,
            return_id=case_id,
            currency=currency,
            amount=pending.refundAmount,
            payments=tuple((p.paymentId, p.amount) for p in pending.payments),
            kind=kind,
        )
    )
