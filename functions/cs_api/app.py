"""CS console API: the review queue and the decisions only an agent (group ``cs``) may take.

A decision completes the task token the workflow stored for it; the token stays server-side.
A decision on a return that is not waiting for that decision answers 409.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service import analytics, refund, review, settlements
from returns_service.analytics.query import GROUP_BYS, PeriodError, Request
from returns_service.analytics.report import to_csv
from returns_service.api import http
from returns_service.api.caller import Caller, cs_agent_of
from returns_service.api.models import (
    CsReturnView,
    CustomerReturnsPage,
    DamageReviewBody,
    QueuePage,
    ReturnAnalytics,
    ReviewBody,
    SettlementsPage,
)
from returns_service.api.params import PAGE_DEFAULT, CustomerId, Limit, NextToken, ReturnId, SellerId
from returns_service.errors import BadRequest, Unprocessable
from returns_service.models import ReturnStatus, ReturnView

Day = "a UTC date, YYYY-MM-DD"

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
    limit: Limit = PAGE_DEFAULT,
    next_token: NextToken = None,
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
    limit: Limit = PAGE_DEFAULT,
    next_token: NextToken = None,
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


DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
CSV = "text/csv"
_ANALYTICS_RESPONSES = http.responses(200, "The figures of the cohort", 401, 403, 422)
_ANALYTICS_RESPONSES[200]["content"] = {
    content_types.APPLICATION_JSON: {"model": ReturnAnalytics},
    CSV: {"schema": {"type": "string", "description": "The rows as CSV (Accept: text/csv)"}},
}


@app.get(
    "/cs/analytics/returns",
    summary="Return analytics: which goods come back too often, and why",
    description=(
        "The orders delivered in the period (UTC dates, both included), grouped by brand, category,"
        " sku, sellerId or reason: units sold and returned, rates, units by reason, refunds, the"
        " median hours to refund and the flag (contract section 9). JSON, or the rows as CSV with"
        " Accept: text/csv."
    ),
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=_ANALYTICS_RESPONSES,
    # gzip when the client accepts it: groupBy=sku over a month passes Lambda's 6 MB response
    # limit at about 24,000 SKUs as text, at several times that compressed (docs/ANALYTICS.md).
    compress=True,
)
def return_analytics(
    start: Annotated[str, Query(alias="from", pattern=DATE_PATTERN, description="First delivery date (UTC)")],
    end: Annotated[
        str, Query(alias="to", pattern=DATE_PATTERN, description="Last delivery date (UTC), included")
    ],
    group_by: Annotated[str, Query(alias="groupBy", description=f"One of {', '.join(GROUP_BYS)}")],
) -> Response[ReturnAnalytics | str]:
    _agent()
    try:
        request = Request.of(start, end, group_by)
    except PeriodError as refused:
        details = [{"location": "query", "field": refused.field, "issue": str(refused)}]
        raise (BadRequest if refused.malformed else Unprocessable)(str(refused), details) from None
    report = analytics.returns_report(request)
    if _wants_csv(app.current_event.headers.get("accept", "")):
        name = f"returns-{request.start}-{request.end}-{request.group_by}.csv"
        return Response(
            status_code=200,
            content_type=f"{CSV}; charset=utf-8",
            body=to_csv(report),
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=ReturnAnalytics.model_validate(report),
    )


def _wants_csv(accept: str) -> bool:
    """CSV when the Accept header prefers text/csv to JSON (q-values honoured; JSON by default)."""
    best = {CSV: 0.0, content_types.APPLICATION_JSON: 0.0}
    for part in accept.split(","):
        media, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media.lower() in best:
            best[media.lower()] = max(best[media.lower()], quality)
    return best[CSV] > best[content_types.APPLICATION_JSON]


@app.get(
    "/cs/sellers/<sellerId>/settlements",
    summary="A seller's settlements: what each POP refund of a period cost the seller",
    description=(
        "Every POP refund (of a return or a cancellation) paid within the period, oldest first and"
        " paginated, with the seller's and the platform's parts (contract section 8), and the"
        " period's totals per currency (the whole period on every page). `from` and `to` are UTC"
        " dates, both included: 400 for a malformed date, 422 when `from` is after `to` or the"
        " period is over 366 days."
    ),
    tags=["cs"],
    security=http.JWT_SECURITY,
    responses=http.responses(200, "One page of the settlements and the period's totals", 400, 401, 403, 422),
)
def seller_settlements(
    seller_id: SellerId,
    start: Annotated[str, Query(alias="from", pattern=DATE_PATTERN, description=f"First day paid: {Day}")],
    end: Annotated[
        str, Query(alias="to", pattern=DATE_PATTERN, description=f"Last day paid, included: {Day}")
    ],
    limit: Limit = PAGE_DEFAULT,
    next_token: NextToken = None,
) -> SettlementsPage:
    _agent()
    return settlements.seller_settlements(seller_id, start, end, limit, next_token)


@http.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # The group is checked before routing: a non-agent learns nothing, not even what is malformed.
    return http.serve(app, event, context, guards=[cs_agent_of])
