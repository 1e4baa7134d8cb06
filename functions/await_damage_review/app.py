"""Workflow step (.waitForTaskToken): damaged goods came back for a customer-choice reason; park the
token until CS accepts, deducts or rejects."""

from returns_service.step_handlers import waiting
from returns_service.steps.await_damage_review import await_damage_review

handler = waiting(await_damage_review)
