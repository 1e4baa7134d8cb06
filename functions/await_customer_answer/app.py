"""Workflow step (.waitForTaskToken): CS proposed a cost (a return-shipping fee or an inspection
deduction); park the token until the customer accepts or declines (contract section 5a)."""

from returns_service.step_handlers import waiting
from returns_service.steps.await_customer_answer import await_customer_answer

handler = waiting(await_customer_answer)
