"""Workflow step (.waitForTaskToken): park the review token on the return until CS decides.

The review time limit is the state's TimeoutSeconds; when it passes, auto_approve runs."""

from returns_service.step_handlers import waiting
from returns_service.steps.await_review import await_review

handler = waiting(await_review)
