"""Workflow step (.waitForTaskToken): CS proposed a cost (a return-shipping fee or an inspection
deduction); park the token until the customer accepts or declines (contract section 5a)."""

from returns_service import workflow
from returns_service.step_handlers import waiting

handler = waiting(workflow.await_customer_answer)
