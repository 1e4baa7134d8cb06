"""Cancellation workflow: fulfilment or delivery did not answer within its time limit
(FulfilmentStopTimeoutSeconds, InterceptionTimeoutSeconds): FAILED with why, units released."""

from __future__ import annotations

from typing import Any

from returns_service.cancellations.handlers import CancellationStep, step
from returns_service.cancellations.steps.time_limit import time_limit


def expire(event: CancellationStep) -> dict[str, Any]:
    if event.waitingFor is None:
        raise ValueError("the time-limit step needs waitingFor (fulfilment or interception)")
    return time_limit(event.cancellationId, event.waitingFor)


handler = step(expire)
