"""Workflow step (.waitForTaskToken): park the receipt token and publish the signed callback URL
(`Return Awaiting Receipt`) the warehouse posts its receipt to."""

from returns_service.step_handlers import waiting
from returns_service.steps.await_receipt import await_receipt

handler = waiting(await_receipt)
