"""The workflow's first step: eligibility decided and the review token kept in the same write."""

from __future__ import annotations

from returns_core.lifecycle import Return, ReturnStatus, Wait
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.rules import Windows
from returns_service.settings import settings
from returns_service.steps.parking import park
from returns_service.store import ledger, orders


def await_review(return_id: str, token: str) -> None:
    """A REQUESTED return's eligibility (delivered, window, returnable, units left) decided, and,
    when eligible, the review token kept in the same write; CS decides then (or the review time
    limit passes). Not eligible: REJECTED and closed, the token rerouted."""

    def review(ret: Return, at: str) -> decide.ReturnChange | None:
        if ret.status != ReturnStatus.REQUESTED:
            return decide.park(ret, Wait.REVIEW, token, at)
        order = orders.load(ret.orderId)
        checked = decide.check_eligibility(
            ret,
            None if order is None else order.snapshot,
            {} if order is None else order.reserved,
            ledger.load(ret.orderId).previous_returns(excluding=ret.returnId),
            Windows(settings.customer_choice_window_days, settings.merchant_fault_window_days),
            at,
        )
        parked = decide.park(checked.after, Wait.REVIEW, token, at)
        return checked if parked is None else decide.chain(checked, parked)  # not eligible: closed

    park(return_id, Wait.REVIEW, token, review)
