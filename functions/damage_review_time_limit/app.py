"""Workflow step: nobody reviewed the damaged goods in time; the system accepts them without
deduction, so no customer waits for ever (issue 8 item 17)."""

from returns_service import workflow
from returns_service.step_handlers import step

handler = step(workflow.damage_review_time_limit)
