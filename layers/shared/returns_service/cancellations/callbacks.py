"""Fulfilment's and delivery's answers, on the signed URLs the workflow handed them.

The URL is the credential: HMAC-SHA256 over the method, the path (which cancellation, which
answer) and the expiry. An answer decides (the rules), takes the task token the workflow parked
(used once: a second answer finds the cancellation moved on, 409) and completes it.
"""

from __future__ import annotations

from urllib.parse import quote

from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import Cancellation, LifecycleError, Wait
from returns_service import signing, tasks
from returns_service.cancellations import decisions
from returns_service.cancellations.views import CancellationView, view_of
from returns_service.clock import now, timestamp


def fulfilment_path(cancellation_id: str) -> str:
    return f"/fulfilment/cancellations/{quote(cancellation_id, safe='')}/outcome"


def interception_path(cancellation_id: str) -> str:
    return f"/delivery/cancellations/{quote(cancellation_id, safe='')}/interception"


def path_for(waiting: Wait, cancellation_id: str) -> str:
    return (
        fulfilment_path(cancellation_id) if waiting == Wait.FULFILMENT else interception_path(cancellation_id)
    )


def verify(path: str, expires: str, signature: str) -> None:
    """Forbidden unless this service signed ``path`` and the URL has not expired."""
    signing.verify_path(path, expires, signature, now())


def answer(cancellation_id: str, waiting: Wait, outcome: str, note: str) -> CancellationView:
    """Record fulfilment's (``stopped`` / ``shipped``) or delivery's (``intercepted`` /
    ``delivered``) answer; 409 when the cancellation no longer waits for it, 422 for an outcome
    this URL does not take."""

    def decide(c: Cancellation) -> rules.CancellationChange:
        at = timestamp()
        if waiting == Wait.FULFILMENT:
            return rules.answer_fulfilment(c, outcome, note, at)
        return rules.answer_interception(c, outcome, note, at)

    try:
        before, after = decisions.apply(cancellation_id, decide)
    except LifecycleError as error:
        raise decisions.refusal(error) from None
    if before.task is not None:
        tasks.complete(before.task.token, decisions.route(after), str(before.task.waitingFor))
    return view_of(after)
