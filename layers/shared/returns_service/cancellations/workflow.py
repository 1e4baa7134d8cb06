"""What the cancellation workflow's steps do (the Lambdas in functions/ are thin wrappers).

Every step gives ``{"cancellationId", "next"}``: ``next`` is the state the stored status sends the
workflow to (``step_for``), so a step that lost a race (an answer just after a time limit fired)
simply goes where the status says. Waits keep their task token on the cancellation (never in an
answer) and a wait that starts after the status moved on completes its own token at once.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from returns_core import money
from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import Cancellation, CancellationStatus, PendingRefund, Wait
from returns_service import refunding, signing, tasks
from returns_service.cancellations import decisions
from returns_service.cancellations.callbacks import path_for
from returns_service.cancellations.quoting import KIND, quote_cancellation
from returns_service.clock import now, timestamp
from returns_service.errors import NotFound
from returns_service.settings import settings
from returns_service.store import cancellations as store
from returns_service.store import ledger, orders, settlements
from returns_service.store.ledger import Ledger

logger = Logger(child=True)

S = CancellationStatus


def begin(cancellation_id: str) -> dict[str, str]:
    """REQUESTED → COMPLETED (unpaid order), AWAITING_FULFILMENT (paid) or AWAITING_INTERCEPTION
    (shipped by the platform), by the order's status when the request came in."""

    def decide(c: Cancellation) -> rules.CancellationChange | None:
        return rules.begin(c, timestamp()) if c.status == S.REQUESTED else None

    _, after = decisions.apply(cancellation_id, decide)
    return decisions.route(after)


def await_answer(cancellation_id: str, token: str, waiting: Wait) -> None:
    """Park the token and hand fulfilment (or delivery) the signed URL to answer on."""
    current = decisions.load(cancellation_id)
    if current.status != waiting.status:
        tasks.complete(token, decisions.route(current), str(waiting))
        return
    url, expires_at = signing.signed_url(path_for(waiting, cancellation_id), now())
    expires = timestamp(expires_at)

    def decide(c: Cancellation) -> rules.CancellationChange | None:
        if c.status != waiting.status:
            return None
        return rules.wait(c, waiting, token, url, expires, timestamp())

    _, after = decisions.apply(cancellation_id, decide)
    if after.task is None or after.task.token != token:
        logger.info("cancellation moved on before the wait", extra={"cancellationId": cancellation_id})
        tasks.complete(token, decisions.route(after), str(waiting))


def time_limit(cancellation_id: str, waiting: Wait) -> dict[str, str]:
    """Fulfilment or delivery did not answer in time: FAILED, its units released (unless the
    answer came in meanwhile: the status says where to go)."""
    seconds = (
        settings.fulfilment_stop_timeout_seconds
        if waiting == Wait.FULFILMENT
        else settings.interception_timeout_seconds
    )

    def decide(c: Cancellation) -> rules.CancellationChange | None:
        if c.status != waiting.status:
            return None
        return rules.time_limit_passed(c, waiting, seconds, timestamp())

    _, after = decisions.apply(cancellation_id, decide)
    return decisions.route(after)


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


def await_refund_retry(cancellation_id: str, token: str, error: dict[str, Any] | None) -> None:
    """The refund kept failing (retries spent): REFUND_FAILED, the token parked for CS's retry."""
    cause = tasks.error_text(error)

    def decide(c: Cancellation) -> rules.CancellationChange | None:
        if c.status == S.REFUNDING:
            return rules.fail_refund(c, cause, token, timestamp())
        if c.status == S.REFUND_FAILED:
            return rules.wait(c, Wait.REFUND_RETRY, token, None, None, timestamp())
        return None

    _, after = decisions.apply(cancellation_id, decide)
    if after.task is None or after.task.token != token:
        tasks.complete(token, decisions.route(after), str(Wait.REFUND_RETRY))


def retry_refund(cancellation_id: str, actor: str) -> Cancellation:
    """CS: try a failed refund again (REFUND_FAILED → REFUNDING; the workflow pays)."""
    try:
        before, after = decisions.apply(cancellation_id, lambda c: rules.retry_refund(c, actor, timestamp()))
    except rules.LifecycleError as refused:
        raise decisions.refusal(refused) from None
    if before.task is not None:
        tasks.complete(before.task.token, decisions.route(after), str(before.task.waitingFor))
    return after
