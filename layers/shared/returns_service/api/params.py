"""The path, header and query parameters the routes share: one definition each, so every route
validates an id or a page the same way and the OpenAPI document says it in the same words."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

# The creates' idempotency header (``api.idempotency``); here, not there, so that a function with no
# idempotent route does not import Powertools' idempotency utility for a constant.
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # printable ASCII, no spaces: what clients send as keys

ID_MAX = 128
PAGE_DEFAULT = 20
PAGE_MAX = 100

OrderId = Annotated[str, Path(alias="orderId", min_length=1, max_length=ID_MAX)]
ReturnId = Annotated[str, Path(alias="returnId", min_length=1, max_length=ID_MAX)]
CancellationId = Annotated[str, Path(alias="cancellationId", min_length=1, max_length=ID_MAX)]
CustomerId = Annotated[str, Path(alias="customerId", min_length=1, max_length=ID_MAX)]
SellerId = Annotated[str, Path(alias="sellerId", min_length=1, max_length=ID_MAX)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_HEADER,
        pattern=IDEMPOTENCY_KEY_PATTERN,
        description="A retry with the same key gets the first answer; the same key with another body, 422.",
    ),
]

# A page: how many items, and where the last page stopped (an opaque, signed token).
Limit = Annotated[int, Query(ge=1, le=PAGE_MAX, description="Page size")]
NextToken = Annotated[
    str | None,
    Query(alias="nextToken", min_length=1, max_length=2048, description="`nextToken` of the last page"),
]
