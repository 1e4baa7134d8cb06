"""Workflow step: the customer did not answer in time; a fee cancels the return (its units
released), a deduction applies (contract section 5a)."""

from returns_service import workflow
from returns_service.step_handlers import step

handler = step(workflow.customer_answer_time_limit)
