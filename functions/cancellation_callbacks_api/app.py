"""Fulfilment's and delivery's answers to a cancellation. No JWT: the signed URL handed out in the
``Cancellation Requested`` / ``Interception Requested`` event is the credential (HMAC-SHA256 over
the path, so which cancellation and which answer, and the expiry).

The signature is checked before anything else: without a valid URL a caller gets 403 and learns
nothing more (not whether the cancellation exists, not what a valid body looks like).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.lifecycle.cancellation import Wait
from returns_service.api import http
from returns_service.api.cancellations import OutcomeBody
from returns_service.api.params import CancellationId
from returns_service.cancellations import callbacks
from returns_service.cancellations.views import CancellationView
from returns_service.errors import Forbidden

PATHS = {
    Wait.FULFILMENT: re.compile(r"^/fulfilment/cancellations/(?P<id>[^/]+)/outcome/?$"),
    Wait.INTERCEPTION: re.compile(r"^/delivery/cancellations/(?P<id>[^/]+)/interception/?$"),
}
Expires = Annotated[str, Query(description="Expiry of the signed URL (part of the signature)")]
Signature = Annotated[str, Query(description="HMAC-SHA256 signature of the URL")]

app = http.new_resolver()


@app.post(
    "/fulfilment/cancellations/<cancellationId>/outcome",
    summary="Fulfilment's answer: stopped or shipped (signed URL from the Cancellation Requested event)",
    tags=["callbacks"],
    responses=http.responses(200, "The cancellation after the answer", 403, 404, 409, 422),
)
def fulfilment_outcome(
    cancellation_id: CancellationId, body: OutcomeBody, expires: Expires, signature: Signature
) -> CancellationView:
    # `expires` and `signature` were verified by the guard; declared here for the OpenAPI document.
    return callbacks.answer(cancellation_id, Wait.FULFILMENT, body.outcome, body.note)


@app.post(
    "/delivery/cancellations/<cancellationId>/interception",
    summary="Delivery's answer: intercepted or delivered (signed URL from the Interception Requested event)",
    tags=["callbacks"],
    responses=http.responses(200, "The cancellation after the answer", 403, 404, 409, 422),
)
def interception_outcome(
    cancellation_id: CancellationId, body: OutcomeBody, expires: Expires, signature: Signature
) -> CancellationView:
    return callbacks.answer(cancellation_id, Wait.INTERCEPTION, body.outcome, body.note)


def verify_signature(event: APIGatewayProxyEventV2) -> None:
    """The guard: a missing, forged or expired signature is 403, whatever the rest says."""
    cancellation_id = (event.path_parameters or {}).get("cancellationId")
    waiting = next((w for w, pattern in PATHS.items() if pattern.match(event.path or "")), None)
    if cancellation_id is None and waiting is not None:
        match = PATHS[waiting].match(event.path)
        cancellation_id = match.group("id") if match else None
    query = event.query_string_parameters or {}
    expires, signature = query.get("expires"), query.get("signature")
    if waiting is None or not cancellation_id or not expires or not signature:
        raise Forbidden("This URL is not signed; use the callback URL of the event that asked you.")
    callbacks.verify(callbacks.path_for(waiting, cancellation_id), expires, signature)


@http.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.serve(app, event, context, guards=[verify_signature])
