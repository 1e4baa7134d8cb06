"""Storefront API: what a customer does with the returns of their own orders (contract section 4).

The caller is the JWT ``sub``; every operation is scoped to it, and another customer's order or
return answers 404 exactly like one that does not exist, so ids cannot be probed.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.refunds.models import Quote
from returns_service import returns
from returns_service.api import http, idempotency
from returns_service.api.caller import customer_of
from returns_service.api.models import (
    CreateReturnRequest,
    ProposalAnswerBody,
    ReturnList,
    ReturnQuoteRequest,
    ShipmentBody,
)
from returns_service.api.params import (
    ID_MAX,
    PAGE_DEFAULT,
    IdempotencyKey,
    Limit,
    NextToken,
    OrderId,
    ReturnId,
)
from returns_service.models import ReturnView

app = http.new_resolver()


def _customer() -> str:
    return customer_of(app.current_event)


@app.post(
    "/orders/<orderId>/return-quotes",
    summary="Quote a return before confirming it; nothing is stored",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "What the return would refund, and why", 401, 404, 422),
)
def quote_return(order_id: OrderId, body: ReturnQuoteRequest) -> Quote:
    return returns.quote_return(_customer(), order_id, body)


@app.post(
    "/returns",
    status_code=201,
    summary="Create a return: validated, quantities reserved, workflow started",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(201, "The return, as created", 401, 404, 409, 422),
)
def create_return(body: CreateReturnRequest, idempotency_key: IdempotencyKey = None) -> ReturnView:
    customer_id = _customer()

    def create() -> dict[str, Any]:
        return returns.create_return(customer_id, body).model_dump(mode="json")

    if idempotency_key is None:
        return ReturnView.model_validate(create())
    stored = idempotency.once(
        key=idempotency_key,
        caller=customer_id,
        payload=body.model_dump(mode="json"),
        operation=create,
        lambda_context=app.lambda_context,
    )
    return ReturnView.model_validate(stored)


@app.get(
    "/returns",
    summary="The caller's returns, newest first, optionally of one order; paginated",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "One page of the caller's returns", 401),
)
def list_returns(
    order_id: Annotated[
        str | None,
        Query(alias="orderId", min_length=1, max_length=ID_MAX, description="Only the returns of this order"),
    ] = None,
    limit: Limit = PAGE_DEFAULT,
    next_token: NextToken = None,
) -> ReturnList:
    items, token = returns.list_returns(_customer(), order_id, limit, next_token)
    return ReturnList(items=items, nextToken=token)


@app.get(
    "/returns/<returnId>",
    summary="One of the caller's returns",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The return", 401, 404),
)
def get_return(return_id: ReturnId) -> ReturnView:
    return returns.get_return(return_id, _customer())


@app.post(
    "/returns/<returnId>/cancel",
    summary="Cancel a return; allowed until the warehouse has received the goods",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The cancelled return", 401, 404, 409),
)
def cancel_return(return_id: ReturnId) -> ReturnView:
    return returns.cancel_return(return_id, _customer())


@app.post(
    "/returns/<returnId>/shipment",
    summary="Tell us the carrier and tracking number of the parcel",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The return with its shipment", 401, 404, 409),
)
def record_shipment(return_id: ReturnId, body: ShipmentBody) -> ReturnView:
    return returns.record_shipment(return_id, _customer(), body.carrier, body.trackingNumber)


@app.post(
    "/returns/<returnId>/proposal",
    summary="Accept or decline what CS proposed (a return-shipping fee or an inspection deduction)",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The return after the answer", 401, 404, 409, 422),
)
def answer_proposal(return_id: ReturnId, body: ProposalAnswerBody) -> ReturnView:
    return returns.answer_proposal(return_id, _customer(), body.decision, body.note)


@http.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.serve(app, event, context, guards=[customer_of])
