"""Workflow step: nothing was received within the receipt time limit → EXPIRED."""

from returns_service.step_handlers import step
from returns_service.steps.expire_return import expire

handler = step(expire)
