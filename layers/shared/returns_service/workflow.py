"""What the workflow's steps do (the Lambdas in functions/ are thin wrappers around these).

Each step is load -> decide (returns_core.lifecycle) -> save. A step that finds the return moved
on (a cancel, a CS decision after the time limit) changes nothing and sends the workflow where the
stored status says: a time-limit step in its output (``tasks.route``), a waiting step by answering
its own token at once (``Reroute``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from returns_core.lifecycle import Return, ReturnStatus, Step, Wait
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.rules import Windows
from returns_core.lifecycle.statuses import ANSWER_WAIT
from returns_service import clock, refund, signing, tasks, transitions
from returns_service.review import quote_context
from returns_service.settings import settings
from returns_service.store import ledger, orders

WaitDecision = Callable[[Return, str], decide.ReturnChange | None]


def _park(return_id: str, wait: Wait, token: str, decide_wait: WaitDecision | None = None) -> None:
    """Keep ``token`` while the return waits. When what this step stored (or found) does not hold
    the token - the return moved on, or this very step ended it - the token is answered at once
    with where the return goes (``Reroute``); never before the write, never a token it kept."""

    def park(ret: Return) -> decide.ReturnChange | None:
        at = transitions.now()
        return decide_wait(ret, at) if decide_wait is not None else decide.park(ret, wait, token, at)

    stored = transitions.apply(return_id, park)
    if stored.task is None or stored.task.token != token:
        tasks.reroute(token, stored, str(wait))


def await_review(return_id: str, token: str) -> None:
    """The workflow's first step: a REQUESTED return's eligibility (delivered, window, returnable,
    units left) decided, and, when eligible, the review token kept in the same write; CS decides
    then (or the review time limit passes). Not eligible: REJECTED and closed, the token rerouted."""

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

    _park(return_id, Wait.REVIEW, token, review)


def auto_approve(return_id: str) -> dict[str, str]:
    """The review time limit passed: approve, unless the quote carries a shortfall (CS must look)."""

    def approve(ret: Return) -> decide.ReturnChange | None:
        if ret.status != ReturnStatus.PENDING_REVIEW or ret.heldForCs:
            return None  # decided meanwhile
        return decide.review_time_limit(ret, settings.review_timeout_seconds, transitions.now())

    return tasks.route(transitions.apply(return_id, approve, timed_out=True))


def await_receipt(return_id: str, token: str) -> None:
    """Park the receipt token and hand the receiver (a warehouse, or the POP seller) a signed
    callback URL. A POP seller's URL lives longer by the seller's time limit, which may start
    (with the customer's parcel registration) as late as the end of the usual one."""

    def waiting(ret: Return, at: str) -> decide.ReturnChange | None:
        longer = settings.seller_receipt_timeout_seconds if ret.receiver == "seller" else 0
        url, expires_at = signing.callback_url(return_id, clock.parse(at), longer_by=longer)
        return decide.await_receipt(ret, token, url, clock.timestamp(expires_at), at)

    _park(return_id, Wait.RECEIPT, token, waiting)


def await_seller_receipt(return_id: str, token: str) -> None:
    """POP, the parcel registered: park the token under the seller's time limit (contract
    section 8); the seller's receipt (the same signed URL) completes it."""
    _park(return_id, Wait.SELLER_RECEIPT, token, lambda ret, at: decide.await_seller_receipt(ret, token, at))


def expire(return_id: str) -> dict[str, str]:
    """The receipt time limit passed with nothing received: EXPIRED, its units released."""

    def expire_now(ret: Return) -> decide.ReturnChange | None:
        if tasks.next_step(ret) != Step.AWAIT_RECEIPT:
            return None  # received meanwhile, or a POP parcel registered: the seller's limit runs
        return decide.receipt_time_limit(ret, settings.receipt_timeout_seconds, transitions.now())

    return tasks.route(transitions.apply(return_id, expire_now, timed_out=True))


def seller_receipt_time_limit(return_id: str) -> dict[str, str]:
    """POP: the seller recorded no receipt within its time limit of the parcel registration, so
    the goods are taken as received intact, in full, and refunded (contract section 8)."""

    def take(ret: Return) -> decide.ReturnChange | None:
        if tasks.next_step(ret) != Step.AWAIT_SELLER_RECEIPT:
            return None  # the seller's receipt came in meanwhile
        return decide.seller_receipt_time_limit(
            ret, settings.seller_receipt_timeout_seconds, quote_context(ret), transitions.now()
        )

    return tasks.route(transitions.apply(return_id, take, timed_out=True))


def await_damage_review(return_id: str, token: str) -> None:
    """Park the damage-review token; CS accepts, deducts or rejects."""
    _park(return_id, Wait.DAMAGE_REVIEW, token)


def damage_review_time_limit(return_id: str) -> dict[str, str]:
    """Nobody reviewed the damage in time: the system accepts the goods without deduction."""

    def accept(ret: Return) -> decide.ReturnChange | None:
        if ret.status != ReturnStatus.PENDING_DAMAGE_REVIEW:
            return None  # CS decided meanwhile
        return decide.damage_review_time_limit(
            ret, settings.damage_review_timeout_seconds, quote_context(ret), transitions.now()
        )

    return tasks.route(transitions.apply(return_id, accept, timed_out=True))


def await_customer_answer(return_id: str, token: str) -> None:
    """Park the answer token (AwaitFeeAnswer, AwaitDeductionAnswer) on the return waiting for the
    customer; the wait is the one of the proposal stored on it."""

    def waiting(ret: Return, at: str) -> decide.ReturnChange | None:
        if ret.proposal is None:
            return None  # answered (or cancelled) meanwhile: the token is answered at once
        return decide.park(ret, ANSWER_WAIT[ret.proposal.kind], token, at)

    _park(return_id, Wait.FEE_ANSWER, token, waiting)


def customer_answer_time_limit(return_id: str) -> dict[str, str]:
    """Nobody answered in time: a fee cancels the return (its units released in the same write),
    a deduction applies (refunded with it)."""

    def unanswered(ret: Return) -> decide.ReturnChange | None:
        if ret.status != ReturnStatus.AWAITING_CUSTOMER:
            return None  # answered meanwhile
        return decide.answer_time_limit(ret, settings.customer_answer_timeout_seconds, transitions.now())

    return tasks.route(transitions.apply(return_id, unanswered, timed_out=True))


def issue_refund(return_id: str) -> dict[str, str]:
    """REFUNDING -> REFUNDED and closed (the state machine's last step); a failure is the state
    machine's to retry or to catch (AwaitRefundRetry)."""
    return tasks.route(refund.issue_refund(return_id))


def await_refund_retry(return_id: str, token: str, error: dict[str, Any] | None) -> None:
    """The refund failed for good (retries spent): REFUND_FAILED until CS retries it."""
    cause = tasks.error_text(error)

    def failed(ret: Return, at: str) -> decide.ReturnChange | None:
        if ret.status == ReturnStatus.REFUNDING:
            fail = decide.fail_refund(ret, cause, at)
            parked = decide.park(fail.after, Wait.REFUND_RETRY, token, at)
            return fail if parked is None else decide.chain(fail, parked)
        return decide.park(ret, Wait.REFUND_RETRY, token, at)

    _park(return_id, Wait.REFUND_RETRY, token, failed)
