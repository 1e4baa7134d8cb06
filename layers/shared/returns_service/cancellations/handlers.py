"""The Lambda handler every step of the cancellation workflow shares: Powertools logging and
parsing of what the state machine passes, around one call of its step (``cancellations.steps``). The event
is validated by its model directly, not by Powertools' parser (why: ``returns_service.step_handlers``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from returns_core.lifecycle.cancellation import Wait

logger = Logger()

Handler = Callable[[dict[str, Any], LambdaContext], Any]


class CancellationStep(BaseModel):
    """``{"cancellationId": ...}``; the time-limit step also says which wait ran out."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    cancellationId: str = Field(min_length=1, max_length=128)
    waitingFor: Wait | None = None


class CancellationWait(CancellationStep):
    """A ``.waitForTaskToken`` step: the token to park, what it waits for, the workflow's state."""

    taskToken: str = Field(min_length=1)
    waitingFor: Wait
    state: dict[str, Any] = Field(default_factory=dict)


def step(action: Callable[[CancellationStep], dict[str, Any]]) -> Handler:
    """A step acting on a cancellation: gives ``{cancellationId, next}`` to the Route."""

    @logger.inject_lambda_context(clear_state=True)
    def handler(raw: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        event = CancellationStep.model_validate(raw)
        logger.append_keys(cancellationId=event.cancellationId)
        return action(event)

    return handler


def waiting(action: Callable[[CancellationWait], None]) -> Handler:
    """A ``.waitForTaskToken`` step: parks the token on the cancellation."""

    @logger.inject_lambda_context(clear_state=True)
    def handler(raw: dict[str, Any], context: LambdaContext) -> None:
        event = CancellationWait.model_validate(raw)
        logger.append_keys(cancellationId=event.cancellationId, waitingFor=str(event.waitingFor))
        action(event)

    return handler
