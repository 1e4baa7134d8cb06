"""Warehouse API: the receipt callback, for a platform warehouse or, on a POP order, the seller
(``receivedBy`` in the event says which). No JWT: the signed URL handed out in the
``Return Awaiting Receipt`` event is the credential (HMAC-SHA256 over return id and expiry).

The signature is checked before anything else, so a caller without a valid URL gets 403 and
learns nothing more (not whether the return exists, not what a valid body looks like).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service import receipt
from returns_service.api import http
from returns_service.api.models import ReceiptBody
from returns_service.errors import Forbidden
from returns_service.models import ReturnView

RECEIPT_PATH = re.compile(r"^/warehouse/returns/(?P<returnId>[^/]+)/receipt/?$")

app = http.new_resolver()


@app.post(
    "/warehouse/returns/<returnId>/receipt",
    summary="Record what the warehouse (or, on a POP order, the seller) received",
    description=(
        "The signed URL of the `Return Awaiting Receipt` event, posted by whoever it names in"
        " `receivedBy`: a platform warehouse, or the seller of a POP order (contract section 8)."
        " On a POP return whose parcel the customer registered, a seller who posts nothing within"
        " `SellerReceiptTimeoutSeconds` is taken to have received everything intact; a receipt"
        " after that is 409."
    ),
    tags=["warehouse"],
    responses=http.responses(200, "The return after the receipt", 403, 404, 409, 422),
)
def record_receipt(
    return_id: Annotated[str, Path(alias="returnId", min_length=1, max_length=128)],
    body: ReceiptBody,
    expires: Annotated[str, Query(description="Expiry of the signed URL (part of the signature)")],
    signature: Annotated[str, Query(description="HMAC-SHA256 signature of the URL")],
) -> ReturnView:
    # `expires` and `signature` were verified by the guard; declared here for the OpenAPI document.
    return receipt.record_receipt(return_id, body.lines, body.inspector, body.note)


def verify_signature(event: APIGatewayProxyEventV2) -> None:
    """The guard: a missing, forged or expired signature is 403, whatever the rest says."""
    return_id = (event.path_parameters or {}).get("returnId")
    if not return_id:
        match = RECEIPT_PATH.match(event.path)
        return_id = match.group("returnId") if match else None
    query = event.query_string_parameters or {}
    expires, signature = query.get("expires"), query.get("signature")
    if not return_id or not expires or not signature:
        raise Forbidden("This URL is not signed; use the callback URL of the Return Awaiting Receipt event.")
    receipt.verify_callback(return_id, expires, signature)


@http.logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return http.serve(app, event, context, guards=[verify_signature])
