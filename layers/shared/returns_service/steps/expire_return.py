"""The receipt time limit passed with nothing received: EXPIRED, its units released."""

from __future__ import annotations

from returns_core.lifecycle import Return, Step
from returns_core.lifecycle import decisions as decide
from returns_service import tasks, transitions
from returns_service.settings import settings


def expire(return_id: str) -> dict[str, str]:
    """Expire a return still awaiting its receipt; otherwise only route it."""

    def expire_now(ret: Return) -> decide.ReturnChange | None:
        if tasks.next_step(ret) != Step.AWAIT_RECEIPT:
            return None  # received meanwhile, or a POP parcel registered: the seller's limit runs
        return decide.receipt_time_limit(ret, settings.receipt_timeout_seconds, transitions.now())

    return tasks.route(transitions.apply(return_id, expire_now, timed_out=True))
