"""Storefront cancellation routes (contract section 7): what a customer cancels before delivery.

The caller is the JWT ``sub``; another customer's order or cancellation answers 404 exactly like
one that does not exist. The quote and the create run the same checks (``requests.assess``).
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.refunds.models import Quote
from returns_service.api import http, idempotency
from returns_service.api.caller import customer_of
from returns_service.api.cancellations import (
    CancellationPage,
    CancellationQuoteRequest,
    CreateCancellationRequest,
)
from returns_service.api.params import (
    ID_MAX,
    PAGE_DEFAULT,
    CancellationId,
    IdempotencyKey,
    Limit,
    NextToken,
    OrderId,
)
from returns_service.cancellations import requests
from returns_service.cancellations.views import CancellationView

app = http.new_resolver()


def _customer() -> str:
    return customer_of(app.current_event)


@app.post(
    "/orders/<orderId>/cancellation-quotes",
    summary="Quote a cancellation before confirming it; nothing is stored",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "What the cancellation would refund, and why", 401, 404, 409, 422),
)
def quote_cancellation(order_id: OrderId, body: CancellationQuoteRequest) -> Quote:
    return requests.quote(_customer(), order_id, body.lines, body.reason, "customer")


@app.post(
    "/orders/<orderId>/cancellations",
    status_code=201,
    summary="Cancel units before delivery: checked, reserved, workflow started (lines left out: all left)",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(201, "The cancellation, as created", 401, 404, 409, 422),
)
def create_cancellation(
    order_id: OrderId, body: CreateCancellationRequest, idempotency_key: IdempotencyKey = None
) -> CancellationView:
    customer_id = _customer()

    def create() -> dict[str, Any]:
        created = requests.create(
            customer_id,
            order_id,
            body.lines,
            body.reason,
            body.reasonDetail,
            by="customer",
            actor=customer_id,
        )
        return created.model_dump(mode="json")

    if idempotency_key is None:
        return CancellationView.model_validate(create())
    stored = idempotency.once(
        key=idempotency_key,
        caller=customer_id,
        payload={"orderId": order_id, **body.model_dump(mode="json")},
        operation=create,
        lambda_context=app.lambda_context,
        scope="cancellations-create",
    )
    return CancellationView.model_validate(stored)


@app.get(
    "/cancellations",
    summary="The caller's cancellations, newest first, optionally of one order",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "One page of the caller's cancellations", 401),
)
def list_cancellations(
    order_id: Annotated[str | None, Query(alias="orderId", min_length=1, max_length=ID_MAX)] = None,
    limit: Limit = PAGE_DEFAULT,
    next_token: NextToken = None,
) -> CancellationPage:
    items, token = requests.list_mine(_customer(), order_id, limit, next_token)
    return CancellationPage(items=items, nextToken=token)


@app.get(
    "/cancellations/<cancellationId>",
    summary="One of the caller's cancellations",
    tags=["storefront"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The cancellation", 401, 404),
)
def get_cancellation(cancellation_id: CancellationId) -> CancellationView:
    return requests.get_view(cancellation_id, _customer())


@http.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.serve(app, event, context, guards=[customer_of])
