"""CS proposed a cost: the customer's answer awaited (AwaitFeeAnswer, AwaitDeductionAnswer)."""

from __future__ import annotations

from returns_core.lifecycle import Return, Wait
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.statuses import ANSWER_WAIT
from returns_service.steps.parking import park


def await_customer_answer(return_id: str, token: str) -> None:
    """Park the answer token on the return waiting for the customer; the wait is the one of the
    proposal stored on it."""

    def waiting(ret: Return, at: str) -> decide.ReturnChange | None:
        if ret.proposal is None:
            return None  # answered (or cancelled) meanwhile: the token is answered at once
        return decide.park(ret, ANSWER_WAIT[ret.proposal.kind], token, at)

    park(return_id, Wait.FEE_ANSWER, token, waiting)
