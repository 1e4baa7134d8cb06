"""Customer operations on returns: quote, create (reserve + start the workflow), read, cancel, ship.

Each is load -> decide (returns_core.lifecycle) -> save (the repository); see transitions.py.
"""

from __future__ import annotations

import json
import uuid

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from pydantic import ValidationError

from returns_core.lifecycle import Actor, LifecycleError, Role
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.quoting import QuoteContext, quote_lines, refusal
from returns_core.lifecycle.rules import Windows, request_refusal
from returns_core.refunds.models import Quote, QuoteError
from returns_service import aws, clock, page_tokens, transitions
from returns_service.errors import NotFound, Unprocessable
from returns_service.models import CreateReturn, QuoteRequestBody, ReturnView
from returns_service.settings import settings
from returns_service.store import ledger, orders
from returns_service.store import returns as repository
from returns_service.views import to_view

logger = Logger(child=True)


def _order_of(customer_id: str | None, order_id: str) -> orders.StoredOrder:
    order = orders.load(order_id)
    if order is None or (customer_id is not None and order.snapshot.customerId != customer_id):
        raise NotFound(f"order {order_id} does not exist")
    return order


def windows() -> Windows:
    """The return windows the template configures."""
    return Windows(settings.customer_choice_window_days, settings.merchant_fault_window_days)


def quote_return(customer_id: str, order_id: str, body: QuoteRequestBody) -> Quote:
    """What the return would refund now; nothing is stored. It applies the creation's own check
    (``request_refusal``), so a quote never promises what creating the return then refuses."""
    order = _order_of(customer_id, order_id)
    refused = request_refusal(
        order.snapshot, order.reserved, body.lines, body.reason, windows=windows(), requested_at=clock.now()
    )
    if refused is not None:
        raise Unprocessable(refused.message, refused.details)
    context = QuoteContext(order.snapshot, ledger.load(order_id).previous_returns())
    try:
        return quote_lines(context, body.lines, body.reason)
    except (QuoteError, ValidationError) as error:
        raise Unprocessable(refusal(error)) from None


def create_return(customer_id: str, body: CreateReturn) -> ReturnView:
    """Check the request, reserve the units on the order and start the return's workflow."""
    order = _order_of(customer_id, body.orderId)
    try:
        change = decide.request(
            return_id="R-" + uuid.uuid4().hex[:20].upper(),
            customer=Actor(Role.CUSTOMER, customer_id),
            order=order.snapshot,
            reserved=order.reserved,
            context=QuoteContext(order.snapshot, ledger.load(body.orderId).previous_returns()),
            lines=body.lines,
            reason=body.reason,
            reason_detail=body.reasonDetail,
            method=body.method,
            windows=windows(),
            at=transitions.now(),
        )
    except LifecycleError as error:
        raise transitions.refusal(error) from None
    created = change.after
    quantities = {line.lineId: line.quantity for line in order.snapshot.lines}
    try:
        repository.create(change, quantities)
    except repository.OverReserved:
        # Another return took the units between our read and this write.
        raise Unprocessable("the units asked for are no longer left to return") from None
    try:
        aws.stepfunctions().start_execution(
            stateMachineArn=settings.state_machine_arn,
            name=created.returnId,
            input=json.dumps({"returnId": created.returnId}),
        )
    except ClientError:
        logger.exception("could not start the workflow", extra={"returnId": created.returnId})
        transitions.apply(
            created.returnId,
            lambda ret: decide.not_started(ret, "the return could not be started", transitions.now()),
        )
        raise
    return to_view(created)


def get_return(return_id: str, customer_id: str | None) -> ReturnView:
    return to_view(transitions.load(return_id, customer_id))


def list_returns(
    customer_id: str, order_id: str | None, limit: int, next_token: str | None
) -> tuple[list[ReturnView], str | None]:
    """A page of a customer's returns, newest first, optionally of one order; the token of the
    next page is bound to this customer and order."""
    query = {"route": "customer-returns", "customerId": customer_id, "orderId": order_id}
    start = page_tokens.decode(next_token, query, repository.CUSTOMER_PAGE_KEY) if next_token else None
    items, last = repository.by_customer(customer_id, order_id, limit, start)
    return [to_view(ret) for ret in items], page_tokens.encode(last, query)


def cancel_return(return_id: str, customer_id: str) -> ReturnView:
    """Cancel before the goods are received: CANCELLED, its units released in the same write."""
    customer = Actor(Role.CUSTOMER, customer_id)
    cancelled = transitions.apply(
        return_id, lambda ret: decide.cancel(ret, customer, transitions.now()), customer_id=customer_id
    )
    return to_view(cancelled)


def answer_proposal(return_id: str, customer_id: str, decision: str, note: str) -> ReturnView:
    """The customer accepts or declines what CS proposed (contract section 5a): only their own
    return (404 otherwise); nothing waiting, or answered already, is 409. The save takes the
    workflow's token (conditioned on the revision), so two answers cannot both win."""
    customer = Actor(Role.CUSTOMER, customer_id)
    answered = transitions.apply(
        return_id,
        lambda ret: decide.answer_proposal(ret, customer, decision=decision, note=note, at=transitions.now()),
        customer_id=customer_id,
    )
    return to_view(answered)


def record_shipment(return_id: str, customer_id: str, carrier: str, tracking_number: str) -> ReturnView:
    """Note the customer's parcel (carrier, tracking number) on a return still on its way."""
    customer = Actor(Role.CUSTOMER, customer_id)
    shipped = transitions.apply(
        return_id,
        lambda ret: decide.record_shipment(
            ret, customer, carrier=carrier, tracking_number=tracking_number, at=transitions.now()
        ),
        customer_id=customer_id,
    )
    return to_view(shipped)
