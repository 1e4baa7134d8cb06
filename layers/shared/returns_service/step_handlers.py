"""The Lambda handler every workflow step shares: Powertools logging and the event's model around
one call of its step (``returns_service.steps``), so each function in functions/ is just what it
calls. Tracing is Lambda's own (``Tracing: Active``, no X-Ray SDK in the layer: docs/ARCHITECTURE.md,
Tracing).

The event is validated by its model directly (``model_validate``), not by Powertools' parser: the
state machine passes a JSON object, for which ``event_parser`` does exactly that through a
``TypeAdapter`` of the model, and its package costs 16 ms CPU at every cold start (about 0.12x of
``import boto3``; docs/ARCHITECTURE.md, Cold starts) and the adapter more on the first invocation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service.step_events import StepEvent, WaitEvent

logger = Logger()

Handler = Callable[[dict[str, Any], LambdaContext], Any]


def step(action: Callable[[str], dict[str, Any]]) -> Handler:
    """A step acting on a return: ``action(returnId)`` gives ``{returnId, next}`` to the Route."""

    @logger.inject_lambda_context(clear_state=True)
    def handler(raw: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        event = StepEvent.model_validate(raw)
        logger.append_keys(returnId=event.returnId)
        return action(event.returnId)

    return handler


def waiting(action: Callable[[str, str], None]) -> Handler:
    """A ``.waitForTaskToken`` step: ``action(returnId, taskToken)`` parks the token on the return."""

    @logger.inject_lambda_context(clear_state=True)
    def handler(raw: dict[str, Any], context: LambdaContext) -> None:
        event = WaitEvent.model_validate(raw)
        logger.append_keys(returnId=event.returnId)
        action(event.returnId, event.taskToken)

    return handler
