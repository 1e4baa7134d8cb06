"""POP: the seller recorded no receipt within its time limit of the parcel registration."""

from __future__ import annotations

from returns_core.lifecycle import Return, Step
from returns_core.lifecycle import decisions as decide
from returns_service import tasks, transitions
from returns_service.review import quote_context
from returns_service.settings import settings


def seller_receipt_time_limit(return_id: str) -> dict[str, str]:
    """The goods are taken as received intact, in full, and refunded (contract section 8)."""

    def take(ret: Return) -> decide.ReturnChange | None:
        if tasks.next_step(ret) != Step.AWAIT_SELLER_RECEIPT:
            return None  # the seller's receipt came in meanwhile
        return decide.seller_receipt_time_limit(
            ret, settings.seller_receipt_timeout_seconds, quote_context(ret), transitions.now()
        )

    return tasks.route(transitions.apply(return_id, take, timed_out=True))
