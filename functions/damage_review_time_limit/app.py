"""Workflow step: nobody reviewed the damaged goods in time; the system accepts them without
deduction, so no customer waits for ever (issue 8 item 17)."""

from returns_service.step_handlers import step
from returns_service.steps.damage_review_time_limit import damage_review_time_limit

handler = step(damage_review_time_limit)
