"""Workflow step (.waitForTaskToken): damaged goods came back for a customer-choice reason; park the
token until CS accepts, deducts or rejects."""

from returns_service import workflow
from returns_service.step_handlers import waiting

handler = waiting(workflow.await_damage_review)
