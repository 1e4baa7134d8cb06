"""Workflow step (.waitForTaskToken): a POP return whose parcel the customer registered waits for
the seller's receipt under the seller's time limit (contract section 8)."""

from returns_service.step_handlers import waiting
from returns_service.steps.await_seller_receipt import await_seller_receipt

handler = waiting(await_seller_receipt)
