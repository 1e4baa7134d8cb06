"""Workflow step (.waitForTaskToken): park the receipt token and publish the signed callback URL
(`Return Awaiting Receipt`) the warehouse posts its receipt to."""

from returns_service import workflow
from returns_service.step_handlers import waiting

handler = waiting(workflow.await_receipt)
