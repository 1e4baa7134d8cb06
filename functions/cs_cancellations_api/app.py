"""CS console cancellation routes (group ``cs``, contract section 7): the queue, one cancellation
with its order, an ``out_of_stock`` cancellation on the customer's behalf, and retry-refund (which
completes the task token the workflow keeps; the token never leaves the service)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.lifecycle.cancellation import CancellationStatus
from returns_service.api import http, idempotency
from returns_service.api.caller import Caller, cs_agent_of
from returns_service.api.cancellations import CancellationPage, CsCancellationRequest, CsCancellationView
from returns_service.api.params import PAGE_DEFAULT, CancellationId, IdempotencyKey, Limit, NextToken, OrderId
from returns_service.cancellations import refund_retry, requests
from returns_service.cancellations.views import CancellationView, view_of

app = http.new_resolver()


def _agent() -> Caller:
    return cs_agent_of(app.current_event)


@app.get(
    "/cs/cancellations",
    summary="The queue of cancellations in a status, oldest first",
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "One page of the queue", 401, 403),
)
def queue(
    status: Annotated[
        CancellationStatus, Query(description="Which cancellations to list (default: failed refunds)")
    ] = CancellationStatus.REFUND_FAILED,
    limit: Limit = PAGE_DEFAULT,
    next_token: NextToken = None,
) -> CancellationPage:
    _agent()
    items, token = requests.queue(status, limit, next_token)
    return CancellationPage(items=items, nextToken=token)


@app.get(
    "/cs/cancellations/<cancellationId>",
    summary="A cancellation with its quote, history and the order",
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The cancellation and its order", 401, 403, 404),
)
def get_cancellation(cancellation_id: CancellationId) -> CsCancellationView:
    _agent()
    view, order = requests.get_for_cs(cancellation_id)
    return CsCancellationView.model_validate({**dict(view), "order": order})


@app.post(
    "/cs/orders/<orderId>/cancellations",
    status_code=201,
    summary="Cancel out-of-stock units on the customer's behalf (merchant fault)",
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(201, "The cancellation, as created", 401, 403, 404, 409, 422),
)
def cancel_for_customer(
    order_id: OrderId, body: CsCancellationRequest, idempotency_key: IdempotencyKey = None
) -> CancellationView:
    agent = _agent()

    def create() -> dict[str, Any]:
        created = requests.create(
            None, order_id, body.lines, body.reason, body.note, by="cs", actor=agent.actor
        )
        return created.model_dump(mode="json")

    if idempotency_key is None:
        return CancellationView.model_validate(create())
    stored = idempotency.once(
        key=idempotency_key,
        caller=agent.actor,
        payload={"orderId": order_id, **body.model_dump(mode="json")},
        operation=create,
        lambda_context=app.lambda_context,
        scope="cancellations-create",
    )
    return CancellationView.model_validate(stored)


@app.post(
    "/cs/cancellations/<cancellationId>/retry-refund",
    summary="Try a failed refund again",
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The cancellation, refunding again", 401, 403, 404, 409),
)
def retry_refund(cancellation_id: CancellationId) -> CancellationView:
    agent = _agent()
    return view_of(refund_retry.retry_refund(cancellation_id, agent.actor))


@http.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The group is checked before routing: a non-agent learns nothing, not even what is malformed.
    return http.serve(app, event, context, guards=[cs_agent_of])
