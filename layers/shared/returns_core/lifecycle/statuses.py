"""The return's statuses (contract section 5), its actions, and THE transition table.

Everything that moves a return goes through ``RETURNS``: the decisions (decisions.py) ask it for
the target of an action, the README diagram is tested against ``RETURNS.moves()``, and the state
machine against ``step_for`` (where the workflow goes for each status) and ``Wait``.
"""

from __future__ import annotations

from enum import StrEnum

from returns_core.lifecycle.machine import Role, TransitionTable, transitions


class ReturnStatus(StrEnum):
    REQUESTED = "REQUESTED"
    PENDING_REVIEW = "PENDING_REVIEW"
    AWAITING_CUSTOMER = "AWAITING_CUSTOMER"  # contract section 5a: CS proposed a cost
    AWAITING_RECEIPT = "AWAITING_RECEIPT"
    PENDING_DAMAGE_REVIEW = "PENDING_DAMAGE_REVIEW"
    REFUNDING = "REFUNDING"
    REFUNDED = "REFUNDED"
    REJECTED = "REJECTED"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    RETURNED_TO_CUSTOMER = "RETURNED_TO_CUSTOMER"
    REFUND_FAILED = "REFUND_FAILED"


class ReturnAction(StrEnum):
    """What can happen to a return. Where one event has several outcomes (a receipt), each
    outcome is its own action: a rule picks the action, the table gives the status."""

    FIND_ELIGIBLE = "find_eligible"
    FIND_INELIGIBLE = "find_ineligible"
    APPROVE = "approve"
    HOLD_FOR_CS = "hold_for_cs"  # review time limit passed, but the quote carries a shortfall
    PROPOSE_FEE = "propose_fee"  # CS approves with the customer paying a return-shipping fee
    REJECT = "reject"
    CANCEL = "cancel"
    RECORD_SHIPMENT = "record_shipment"
    RECEIVE = "receive"
    RECEIVE_DAMAGED = "receive_damaged"
    RECEIVE_NOTHING_ACCEPTABLE = "receive_nothing_acceptable"
    EXPIRE = "expire"
    # POP: the seller recorded no receipt in time after the customer registered the parcel
    TAKE_AS_RECEIVED = "take_as_received"
    ACCEPT_DAMAGED = "accept_damaged"
    DEDUCT = "deduct"  # proposes the deduction: the customer must agree (section 5a)
    REJECT_DAMAGED = "reject_damaged"
    ACCEPT_FEE = "accept_fee"
    DECLINE_FEE = "decline_fee"
    FEE_UNANSWERED = "fee_unanswered"
    ACCEPT_DEDUCTION = "accept_deduction"  # the customer, or the system when nobody answered
    DECLINE_DEDUCTION = "decline_deduction"
    RECORD_REFUND = "record_refund"
    MARK_REFUNDED = "mark_refunded"
    FAIL_REFUND = "fail_refund"
    RETRY_REFUND = "retry_refund"


S = ReturnStatus
A = ReturnAction
R = Role
# The goods are not in yet (AWAITING_CUSTOMER: only on a fee proposal, ``rules.cancel_refusal``).
ON_ITS_WAY = (S.REQUESTED, S.PENDING_REVIEW, S.AWAITING_CUSTOMER, S.AWAITING_RECEIPT)

RETURNS: TransitionTable[ReturnStatus, ReturnAction] = TransitionTable(
    "return",
    initial=S.REQUESTED,
    final=(S.REFUNDED, S.REJECTED, S.CANCELLED, S.EXPIRED, S.RETURNED_TO_CUSTOMER),
    transitions=[
        *transitions(S.REQUESTED, A.FIND_ELIGIBLE, S.PENDING_REVIEW, R.SYSTEM),
        *transitions(S.REQUESTED, A.FIND_INELIGIBLE, S.REJECTED, R.SYSTEM),
        *transitions(S.PENDING_REVIEW, A.APPROVE, S.AWAITING_RECEIPT, R.CS, R.SYSTEM),
        *transitions(S.PENDING_REVIEW, A.HOLD_FOR_CS, None, R.SYSTEM),
        *transitions(S.PENDING_REVIEW, A.PROPOSE_FEE, S.AWAITING_CUSTOMER, R.CS),
        *transitions(S.PENDING_REVIEW, A.REJECT, S.REJECTED, R.CS),
        # Section 5a: what CS proposed waits for the customer; the review wait starts again on a
        # declined fee; a fee nobody answered cancels, a deduction nobody answered applies.
        *transitions(S.AWAITING_CUSTOMER, A.ACCEPT_FEE, S.AWAITING_RECEIPT, R.CUSTOMER),
        *transitions(S.AWAITING_CUSTOMER, A.DECLINE_FEE, S.PENDING_REVIEW, R.CUSTOMER),
        *transitions(S.AWAITING_CUSTOMER, A.FEE_UNANSWERED, S.CANCELLED, R.SYSTEM),
        *transitions(S.AWAITING_CUSTOMER, A.ACCEPT_DEDUCTION, S.REFUNDING, R.CUSTOMER, R.SYSTEM),
        *transitions(S.AWAITING_CUSTOMER, A.DECLINE_DEDUCTION, S.RETURNED_TO_CUSTOMER, R.CUSTOMER),
        *transitions(ON_ITS_WAY, A.CANCEL, S.CANCELLED, R.CUSTOMER),
        *transitions(ON_ITS_WAY, A.RECORD_SHIPMENT, None, R.CUSTOMER),
        *transitions(S.AWAITING_RECEIPT, A.RECEIVE, S.REFUNDING, R.RECEIVER),
        *transitions(S.AWAITING_RECEIPT, A.RECEIVE_DAMAGED, S.PENDING_DAMAGE_REVIEW, R.RECEIVER),
        *transitions(S.AWAITING_RECEIPT, A.RECEIVE_NOTHING_ACCEPTABLE, S.RETURNED_TO_CUSTOMER, R.RECEIVER),
        *transitions(S.AWAITING_RECEIPT, A.EXPIRE, S.EXPIRED, R.SYSTEM),
        # Contract section 8: a seller silent too long after the parcel was registered is taken to
        # have received everything intact (rules.seller_clock_started says when this applies).
        *transitions(S.AWAITING_RECEIPT, A.TAKE_AS_RECEIVED, S.REFUNDING, R.SYSTEM),
        # The damage-review time limit accepts without deduction (nobody waits for ever).
        *transitions(S.PENDING_DAMAGE_REVIEW, A.ACCEPT_DAMAGED, S.REFUNDING, R.CS, R.SYSTEM),
        *transitions(S.PENDING_DAMAGE_REVIEW, A.DEDUCT, S.AWAITING_CUSTOMER, R.CS),
        *transitions(S.PENDING_DAMAGE_REVIEW, A.REJECT_DAMAGED, S.RETURNED_TO_CUSTOMER, R.CS),
        *transitions(S.REFUNDING, A.RECORD_REFUND, None, R.SYSTEM),
        *transitions(S.REFUNDING, A.MARK_REFUNDED, S.REFUNDED, R.SYSTEM),
        *transitions(S.REFUNDING, A.FAIL_REFUND, S.REFUND_FAILED, R.SYSTEM),
        *transitions(S.REFUND_FAILED, A.RETRY_REFUND, S.REFUNDING, R.CS),
    ],
)
FINAL: frozenset[ReturnStatus] = RETURNS.final


class ProposalKind(StrEnum):
    """What CS may ask the customer to agree to (contract section 5a)."""

    RETURN_SHIPPING_FEE = "return_shipping_fee"
    INSPECTION_DEDUCTION = "inspection_deduction"


class Wait(StrEnum):
    """The workflow's waits on a task token, each in one status."""

    REVIEW = "review"
    RECEIPT = "receipt"
    SELLER_RECEIPT = "seller_receipt"  # POP, the parcel registered: the seller's time limit runs
    DAMAGE_REVIEW = "damage_review"
    FEE_ANSWER = "fee_answer"  # the customer's answer to a return-shipping fee
    DEDUCTION_ANSWER = "deduction_answer"  # the customer's answer to an inspection deduction
    REFUND_RETRY = "refund_retry"

    @property
    def status(self) -> ReturnStatus:
        """The status the return is in while the workflow waits here."""
        return _WAITS_IN[self]

    @property
    def then(self) -> Step:
        """Where the workflow goes when the wait ends the usual way (SendTaskSuccess)."""
        return _WAIT_THEN[self]


class Step(StrEnum):
    """The state machine's states a return can be sent to (statemachine/returns.asl.json)."""

    AWAIT_REVIEW = "AwaitReview"
    AWAIT_REVIEW_BY_CS = "AwaitReviewByCs"
    AWAIT_RECEIPT = "AwaitReceipt"
    AWAIT_SELLER_RECEIPT = "AwaitSellerReceipt"
    AWAIT_DAMAGE_REVIEW = "AwaitDamageReview"
    AWAIT_FEE_ANSWER = "AwaitFeeAnswer"
    AWAIT_DEDUCTION_ANSWER = "AwaitDeductionAnswer"
    ISSUE_REFUND = "IssueRefund"
    AWAIT_REFUND_RETRY = "AwaitRefundRetry"
    CLOSED = "Closed"


class TimeLimit(StrEnum):
    """The waits with a time limit, and what the system does when it passes."""

    REVIEW = "review"  # approve automatically (unless the quote carries a shortfall)
    RECEIPT = "receipt"  # expire
    SELLER_RECEIPT = "seller_receipt"  # POP: take the goods as received intact and refund
    DAMAGE_REVIEW = "damage_review"  # accept the goods without deduction
    CUSTOMER_ANSWER = "customer_answer"  # a fee: cancel (units released); a deduction: it applies


_WAITS_IN = {
    Wait.REVIEW: S.PENDING_REVIEW,
    Wait.RECEIPT: S.AWAITING_RECEIPT,
    Wait.SELLER_RECEIPT: S.AWAITING_RECEIPT,
    Wait.DAMAGE_REVIEW: S.PENDING_DAMAGE_REVIEW,
    Wait.FEE_ANSWER: S.AWAITING_CUSTOMER,
    Wait.DEDUCTION_ANSWER: S.AWAITING_CUSTOMER,
    Wait.REFUND_RETRY: S.REFUND_FAILED,
}
_WAIT_THEN = {
    Wait.REVIEW: Step.AWAIT_RECEIPT,
    Wait.RECEIPT: Step.ISSUE_REFUND,
    Wait.SELLER_RECEIPT: Step.ISSUE_REFUND,
    Wait.DAMAGE_REVIEW: Step.ISSUE_REFUND,
    Wait.FEE_ANSWER: Step.AWAIT_RECEIPT,
    Wait.DEDUCTION_ANSWER: Step.ISSUE_REFUND,
    Wait.REFUND_RETRY: Step.ISSUE_REFUND,
}
# A return in AWAITING_CUSTOMER waits for the answer to its proposal's kind.
ANSWER_WAIT = {
    ProposalKind.RETURN_SHIPPING_FEE: Wait.FEE_ANSWER,
    ProposalKind.INSPECTION_DEDUCTION: Wait.DEDUCTION_ANSWER,
}
_ANSWER_STEP = {Wait.FEE_ANSWER: Step.AWAIT_FEE_ANSWER, Wait.DEDUCTION_ANSWER: Step.AWAIT_DEDUCTION_ANSWER}
_STEP_OF = {
    # Eligibility is checked where the review wait starts (one write: eligible and waiting).
    S.REQUESTED: Step.AWAIT_REVIEW,
    S.PENDING_REVIEW: Step.AWAIT_REVIEW,
    S.AWAITING_RECEIPT: Step.AWAIT_RECEIPT,
    S.PENDING_DAMAGE_REVIEW: Step.AWAIT_DAMAGE_REVIEW,
    S.REFUNDING: Step.ISSUE_REFUND,
    S.REFUND_FAILED: Step.AWAIT_REFUND_RETRY,
}


def step_for(
    status: ReturnStatus,
    *,
    held_for_cs: bool = False,
    seller_clock: bool = False,
    proposal: ProposalKind | None = None,
) -> Step:
    """Where the workflow goes for a return in ``status`` (the one place that says it).

    ``seller_clock``: a POP return whose parcel the customer registered waits for the seller
    under the seller's time limit instead of the usual receipt time limit (contract section 8).
    ``proposal``: AWAITING_CUSTOMER waits for the answer to that kind of proposal (section 5a).
    """
    if status in FINAL:
        return Step.CLOSED
    if status == S.PENDING_REVIEW and held_for_cs:
        return Step.AWAIT_REVIEW_BY_CS
    if status == S.AWAITING_RECEIPT and seller_clock:
        return Step.AWAIT_SELLER_RECEIPT
    if status == S.AWAITING_CUSTOMER:
        if proposal is None:
            raise ValueError("a return waiting for the customer has a proposal")
        return _ANSWER_STEP[ANSWER_WAIT[proposal]]
    if status not in _STEP_OF:
        raise ValueError(f"the return workflow has no step for {status}")
    return _STEP_OF[status]
