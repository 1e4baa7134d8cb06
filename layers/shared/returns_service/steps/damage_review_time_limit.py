"""Nobody reviewed the damage in time: the system accepts the goods without deduction."""

from __future__ import annotations

from returns_core.lifecycle import Return, ReturnStatus
from returns_core.lifecycle import decisions as decide
from returns_service import tasks, transitions
from returns_service.review import quote_context
from returns_service.settings import settings


def damage_review_time_limit(return_id: str) -> dict[str, str]:
    """Accept the goods of a return still pending damage review; otherwise only route it."""

    def accept(ret: Return) -> decide.ReturnChange | None:
        if ret.status != ReturnStatus.PENDING_DAMAGE_REVIEW:
            return None  # CS decided meanwhile
        return decide.damage_review_time_limit(
            ret, settings.damage_review_timeout_seconds, quote_context(ret), transitions.now()
        )

    return tasks.route(transitions.apply(return_id, accept, timed_out=True))
