"""The Lambda handler every workflow step shares: Powertools logging and parsing around one call
of ``returns_service.workflow``, so each function in functions/ is just what it calls. Tracing is
Lambda's own (``Tracing: Active``, no X-Ray SDK in the layer: docs/ARCHITECTURE.md, Tracing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service.step_events import StepEvent, WaitEvent

logger = Logger()

Handler = Callable[[dict[str, Any], LambdaContext], Any]


def step(action: Callable[[str], dict[str, Any]]) -> Handler:
    """A step acting on a return: ``action(returnId)`` gives ``{returnId, next}`` to the Route."""

    @logger.inject_lambda_context(clear_state=True)
    @event_parser(model=StepEvent)
    def handler(event: StepEvent, context: LambdaContext) -> dict[str, Any]:
        logger.append_keys(returnId=event.returnId)
        return action(event.returnId)

    return handler


def waiting(action: Callable[[str, str], None]) -> Handler:
    """A ``.waitForTaskToken`` step: ``action(returnId, taskToken)`` parks the token on the return."""

    @logger.inject_lambda_context(clear_state=True)
    @event_parser(model=WaitEvent)
    def handler(event: WaitEvent, context: LambdaContext) -> None:
        logger.append_keys(returnId=event.returnId)
        action(event.returnId, event.taskToken)

    return handler
