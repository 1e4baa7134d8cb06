"""The review time limit passed: approve, unless the quote carries a shortfall (CS must look)."""

from __future__ import annotations

from returns_core.lifecycle import Return, ReturnStatus
from returns_core.lifecycle import decisions as decide
from returns_service import tasks, transitions
from returns_service.settings import settings


def auto_approve(return_id: str) -> dict[str, str]:
    """Approve a return still pending review and not held for CS; otherwise only route it."""

    def approve(ret: Return) -> decide.ReturnChange | None:
        if ret.status != ReturnStatus.PENDING_REVIEW or ret.heldForCs:
            return None  # decided meanwhile
        return decide.review_time_limit(ret, settings.review_timeout_seconds, transitions.now())

    return tasks.route(transitions.apply(return_id, approve, timed_out=True))
