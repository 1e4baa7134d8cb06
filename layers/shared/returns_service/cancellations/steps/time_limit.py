"""Fulfilment or delivery did not answer within its time limit."""

from __future__ import annotations

from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import Cancellation, Wait
from returns_service.cancellations import decisions
from returns_service.clock import timestamp
from returns_service.settings import settings


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
