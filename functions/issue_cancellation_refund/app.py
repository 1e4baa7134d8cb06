"""Cancellation workflow: the refund step of returns (quoted against the order's refund ledger with
the units as a cancellation, recorded before paying, paid once keyed on the refund id); then
COMPLETED with `Refund Issued` and `Cancellation Completed`."""

from returns_service.cancellations import workflow
from returns_service.cancellations.handlers import step

handler = step(lambda event: workflow.issue_refund(event.cancellationId))
