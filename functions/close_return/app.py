"""Workflow step: the return ended; release the units not refunded and publish `Return Closed`.

Emits the ``ReturnsClosed`` metric by final status (how returns end is the service's health).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service import workflow
from returns_service.step_events import StepEvent

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=StepEvent)
def handler(event: StepEvent, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(returnId=event.returnId)
    result = workflow.close_return(event.returnId)
    if result.get("closedNow"):
        with single_metric(name="ReturnsClosed", unit=MetricUnit.Count, value=1) as metric:
            metric.add_dimension(name="status", value=str(result["status"]))
    return result
