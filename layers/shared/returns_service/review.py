"""CS operations: the review queue, one return with its order, and the two decisions CS takes."""

from __future__ import annotations

import json
from typing import Any, get_args

from pydantic import ValidationError

from returns_core import money
from returns_core.order import OrderSnapshot
from returns_core.refunds.models import QuoteError, ReturnLine
from returns_service import events, page_tokens, tasks
from returns_service.errors import BadRequest, NotFound, Unprocessable
from returns_service.models import ReturnStatus, ReturnView
from returns_service.quoting import lines_of, quote_return
from returns_service.store import ledger, orders
from returns_service.store import returns as store

MAX_PAGE = 100


def review_queue(status: str, limit: int, next_token: str | None) -> tuple[list[ReturnView], str | None]:
    """The returns in ``status``, oldest first, a page at a time."""
    if status not in get_args(ReturnStatus):
        raise BadRequest(f"status must be one of {', '.join(get_args(ReturnStatus))}")
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
    query = {"route": "cs-queue", "status": status}
    start = page_tokens.decode(next_token, query, store.STATUS_PAGE_KEY) if next_token else None
    items, last = store.by_status(status, limit, start)
    return [store.to_view(item) for item in items], page_tokens.encode(last, query)


def customer_returns(
    customer_id: str, limit: int, next_token: str | None
) -> tuple[list[ReturnView], str | None]:
    """A customer's returns, newest first, a page at a time: how often they return (CS only)."""
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"limit must be between 1 and {MAX_PAGE}")
    query = {"route": "cs-customer-returns", "customerId": customer_id}
    start = page_tokens.decode(next_token, query, store.CUSTOMER_PAGE_KEY) if next_token else None
    items, last = store.by_customer(customer_id, None, limit, start)
    return [store.to_view(item) for item in items], page_tokens.encode(last, query)


def get_return_for_cs(return_id: str) -> tuple[ReturnView, OrderSnapshot]:
    item = store.get(return_id)
    if item is None:
        raise NotFound(f"return {return_id} does not exist")
    order = orders.load(item["orderId"])
    if order is None:
        raise NotFound(f"order {item['orderId']} of return {return_id} does not exist")
    return store.to_view(item), order.snapshot


def _amount(text: str | None, currency: str, what: str) -> int:
    if text is None:
        return 0
    try:
        return money.parse(text, currency, what=what)
    except money.MoneyError as error:
        raise BadRequest(str(error)) from None


def _requote(item: dict[str, Any], *, fee: int, deduction: int) -> str:
    """The return's quote again with the fees CS set (Unprocessable when the engine refuses)."""
    order = orders.load(item["orderId"])
    if order is None:
        raise NotFound(f"order {item['orderId']} does not exist")
    accepted = item.get("accepted")
    lines = lines_of(accepted) if accepted else [ReturnLine.model_validate(line) for line in item["lines"]]
    try:
        quote = quote_return(
            order.snapshot,
            ledger.load(item["orderId"]),
            lines,
            item["reason"],
            return_shipping_fee=fee,
            inspection_deduction=deduction,
            excluding=item["returnId"],
        )
    except (QuoteError, ValidationError) as error:
        raise Unprocessable(f"the refund cannot be computed: {str(error).splitlines()[0]}") from None
    return json.dumps(quote.to_json(), separators=(",", ":"))


def submit_review(
    return_id: str,
    decision: str,
    *,
    return_shipping_paid_by: str,
    return_shipping_fee: str | None,
    note: str,
    actor: str,
) -> ReturnView:
    """Approve (→ AWAITING_RECEIPT) or reject (→ REJECTED) a return waiting for review."""
    if decision not in ("approve", "reject"):
        raise BadRequest("decision must be 'approve' or 'reject'")
    if return_shipping_paid_by not in ("customer", "merchant"):
        raise BadRequest("returnShippingPaidBy must be 'customer' or 'merchant'")
    current = store.get(return_id)
    if current is None:
        raise NotFound(f"return {return_id} does not exist")
    fee = _amount(return_shipping_fee, current["currency"], "returnShippingFee")
    if fee and return_shipping_paid_by == "merchant":
        raise Unprocessable("a return shipping fee goes with returnShippingPaidBy 'customer' only")
    if decision == "reject":
        item, token = tasks.claim(
            return_id,
            expect={"PENDING_REVIEW"},
            to="REJECTED",
            actor=actor,
            note=note or "rejected by CS",
            sets={"review": {"decision": "reject", "actor": actor, "automatic": False}},
            conflict="the return is not waiting for review",
        )
        events.publish(events.RETURN_REJECTED, item, decision="reject", actor=actor, note=note)
    else:
        sets: dict[str, Any] = {
            "review": {
                "decision": "approve",
                "actor": actor,
                "automatic": False,
                "returnShippingPaidBy": return_shipping_paid_by,
            },
            "returnShippingFee": fee,
        }
        if current["status"] == "PENDING_REVIEW":
            sets["quote"] = _requote(current, fee=fee, deduction=0)
        item, token = tasks.claim(
            return_id,
            expect={"PENDING_REVIEW"},
            to="AWAITING_RECEIPT",
            actor=actor,
            note=note or "approved by CS",
            sets=sets,
            conflict="the return is not waiting for review",
        )
        events.publish(
            events.RETURN_APPROVED,
            item,
            decision="approve",
            automatic=False,
            actor=actor,
            returnShippingPaidBy=return_shipping_paid_by,
            returnShippingFee=money.format(fee, item["currency"]),
        )
    tasks.complete(token, tasks.route(item))
    return store.to_view(item)


def submit_damage_review(
    return_id: str, decision: str, *, inspection_deduction: str | None, note: str, actor: str
) -> ReturnView:
    """Damaged goods back for a customer-choice reason: accept, deduct, or send them back."""
    if decision not in ("accept", "deduct", "reject"):
        raise BadRequest("decision must be 'accept', 'deduct' or 'reject'")
    current = store.get(return_id)
    if current is None:
        raise NotFound(f"return {return_id} does not exist")
    deduction = _amount(inspection_deduction, current["currency"], "inspectionDeduction")
    if decision == "deduct" and deduction <= 0:
        raise Unprocessable("a 'deduct' decision needs an inspectionDeduction above zero")
    if decision != "deduct" and deduction:
        raise Unprocessable("an inspectionDeduction goes with the 'deduct' decision only")
    review = {"decision": decision, "actor": actor}
    if decision == "reject":
        item, token = tasks.claim(
            return_id,
            expect={"PENDING_DAMAGE_REVIEW"},
            to="RETURNED_TO_CUSTOMER",
            actor=actor,
            note=note or "damaged goods rejected: sent back to the customer",
            sets={"damageReview": review},
            conflict="the return is not waiting for a damage review",
        )
    else:
        sets: dict[str, Any] = {"damageReview": review, "inspectionDeduction": deduction}
        if current["status"] == "PENDING_DAMAGE_REVIEW":
            sets["quote"] = _requote(
                current, fee=int(current.get("returnShippingFee", 0)), deduction=deduction
            )
        item, token = tasks.claim(
            return_id,
            expect={"PENDING_DAMAGE_REVIEW"},
            to="REFUNDING",
            actor=actor,
            note=note
            or (
                "damaged goods accepted"
                if decision == "accept"
                else f"damaged goods accepted less {money.format(deduction, current['currency'])}"
            ),
            sets=sets,
            conflict="the return is not waiting for a damage review",
        )
    tasks.complete(token, tasks.route(item))
    return store.to_view(item)
