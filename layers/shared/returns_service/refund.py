"""Paying a return's refund, exactly once, and retrying a refund that failed.

The refund step of returns and cancellations is ``refunding`` (why it is safe to run again at
any point); this is what a return brings to it: its decisions and its repository's writes.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger

from returns_core import money
from returns_core.lifecycle import Actor, Return, ReturnStatus, Role
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.quoting import QuoteContext
from returns_service import refunding, transitions
from returns_service.errors import NotFound
from returns_service.models import ReturnView
from returns_service.refunding import LedgerContention
from returns_service.store import orders
from returns_service.store import returns as repository
from returns_service.store.ledger import Ledger
from returns_service.views import to_view

logger = Logger(child=True)

__all__ = ["LedgerContention", "issue_refund", "retry_refund"]


def _record(ret: Return) -> Return:
    """Quote the accepted units against the ledger and record the refund as pending (once)."""
    order = orders.load(ret.orderId)
    if order is None:
        raise NotFound(f"order {ret.orderId} does not exist")

    def save(current: Return, book: Ledger) -> Return:
        change = decide.record_refund(
            current, QuoteContext(order.snapshot, book.previous_returns()), transitions.now()
        )
        pending, quote = change.after.pendingRefund, change.after.quote
        if pending is None or quote is None:
            raise RuntimeError("record_refund gave no pending refund")
        entry = refunding.ledger_entry(
            case_id=current.returnId,
            book=book,
            pending=pending,
            lines=quote.lines,
            reason=current.reason,
            fees=money.format(current.returnShippingFee + current.inspectionDeduction, current.currency),
            kind="return",
        )
        try:
            repository.record_pending_refund(change, book, entry)
        except repository.Stale:
            raise refunding.LedgerMoved from None
        return change.after

    return refunding.record(
        ret,
        order_id=ret.orderId,
        recorded=lambda r: r.pendingRefund is not None or r.status != ReturnStatus.REFUNDING,
        save=save,
        reload=lambda: transitions.load(ret.returnId),
    )


def issue_refund(return_id: str) -> Return:
    """Pay the return's refund once; raises PaymentUnavailable / PaymentDeclined for the workflow."""
    ret = transitions.load(return_id)
    if ret.status != ReturnStatus.REFUNDING:
        return ret  # paid already, or moved on: the workflow goes where the status says
    ret = _record(ret)
    pending = ret.pendingRefund
    if pending is None:
        return ret
    refunding.pay(
        order_id=ret.orderId, case_id=return_id, kind="return", currency=ret.currency, pending=pending
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
