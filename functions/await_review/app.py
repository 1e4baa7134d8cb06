"""Workflow step (.waitForTaskToken): park the review token on the return until CS decides.

The review time limit is the state's TimeoutSeconds; when it passes, auto_approve runs."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service import workflow
from returns_service.step_events import WaitEvent

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@event_parser(model=WaitEvent)
def handler(event: WaitEvent, context: LambdaContext) -> None:
    logger.append_keys(returnId=event.returnId)
    workflow.await_review(event.returnId, event.taskToken)
