"""Cancellation workflow: the refund step of returns (quoted against the order's refund ledger with
the units as a cancellation, recorded before paying, paid once keyed on the refund id); then
COMPLETED with `Refund Issued` and `Cancellation Completed`."""

from returns_service.cancellations.handlers import step
from returns_service.cancellations.steps.issue_refund import issue_refund

handler = step(lambda event: issue_refund(event.cancellationId))
