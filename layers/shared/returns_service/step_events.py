"""What the state machine passes to its step Lambdas (validated with Powertools' parser)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class StepEvent(BaseModel):
    """A step that acts on a return: ``{"returnId": ...}`` (the workflow's state may ride along)."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    returnId: str = Field(min_length=1, max_length=128)


class WaitEvent(StepEvent):
    """A ``.waitForTaskToken`` step: the token to park on the return, and the workflow's state."""

    taskToken: str = Field(min_length=1)
    state: dict[str, Any] = Field(default_factory=dict)


class StepResult(BaseModel):
    """What a step gives back: the return and where the workflow goes next (the Route choice)."""

    model_config = ConfigDict(defer_build=True)

    returnId: str
    next: str
