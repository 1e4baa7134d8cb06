"""Customer operations on returns: quote, create (reserve + start the workflow), read, cancel, ship."""

from __future__ import annotations

import json
import uuid
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from pydantic import ValidationError

from returns_core.lifecycle import rules
from returns_core.refunds.models import Quote, QuoteError, ReturnLine
from returns_service import aws, config, page_tokens, tasks
from returns_service.errors import Conflict, NotFound, Unprocessable
from returns_service.models import CreateReturn, QuoteRequestBody, ReturnView
from returns_service.quoting import quote_return as engine_quote
from returns_service.store import ledger, orders
from returns_service.store import returns as store
from returns_service.store.dynamo import now, timestamp

logger = Logger(child=True)

CANCELLABLE = frozenset({"REQUESTED", "PENDING_REVIEW", "AWAITING_RECEIPT"})
SHIPPABLE = frozenset({"REQUESTED", "PENDING_REVIEW", "AWAITING_RECEIPT"})


def _order_of(customer_id: str | None, order_id: str) -> orders.StoredOrder:
    order = orders.load(order_id)
    if order is None or (customer_id is not None and order.snapshot.customerId != customer_id):
        raise NotFound(f"order {order_id} does not exist")
    return order


def windows() -> rules.Windows:
    """The return windows the template configures."""
    return rules.Windows(
        customer_choice_days=config.customer_choice_window_days(),
        merchant_fault_days=config.merchant_fault_window_days(),
    )


def _eligible_quote(order: orders.StoredOrder, lines: list[ReturnLine], reason: str) -> Quote:
    """The quote of a return that may be asked for now, or 422 saying which rule it breaks: the
    one check the quote and the creation share, so neither promises what the other refuses."""
    refused = rules.request_refusal(
        order.snapshot, order.reserved, lines, reason, windows=windows(), requested_at=now()
    )
    if refused is not None:
        raise Unprocessable(refused.message, refused.details)
    try:
        return engine_quote(order.snapshot, ledger.load(order.snapshot.orderId), lines, reason)
    except (QuoteError, ValidationError) as error:
        raise Unprocessable(_one_line(error)) from None


def quote_return(customer_id: str, order_id: str, body: QuoteRequestBody) -> Quote:
    """What the return would refund now; nothing is stored."""
    return _eligible_quote(_order_of(customer_id, order_id), body.lines, body.reason)


def create_return(customer_id: str, body: CreateReturn) -> ReturnView:
    """Check eligibility, reserve the units on the order and start the return's workflow."""
    order = _order_of(customer_id, body.orderId)
    quote = _eligible_quote(order, body.lines, body.reason)
    return_id = "R-" + uuid.uuid4().hex[:20].upper()
    created_at = timestamp()
    lines = [line.model_dump() for line in body.lines]
    item: dict[str, Any] = {
        "returnId": return_id,
        "orderId": body.orderId,
        "customerId": customer_id,
        "status": "REQUESTED",
        "lines": lines,
        "reason": body.reason,
        "reasonDetail": body.reasonDetail,
        "method": body.method,
        "currency": order.snapshot.currency,
        "createdAt": created_at,
        "updatedAt": created_at,
        "createdKey": f"{created_at}#{return_id}",
        "history": [store.history_entry("REQUESTED", customer_id, "return requested", created_at)],
        "reservation": {"state": "held", "lines": {line.lineId: line.quantity for line in body.lines}},
    }
    item["quote"] = json.dumps(quote.to_json(), separators=(",", ":"))
    quantities = {line.lineId: line.quantity for line in order.snapshot.lines}
    try:
        store.create(item, quantities)
    except store.OverReserved:
        # Another return took the units between our read and this write.
        raise Unprocessable("the units asked for are no longer left to return") from None
    try:
        aws.stepfunctions().start_execution(
            stateMachineArn=config.state_machine_arn(),
            name=return_id,
            input=json.dumps({"returnId": return_id}),
        )
    except ClientError:
        logger.exception("could not start the workflow", extra={"returnId": return_id})
        failed = store.update(
            return_id, expect={"REQUESTED"}, to="REJECTED", note="the return could not be started"
        )
        store.settle_reservation(failed, {})
        raise
    return store.to_view(item)


def get_return(return_id: str, customer_id: str | None) -> ReturnView:
    item = store.get(return_id)
    if item is None or (customer_id is not None and item["customerId"] != customer_id):
        raise NotFound(f"return {return_id} does not exist")
    return store.to_view(item)


def list_returns(
    customer_id: str, order_id: str | None, limit: int, next_token: str | None
) -> tuple[list[ReturnView], str | None]:
    """A page of a customer's returns, newest first, optionally of one order; the token of the
    next page is bound to this customer and order."""
    query = {"route": "customer-returns", "customerId": customer_id, "orderId": order_id}
    start = page_tokens.decode(next_token, query, store.CUSTOMER_PAGE_KEY) if next_token else None
    items, last = store.by_customer(customer_id, order_id, limit, start)
    return [store.to_view(item) for item in items], page_tokens.encode(last, query)


def cancel_return(return_id: str, customer_id: str) -> ReturnView:
    """Cancel before the warehouse received the goods; the waiting workflow ends in CANCELLED."""
    item, token = tasks.claim(
        return_id,
        expect=CANCELLABLE,
        to="CANCELLED",
        actor=customer_id,
        note="cancelled by the customer",
        customer_id=customer_id,
        conflict="the return can no longer be cancelled",
    )
    tasks.fail(token, tasks.CANCELLED_ERROR, "cancelled by the customer")
    return store.to_view(item)


def record_shipment(return_id: str, customer_id: str, carrier: str, tracking_number: str) -> ReturnView:
    """Note the customer's parcel (carrier, tracking number) on a return still on its way."""
    current = store.get(return_id)
    if current is None or current["customerId"] != customer_id:
        raise NotFound(f"return {return_id} does not exist")
    try:
        item = store.update(
            return_id,
            expect=SHIPPABLE,
            actor=customer_id,
            note=f"shipped with {carrier}, tracking {tracking_number}",
            sets={"shipment": {"carrier": carrier, "trackingNumber": tracking_number, "at": timestamp()}},
        )
    except store.StateChanged as changed:
        status = (changed.item or current)["status"]
        raise Conflict(f"a shipment can no longer be recorded (the return is {status})") from None
    return store.to_view(item)


def _one_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return f"{where}: {first.get('msg', 'invalid')}" if where else str(first.get("msg", "invalid"))
    return str(error).splitlines()[0] if str(error) else type(error).__name__
