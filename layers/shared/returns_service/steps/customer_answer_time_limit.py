"""Nobody answered CS's proposal in time."""

from __future__ import annotations

from returns_core.lifecycle import Return, ReturnStatus
from returns_core.lifecycle import decisions as decide
from returns_service import tasks, transitions
from returns_service.settings import settings


def customer_answer_time_limit(return_id: str) -> dict[str, str]:
    """A fee cancels the return (its units released in the same write), a deduction applies
    (refunded with it)."""

    def unanswered(ret: Return) -> decide.ReturnChange | None:
        if ret.status != ReturnStatus.AWAITING_CUSTOMER:
            return None  # answered meanwhile
        return decide.answer_time_limit(ret, settings.customer_answer_timeout_seconds, transitions.now())

    return tasks.route(transitions.apply(return_id, unanswered, timed_out=True))
