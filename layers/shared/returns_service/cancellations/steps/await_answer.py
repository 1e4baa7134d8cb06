"""Fulfilment (or delivery) is asked to stop (or intercept) the units: its answer awaited."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import Cancellation, Wait
from returns_service import signing, tasks
from returns_service.cancellations import decisions
from returns_service.cancellations.callbacks import path_for
from returns_service.cancellations.steps.parking import park
from returns_service.clock import now, timestamp

logger = Logger(child=True)


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

    if not park(cancellation_id, token, waiting, decide):
        logger.info("cancellation moved on before the wait", extra={"cancellationId": cancellation_id})
