"""The refund failed for good (retries spent): REFUND_FAILED until CS retries it."""

from __future__ import annotations

from typing import Any

from returns_core.lifecycle import Return, ReturnStatus, Wait
from returns_core.lifecycle import decisions as decide
from returns_service import tasks
from returns_service.steps.parking import park


def await_refund_retry(return_id: str, token: str, error: dict[str, Any] | None) -> None:
    """Record the failure (once) and park the retry token for CS."""
    cause = tasks.error_text(error)

    def failed(ret: Return, at: str) -> decide.ReturnChange | None:
        if ret.status == ReturnStatus.REFUNDING:
            fail = decide.fail_refund(ret, cause, at)
            parked = decide.park(fail.after, Wait.REFUND_RETRY, token, at)
            return fail if parked is None else decide.chain(fail, parked)
        return decide.park(ret, Wait.REFUND_RETRY, token, at)

    park(return_id, Wait.REFUND_RETRY, token, failed)
