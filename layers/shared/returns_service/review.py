"""CS operations: the review queue, one return with its order, and the decisions CS takes."""

from __future__ import annotations

from returns_core import money
from returns_core.lifecycle import Actor, ReturnStatus, Role
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.model import Return
from returns_core.lifecycle.quoting import QuoteContext
from returns_core.order import OrderSnapshot
from returns_service import page_tokens, transitions
from returns_service.errors import BadRequest, NotFound
from returns_service.models import ReturnView
from returns_service.settings import settings
from returns_service.store import ledger, orders
from returns_service.store import returns as repository
from returns_service.views import to_view

MAX_PAGE = 100


def review_queue(status: str, limit: int, next_token: str | None) -> tuple[list[ReturnView], str | None]:
    """The returns in ``status``, oldest first, a page at a time."""
    if status not in set(ReturnStatus):
        raise BadRequest(f"status must be one of {', '.join(ReturnStatus)}")
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
    query = {"route": "cs-queue", "status": status}
    start = page_tokens.decode(next_token, query, repository.STATUS_PAGE_KEY) if next_token else None
    items, last = repository.by_status(ReturnStatus(status), limit, start)
    return [to_view(ret) for ret in items], page_tokens.encode(last, query)


def customer_returns(
    customer_id: str, limit: int, next_token: str | None
) -> tuple[list[ReturnView], str | None]:
    """A customer's returns, newest first, a page at a time: how often they return (CS only)."""
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
    query = {"route": "cs-customer-returns", "customerId": customer_id}
    start = page_tokens.decode(next_token, query, repository.CUSTOMER_PAGE_KEY) if next_token else None
    items, last = repository.by_customer(customer_id, None, limit, start)
    return [to_view(ret) for ret in items], page_tokens.encode(last, query)


def _order(order_id: str) -> OrderSnapshot:
    order = orders.load(order_id)
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    return order.snapshot


def quote_context(ret: Return) -> QuoteContext:
    """The order and the refunds recorded on its ledger, this return's own left out."""
    return QuoteContext(
        _order(ret.orderId), ledger.load(ret.orderId).previous_returns(excluding=ret.returnId)
    )


def get_return_for_cs(return_id: str) -> tuple[ReturnView, OrderSnapshot]:
    ret = transitions.load(return_id)
    order = orders.load(ret.orderId)
    if order is None:
        raise NotFound(f"order {ret.orderId} of return {return_id} does not exist")
    return to_view(ret), order.snapshot


def _amount(text: str | None, currency: str, what: str) -> int:
    if text is None:
        return 0
    try:
        return money.parse(text, currency, what=what)
    except money.MoneyError as error:
        raise BadRequest(str(error)) from None


def submit_review(
    return_id: str,
    decision: str,
    *,
    return_shipping_paid_by: str,
    return_shipping_fee: str | None,
    note: str,
    actor: str,
) -> ReturnView:
    """Approve (-> AWAITING_RECEIPT) or reject (-> REJECTED) a return waiting for review."""
    if decision not in ("approve", "reject"):
        raise BadRequest("decision must be 'approve' or 'reject'")
    if return_shipping_paid_by not in ("customer", "merchant"):
        raise BadRequest("returnShippingPaidBy must be 'customer' or 'merchant'")
    agent = Actor(Role.CS, actor)
    fee = _amount(return_shipping_fee, transitions.load(return_id).currency, "returnShippingFee")

    def review(ret: Return) -> decide.ReturnChange:
        at = transitions.now()
        if decision == "reject":
            return decide.reject(ret, agent, note=note, at=at)
        return decide.approve(
            ret,
            agent,
            paid_by=return_shipping_paid_by,
            fee=fee,
            note=note,
            context=quote_context(ret),
            answer_within=settings.customer_answer_timeout_seconds if fee else None,
            at=at,
        )

    return to_view(transitions.apply(return_id, review))


def submit_damage_review(
    return_id: str, decision: str, *, inspection_deduction: str | None, note: str, actor: str
) -> ReturnView:
    """Damaged goods back for a customer-choice reason: accept, deduct, or send them back."""
    if decision not in ("accept", "deduct", "reject"):
        raise BadRequest("decision must be 'accept', 'deduct' or 'reject'")
    agent = Actor(Role.CS, actor)
    deduction = _amount(inspection_deduction, transitions.load(return_id).currency, "inspectionDeduction")

    def review(ret: Return) -> decide.ReturnChange:
        return decide.review_damage(
            ret,
            agent,
            decision=decision,
            deduction=deduction,
            note=note,
            context=quote_context(ret),
            answer_within=settings.customer_answer_timeout_seconds if deduction else None,
            at=transitions.now(),
        )

    return to_view(transitions.apply(return_id, review))
