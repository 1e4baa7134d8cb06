"""The cancellation's refund: quoted, recorded, paid once, then COMPLETED."""

from __future__ import annotations

from returns_core import money
from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import Cancellation, CancellationStatus, PendingRefund
from returns_service import refunding
from returns_service.cancellations import decisions
from returns_service.cancellations.quoting import KIND, quote_cancellation
from returns_service.clock import timestamp
from returns_service.errors import NotFound
from returns_service.store import cancellations as store
from returns_service.store import ledger, orders, settlements
from returns_service.store.ledger import Ledger

S = CancellationStatus


def issue_refund(cancellation_id: str) -> dict[str, str]:
    """The refund step of returns (``refunding``): quoted against the order's ledger with the
    cancelled units as a cancellation, recorded, paid once, then COMPLETED with ``Refund Issued``
    and ``Cancellation Completed`` (and a POP refund's settlement record, in the same write)."""
    c = decisions.load(cancellation_id)
    if c.status != S.REFUNDING:
        return decisions.route(c)
    c = _record(c)
    pending = c.pendingRefund
    if c.status != S.REFUNDING or pending is None:
        return decisions.route(c)
    refunding.pay(
        order_id=c.orderId, case_id=c.cancellationId, kind=KIND, currency=c.currency, pending=pending
    )
    paid_at = timestamp()

    def decide(current: Cancellation) -> rules.CancellationChange | None:
        if current.status != S.REFUNDING:
            return None  # a concurrent run of this step completed it (the provider paid once)
        return rules.mark_refunded(current, paid_at)

    also = [ledger.mark_paid_update(c.orderId, c.cancellationId, paid_at)]
    if pending.settlement is not None:  # a POP refund: its settlement record (contract section 8)
        record = settlements.SettlementRecord.of(
            pending.settlement,
            order_id=c.orderId,
            refund_id=pending.refundId,
            case_kind="cancellation",
            case_id=c.cancellationId,
            currency=c.currency,
            refund_amount=pending.refundAmount,
            paid_at=paid_at,
        )
        also.append(settlements.put_item(record))
    _, after = decisions.apply(cancellation_id, decide, also=also)
    return decisions.route(after)


def _record(c: Cancellation) -> Cancellation:
    """Quote the cancelled units against the ledger and record the refund as pending (once)."""
    order = orders.load(c.orderId)
    if order is None:
        raise NotFound(f"order {c.orderId} does not exist")
    snapshot = order.snapshot

    def save(current: Cancellation, book: Ledger) -> Cancellation:
        quote = quote_cancellation(snapshot, book, current.lines, current.reason, paid=True)
        pending = PendingRefund(
            refundId=refunding.refund_id_of(current.cancellationId),
            refundAmount=quote.refundAmount,
            payments=quote.payments,
            settlement=quote.settlement,
        )
        change = rules.record_refund(current, pending, quote, timestamp())
        entry = refunding.ledger_entry(
            case_id=current.cancellationId,
            book=book,
            pending=pending,
            lines=quote.lines,
            reason=current.reason,
            fees=money.format(0, current.currency),
            kind=KIND,
        )
        try:
            store.save(change, also=[ledger.record_update(book, entry)])
        except store.StateChanged:
            raise refunding.LedgerMoved from None
        return change.after

    return refunding.record(
        c,
        order_id=c.orderId,
        recorded=lambda x: x.pendingRefund is not None or x.status != S.REFUNDING,
        save=save,
        reload=lambda: decisions.load(c.cancellationId),
    )
