"""Cancellation workflow (.waitForTaskToken): the refund failed after its retries → REFUND_FAILED,
until CS asks for retry-refund. Emits ``RefundsFailed`` (alarm on it: finance has to look)."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from returns_service.cancellations.handlers import CancellationWait, waiting
from returns_service.cancellations.steps.await_refund_retry import await_refund_retry


def park(event: CancellationWait) -> None:
    await_refund_retry(event.cancellationId, event.taskToken, event.state.get("error"))
    with single_metric(name="RefundsFailed", unit=MetricUnit.Count, value=1):
        pass  # the returns' metric: one alarm for every refund that needs finance


handler = waiting(park)
