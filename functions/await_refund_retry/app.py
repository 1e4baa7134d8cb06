"""Workflow step (.waitForTaskToken): the refund failed after its retries → REFUND_FAILED, until CS
asks for retry-refund. Emits ``RefundsFailed`` (namespace Returns, dimension service): the
template's RefundsFailedAlarm mails AlarmTopic, since finance has to look."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service.step_events import WaitEvent
from returns_service.steps import await_refund_retry as step

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
def handler(raw: dict[str, Any], context: LambdaContext) -> None:
    event = WaitEvent.model_validate(raw)  # not Powertools' parser: returns_service.step_handlers says why
    logger.append_keys(returnId=event.returnId)
    step.await_refund_retry(event.returnId, event.taskToken, event.state.get("error"))
    with single_metric(name="RefundsFailed", unit=MetricUnit.Count, value=1):
        pass  # one metric, flushed at once (no state shared between invocations)
