"""Workflow step: the POP seller recorded no receipt within its time limit → taken as received
intact, in full, and refunded (REFUNDING; contract section 8)."""

from returns_service.step_handlers import step
from returns_service.steps.take_as_received import seller_receipt_time_limit

handler = step(seller_receipt_time_limit)
