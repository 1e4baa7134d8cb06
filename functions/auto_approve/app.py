"""Workflow step: the review time limit passed; approve automatically unless the quote carries a
shortfall (then the return waits for CS without a limit)."""

from returns_service.step_handlers import step
from returns_service.steps.auto_approve import auto_approve

handler = step(auto_approve)
