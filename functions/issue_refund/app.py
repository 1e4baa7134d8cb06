"""Workflow step: quote the units received and accepted, record the refund, pay it once.

Raises PaymentUnavailable (retried with backoff by the state machine) or PaymentDeclined."""

from returns_service.step_handlers import step
from returns_service.steps.issue_refund import issue_refund

handler = step(issue_refund)
