"""Workflow step (.waitForTaskToken): the refund failed after its retries → REFUND_FAILED, until CS
asks for retry-refund. Emits ``RefundsFailed`` (namespace Returns, dimension service): the
template's RefundsFailedAlarm mails AlarmTopic, since finance has to look."""

from __future__ import annotations

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service import workflow
from returns_service.step_events import WaitEvent

logger = Logger()


@logger.inject_lambda_context(clear_state=True)
@event_parser(model=WaitEvent)
def handler(event: WaitEvent, context: LambdaContext) -> None:
    logger.append_keys(returnId=event.returnId)
    workflow.await_refund_retry(event.returnId, event.taskToken, event.state.get("error"))
    with single_metric(name="RefundsFailed", unit=MetricUnit.Count, value=1):
        pass  # one metric, flushed at once (no state shared between invocations)
