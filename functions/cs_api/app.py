"""CS console API: the review queue and the decisions only an agent (group ``cs``) may take.

A decision completes the task token the workflow stored for it; the token stays server-side.
A decision on a return that is not waiting for that decision answers 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service import refund, review
from returns_service.api import http
from returns_service.api.caller import Caller, cs_agent_of
from returns_service.api.models import (
    CsReturnView,
    CustomerReturnsPage,
    DamageReviewBody,
    QueuePage,
    ReviewBody,
)
from returns_service.models import ReturnStatus, ReturnView

ReturnId = Annotated[str, Path(alias="returnId", min_length=1, max_length=128)]
CustomerId = Annotated[str, Path(alias="customerId", min_length=1, max_length=128)]
PAGE_DEFAULT = 20
PAGE_MAX = 100

tracer = Tracer()
app = http.new_resolver()


def _agent() -> Caller:
    return cs_agent_of(app.current_event)


@app.get(
    "/cs/returns",
    summary="The queue of returns in a status, oldest first",
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "One page of the queue", 401, 403),
)
def queue(
    status: Annotated[ReturnStatus, Query(description="Which returns to list")] = ReturnStatus.PENDING_REVIEW,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX, description="Page size")] = PAGE_DEFAULT,
    next_token: Annotated[
        str | None, Query(alias="nextToken", min_length=1, max_length=2048, description="From the last page")
    ] = None,
) -> QueuePage:
    _agent()
    items, token = review.review_queue(status, limit, next_token)
    return QueuePage(items=items, nextToken=token)


@app.get(
    "/cs/customers/<customerId>/returns",
    summary="A customer's returns, newest first: how often they return",
    description=(
        "Every return of the customer, in any status, newest first and paginated like the queue."
        " The CS console counts them beside a return (a serial-returner signal)."
    ),
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "One page of the customer's returns", 401, 403),
)
def customer_returns(
    customer_id: CustomerId,
    limit: Annotated[int, Query(ge=1, le=PAGE_MAX, description="Page size")] = PAGE_DEFAULT,
    next_token: Annotated[
        str | None, Query(alias="nextToken", min_length=1, max_length=2048, description="From the last page")
    ] = None,
) -> CustomerReturnsPage:
    _agent()
    items, token = review.customer_returns(customer_id, limit, next_token)
    return CustomerReturnsPage(items=items, nextToken=token)


@app.get(
    "/cs/returns/<returnId>",
    summary="A return with its quote, history and the order",
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The return and its order", 401, 403, 404),
)
def get_return(return_id: ReturnId) -> CsReturnView:
    _agent()
    view, order = review.get_return_for_cs(return_id)
    return CsReturnView.model_validate({**dict(view), "order": order})


@app.post(
    "/cs/returns/<returnId>/review",
    summary="Approve or reject a return waiting for review",
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The return after the decision", 401, 403, 404, 409, 422),
)
def submit_review(return_id: ReturnId, body: ReviewBody) -> ReturnView:
    agent = _agent()
    return review.submit_review(
        return_id,
        body.decision,
        return_shipping_paid_by=body.returnShippingPaidBy,
        return_shipping_fee=body.returnShippingFee,
        note=body.note,
        actor=agent.actor,
    )


@app.post(
    "/cs/returns/<returnId>/damage-review",
    summary="Accept, deduct or reject goods received damaged",
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The return after the decision", 401, 403, 404, 409, 422),
)
def submit_damage_review(return_id: ReturnId, body: DamageReviewBody) -> ReturnView:
    agent = _agent()
    return review.submit_damage_review(
        return_id,
        body.decision,
        inspection_deduction=body.inspectionDeduction,
        note=body.note,
        actor=agent.actor,
    )


@app.post(
    "/cs/returns/<returnId>/retry-refund",
    summary="Try a failed refund again",
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "The return, refunding again", 401, 403, 404, 409),
)
def retry_refund(return_id: ReturnId) -> ReturnView:
    agent = _agent()
    return refund.retry_refund(return_id, agent.actor)


@http.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The group is checked before routing: a non-agent learns nothing, not even what is malformed.
    return http.serve(app, event, context, guards=[cs_agent_of])
