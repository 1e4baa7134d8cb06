"""Workflow step: is the return eligible (delivered, in its window, returnable lines, units left)?

Eligible → PENDING_REVIEW with its quote; not → REJECTED with the reason (the close releases)."""

from returns_service import workflow
from returns_service.step_handlers import step

handler = step(workflow.check_eligibility)
