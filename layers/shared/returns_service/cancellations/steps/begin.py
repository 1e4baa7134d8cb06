"""The cancellation workflow's first step."""

from __future__ import annotations

from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import Cancellation, CancellationStatus
from returns_service.cancellations import decisions
from returns_service.clock import timestamp


def begin(cancellation_id: str) -> dict[str, str]:
    """REQUESTED → COMPLETED (unpaid order), AWAITING_FULFILMENT (paid) or AWAITING_INTERCEPTION
    (shipped by the platform), by the order's status when the request came in."""

    def decide(c: Cancellation) -> rules.CancellationChange | None:
        return rules.begin(c, timestamp()) if c.status == CancellationStatus.REQUESTED else None

    _, after = decisions.apply(cancellation_id, decide)
    return decisions.route(after)
