"""Workflow step: the customer did not answer in time; a fee cancels the return (its units
released), a deduction applies (contract section 5a)."""

from returns_service.step_handlers import step
from returns_service.steps.customer_answer_time_limit import customer_answer_time_limit

handler = step(customer_answer_time_limit)
