"""Workflow step: the POP seller recorded no receipt within its time limit → taken as received
intact, in full, and refunded (REFUNDING; contract section 8)."""

from returns_service import workflow
from returns_service.step_handlers import step

handler = step(workflow.seller_receipt_time_limit)
