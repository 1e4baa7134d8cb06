"""Asking for a cancellation (the customer, or CS for ``out_of_stock``) and reading them.

``assess`` is the one check: the quote route and the create both run it, so a quote never
promises what the create then refuses. The create reserves the units on the order (shared with
returns: a unit is cancelled or returned once) and starts the cancellation's workflow.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from pydantic import ValidationError

from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import (
    Cancellation,
    CancellationStatus,
    LifecycleError,
    OrderLine,
    OrderTerms,
    Plan,
    Requester,
)
from returns_core.order import OrderSnapshot
from returns_core.refunds.models import Quote, ReturnLine
from returns_service import aws, page_tokens
from returns_service.cancellations.decisions import refusal
from returns_service.cancellations.quoting import BadRequest, quote_cancellation
from returns_service.cancellations.views import CancellationView, view_of
from returns_service.clock import timestamp
from returns_service.errors import BadRequest as MalformedRequest
from returns_service.errors import NotFound, Unprocessable
from returns_service.settings import settings
from returns_service.store import cancellations as store
from returns_service.store import ledger, orders

logger = Logger(child=True)

MAX_PAGE = 100


def terms_of(snapshot: OrderSnapshot) -> OrderTerms:
    """What the rules need of the order, as it is now (kept on the cancellation as it was)."""
    return OrderTerms.model_validate(
        {
            "status": snapshot.status,
            "fulfilledBy": snapshot.fulfilment,
            "channel": snapshot.channel,
            "sellerId": snapshot.sellerId,
            "lines": [
                {
                    "lineId": line.lineId,
                    "sku": line.sku,
                    "title": line.title,
                    "brand": line.brand,
                    "category": line.category,
                    "packageId": line.packageId,
                }
                for line in snapshot.lines
            ],
        }
    )


@dataclass(frozen=True)
class Assessment:
    """A request that passed every check: the order, the plan and what it would refund."""

    order: orders.StoredOrder
    terms: OrderTerms
    plan: Plan
    quote: Quote


def _order_of(customer_id: str | None, order_id: str) -> orders.StoredOrder:
    order = orders.load(order_id)
    if order is None or (customer_id is not None and order.snapshot.customerId != customer_id):
        raise NotFound(f"order {order_id} does not exist")
    return order


def assess(
    customer_id: str | None,
    order_id: str,
    lines: Sequence[ReturnLine] | None,
    reason: str,
    by: Requester,
) -> Assessment:
    """Every check of a cancellation request, and its quote: 404 (not the caller's order), 409
    (the order's status, nothing left), 422 (reason, lines, what the engine refuses)."""
    order = _order_of(customer_id, order_id)
    snapshot = order.snapshot
    terms = terms_of(snapshot)
    ordered = [OrderLine(line.lineId, line.quantity) for line in snapshot.lines]
    left = {line.lineId: order.left(line.lineId) for line in snapshot.lines}
    try:
        plan = rules.plan_request(order_id, terms, ordered, left, lines, reason, by)
    except LifecycleError as error:
        raise refusal(error) from None
    try:
        quote = quote_cancellation(snapshot, ledger.load(order_id), plan.as_lines(), reason, paid=terms.paid)
    except (BadRequest, ValidationError) as error:
        raise Unprocessable(_one_line(error)) from None
    return Assessment(order=order, terms=terms, plan=plan, quote=quote)


def quote(
    customer_id: str | None, order_id: str, lines: Sequence[ReturnLine] | None, reason: str, by: Requester
) -> Quote:
    """What the cancellation would refund now; nothing is stored."""
    return assess(customer_id, order_id, lines, reason, by).quote


def create(
    customer_id: str | None,
    order_id: str,
    lines: Sequence[ReturnLine] | None,
    reason: str,
    reason_detail: str,
    *,
    by: Requester,
    actor: str,
) -> CancellationView:
    """Reserve the units on the order and start the cancellation's workflow.

    ``customer_id`` None (CS) acts on any customer's order; the cancellation is the order's
    customer's either way.
    """
    assessed = assess(customer_id, order_id, lines, reason, by)
    snapshot = assessed.order.snapshot
    cancellation_id = "C-" + uuid.uuid4().hex[:20].upper()
    change = rules.request(
        cancellation_id,
        order_id=order_id,
        customer_id=snapshot.customerId,
        currency=snapshot.currency,
        terms=assessed.terms,
        plan=assessed.plan,
        reason=reason,
        reason_detail=reason_detail,
        by=by,
        actor=actor,
        quote=assessed.quote,
        at=timestamp(),
    )
    quantities = {line.lineId: line.quantity for line in snapshot.lines}
    try:
        store.save(change, quantities=quantities)
    except store.OverReserved:
        # A return or another cancellation took the units between our read and this write.
        raise Unprocessable("the units asked for are no longer left to cancel") from None
    try:
        aws.stepfunctions().start_execution(
            stateMachineArn=settings.cancellation_state_machine_arn,
            name=cancellation_id,
            input=json.dumps({"cancellationId": cancellation_id}),
        )
    except ClientError:
        logger.exception("could not start the workflow", extra={"cancellationId": cancellation_id})
        store.save(rules.fail_to_start(change.after, timestamp()))
        raise
    return view_of(change.after)


def get(cancellation_id: str, customer_id: str | None) -> Cancellation:
    """One cancellation (another customer's answers 404, as one that does not exist)."""
    found = store.load(cancellation_id)
    if found is None or (customer_id is not None and found.customerId != customer_id):
        raise NotFound(f"cancellation {cancellation_id} does not exist")
    return found


def get_view(cancellation_id: str, customer_id: str | None) -> CancellationView:
    return view_of(get(cancellation_id, customer_id))


def get_for_cs(cancellation_id: str) -> tuple[CancellationView, OrderSnapshot]:
    found = get(cancellation_id, None)
    order = orders.load(found.orderId)
    if order is None:
        raise NotFound(f"order {found.orderId} of cancellation {cancellation_id} does not exist")
    return view_of(found), order.snapshot


def _page(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE:
        raise MalformedRequest(f"limit must be between 1 and {MAX_PAGE}")


def list_mine(
    customer_id: str, order_id: str | None, limit: int, next_token: str | None
) -> tuple[list[CancellationView], str | None]:
    """A customer's cancellations (of one order, if given), newest first, a page at a time; the
    token of the next page is bound to this customer and order (another's is 400)."""
    _page(limit)
    query = {"route": "customer-cancellations", "customerId": customer_id, "orderId": order_id}
    start = page_tokens.decode(next_token, query, store.CUSTOMER_PAGE_KEY) if next_token else None
    found, last = store.page_by_customer(customer_id, order_id, limit, start)
    return [view_of(c) for c in found], page_tokens.encode(last, query)


def queue(
    status: CancellationStatus, limit: int, next_token: str | None
) -> tuple[list[CancellationView], str | None]:
    """The cancellations in ``status``, oldest first, a page at a time (the CS queue)."""
    _page(limit)
    query = {"route": "cancellation-queue", "status": str(status)}
    start = page_tokens.decode(next_token, query, store.STATUS_PAGE_KEY) if next_token else None
    found, last = store.page_by_status(status, limit, start)
    return [view_of(c) for c in found], page_tokens.encode(last, query)


def _one_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid"))
    return str(error).splitlines()[0] if str(error) else type(error).__name__
