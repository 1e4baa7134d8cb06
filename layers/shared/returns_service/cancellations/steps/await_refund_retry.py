"""The cancellation's refund kept failing: REFUND_FAILED until CS retries it."""

from __future__ import annotations

from typing import Any

from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import Cancellation, CancellationStatus, Wait
from returns_service import tasks
from returns_service.cancellations.steps.parking import park
from returns_service.clock import timestamp

S = CancellationStatus


def await_refund_retry(cancellation_id: str, token: str, error: dict[str, Any] | None) -> None:
    """The refund kept failing (retries spent): REFUND_FAILED, the token parked for CS's retry."""
    cause = tasks.error_text(error)

    def decide(c: Cancellation) -> rules.CancellationChange | None:
        if c.status == S.REFUNDING:
            return rules.fail_refund(c, cause, token, timestamp())
        if c.status == S.REFUND_FAILED:
            return rules.wait(c, Wait.REFUND_RETRY, token, None, None, timestamp())
        return None

    park(cancellation_id, token, Wait.REFUND_RETRY, decide)
