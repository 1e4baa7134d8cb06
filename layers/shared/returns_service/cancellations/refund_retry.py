"""CS's retry of a cancellation's failed refund (the workflow pays again)."""

from __future__ import annotations

from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import Cancellation
from returns_service import tasks
from returns_service.cancellations import decisions
from returns_service.clock import timestamp


def retry_refund(cancellation_id: str, actor: str) -> Cancellation:
    """CS: try a failed refund again (REFUND_FAILED → REFUNDING; the workflow pays)."""
    try:
        before, after = decisions.apply(cancellation_id, lambda c: rules.retry_refund(c, actor, timestamp()))
    except rules.LifecycleError as refused:
        raise decisions.refusal(refused) from None
    if before.task is not None:
        tasks.complete(before.task.token, decisions.route(after), str(before.task.waitingFor))
    return after
