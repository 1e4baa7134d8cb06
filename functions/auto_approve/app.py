"""Workflow step: the review time limit passed; approve automatically unless the quote carries a
shortfall (then the return waits for CS without a limit)."""

from returns_service import workflow
from returns_service.step_handlers import step

handler = step(workflow.auto_approve)
