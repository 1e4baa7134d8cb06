"""Workflow step: nothing was received within the receipt time limit → EXPIRED."""

from returns_service import workflow
from returns_service.step_handlers import step

handler = step(workflow.expire)
