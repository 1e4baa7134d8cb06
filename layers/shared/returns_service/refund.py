"""Paying a refund, exactly once, and retrying a refund that failed.

The refund step may run again at any point (Step Functions retries, a repeated invocation). It is
safe because:
1. the refund is quoted against the order's ledger and recorded there (pending) together with the
   return in one transaction conditioned on the ledger's version: racing refunds of one order
   serialise, the loser quotes again with the winner among its previous returns;
2. the refund id is deterministic (``RF-<returnId>``) and is the provider's idempotency key, and a
   recorded refund is never re-quoted, so a retry after a crash pays the same refund again, which
   the provider answers with the first payment;
3. marking it paid is conditioned on the return's revision, so only one run moves it to REFUNDED.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from returns_core import money
from returns_core.lifecycle import Actor, Return, ReturnStatus, Role
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.quoting import QuoteContext
from returns_service import payments, transitions
from returns_service.errors import NotFound
from returns_service.models import ReturnView
from returns_service.store import ledger, orders
from returns_service.store import returns as repository
from returns_service.store.ledger import LedgerEntry
from returns_service.views import to_view

logger = Logger(child=True)

_RECORD_ATTEMPTS = 10


class LedgerContention(RuntimeError):
    """Other refunds of the order kept winning the ledger; the workflow retries the step."""


def _record(ret: Return) -> Return:
    """Quote the accepted units against the ledger and record the refund as pending (once)."""
    order = orders.load(ret.orderId)
    if order is None:
        raise NotFound(f"order {ret.orderId} does not exist")
    for _ in range(_RECORD_ATTEMPTS):
        if ret.pendingRefund is not None or ret.status != ReturnStatus.REFUNDING:
            return ret  # recorded (or paid) by an earlier run
        book = ledger.load(ret.orderId)
        change = decide.record_refund(
            ret, QuoteContext(order.snapshot, book.previous_returns()), transitions.now()
        )
        pending, quote = change.after.pendingRefund, change.after.quote
        if pending is None or quote is None:
            raise RuntimeError("record_refund gave no pending refund")
        entry = LedgerEntry(
            return_id=ret.returnId,
            seq=book.version + 1,
            refund_id=pending.refundId,
            lines=tuple((line.lineId, line.quantity) for line in quote.lines),
            reason=ret.reason,
            fees=money.format(ret.returnShippingFee + ret.inspectionDeduction, ret.currency),
            refunded=pending.refundAmount,
            payments=tuple((p.paymentId, p.amount) for p in pending.payments),
        )
        try:
            repository.record_pending_refund(change, book, entry)
        except repository.Stale:
            logger.info("ledger or return moved on: quoting again", extra={"orderId": ret.orderId})
            ret = transitions.load(ret.returnId)
            continue
        return change.after
    raise LedgerContention(f"order {ret.orderId}: the ledger kept changing; will retry")


def issue_refund(return_id: str) -> Return:
    """Pay the return's refund once; raises PaymentUnavailable / PaymentDeclined for the workflow."""
    ret = transitions.load(return_id)
    if ret.status != ReturnStatus.REFUNDING:
        return ret  # paid already, or moved on: the workflow goes where the status says
    ret = _record(ret)
    pending = ret.pendingRefund
    if pending is None:
        return ret
    if money.parse(pending.refundAmount, ret.currency) > 0:
        payments.provider().refund(
            payments.RefundOrder(
                refund_id=pending.refundId,
                order_id=ret.orderId,
                return_id=return_id,
                currency=ret.currency,
                amount=pending.refundAmount,
                payments=tuple((p.paymentId, p.amount) for p in pending.payments),
            )
        )
    change = decide.mark_refunded(ret, transitions.now())
    try:
        repository.mark_refunded(change)
    except repository.Stale:
        # A concurrent run of this step finished it first (the provider paid once).
        done = transitions.load(return_id)
        if done.status == ReturnStatus.REFUNDED:
            return done
        raise
    transitions.stored(change)
    return change.after


def retry_refund(return_id: str, actor: str) -> ReturnView:
    """CS: try a failed refund again (REFUND_FAILED -> REFUNDING; the workflow pays)."""
    agent = Actor(Role.CS, actor)
    return to_view(
        transitions.apply(return_id, lambda ret: decide.retry_refund(ret, agent, transitions.now()))
    )
