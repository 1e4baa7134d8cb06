"""Request and response bodies of the HTTP API that ``returns_service.models`` does not already hold.

They are declared on the routes, so Powertools validates them and the OpenAPI document is generated
from them: the wire format and the docs cannot drift apart.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from returns_core.order import OrderSnapshot
from returns_core.refunds.models import ReturnLine
from returns_service.models import CreateReturn, QuoteRequestBody, ReceivedLine, ReturnView

# A decimal string without sign; whether its digits fit the order's currency is the operation's
# business (it knows the currency) and answers 422.
AMOUNT_PATTERN = r"^[0-9]{1,15}(\.[0-9]{1,4})?$"
NOTE_MAX = 2000
# The error type a control character gets; the API answers it with 422 (well-formed JSON, text
# the service will not store or pass on in its events).
CONTROL_CHARACTER = "control_character"
_ALLOWED_CONTROLS = frozenset("\n\t")


def _no_control_characters(text: str) -> str:
    for position, char in enumerate(text):
        if char not in _ALLOWED_CONTROLS and unicodedata.category(char) == "Cc":
            raise PydanticCustomError(
                CONTROL_CHARACTER,
                "control character U+{code} at position {position}: only newline and tab are allowed",
                {"code": f"{ord(char):04X}", "position": position},
            )
    return text


# Every free-text field a person types (reasons, notes, inspector, carrier): no control
# characters (Unicode category Cc: NUL, ESC, DEL, ...) except newline and tab.
FreeText = Annotated[str, AfterValidator(_no_control_characters)]


class _Body(BaseModel):
    # Strict: JSON types are not coerced ("1", 1.0 or true are not a quantity), unknown fields are
    # refused; both answer 400 naming the field.
    model_config = ConfigDict(defer_build=True, extra="forbid", strict=True)


# The shared request models validate leniently (they also read what the tables hold); the API takes
# the same shapes strictly. Subclasses, so the operations receive exactly the types they expect.


class ReturnLineRequest(ReturnLine):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True, strict=True)


class CreateReturnRequest(CreateReturn):
    """``POST /returns`` body."""

    model_config = ConfigDict(defer_build=True, extra="forbid", strict=True)

    lines: list[ReturnLineRequest] = Field(min_length=1, max_length=500)  # type: ignore[assignment]
    reasonDetail: FreeText = Field(default="", max_length=NOTE_MAX)


class ReturnQuoteRequest(QuoteRequestBody):
    """``POST /orders/{orderId}/return-quotes`` body."""

    model_config = ConfigDict(defer_build=True, extra="forbid", strict=True)

    lines: list[ReturnLineRequest] = Field(min_length=1, max_length=500)  # type: ignore[assignment]


class ReceivedLineRequest(ReceivedLine):
    model_config = ConfigDict(defer_build=True, extra="forbid", strict=True)


class ShipmentBody(_Body):
    """``POST /returns/{returnId}/shipment``: the customer's parcel."""

    carrier: FreeText = Field(min_length=1, max_length=100)
    trackingNumber: FreeText = Field(min_length=1, max_length=100)


class ProposalAnswerBody(_Body):
    """``POST /returns/{returnId}/proposal``: the customer's answer to what CS proposed."""

    decision: Literal["accept", "decline"]
    note: FreeText = Field(default="", max_length=NOTE_MAX)


class ReviewBody(_Body):
    """``POST /cs/returns/{returnId}/review``: CS decides a return waiting for review."""

    decision: Literal["approve", "reject"]
    returnShippingPaidBy: Literal["customer", "merchant"] = "merchant"
    returnShippingFee: str | None = Field(default=None, pattern=AMOUNT_PATTERN)
    note: FreeText = Field(default="", max_length=NOTE_MAX)


class DamageReviewBody(_Body):
    """``POST /cs/returns/{returnId}/damage-review``: CS decides on goods received damaged."""

    decision: Literal["accept", "deduct", "reject"]
    inspectionDeduction: str | None = Field(default=None, pattern=AMOUNT_PATTERN)
    note: FreeText = Field(default="", max_length=NOTE_MAX)


class ReceiptBody(_Body):
    """``POST /warehouse/returns/{returnId}/receipt``: what the warehouse found in the parcel."""

    lines: list[ReceivedLineRequest] = Field(min_length=1, max_length=500)
    inspector: FreeText = Field(min_length=1, max_length=200)
    note: FreeText = Field(default="", max_length=NOTE_MAX)


class ReturnList(_Body):
    """``GET /returns``: one page of the caller's returns, newest first; ``nextToken`` (opaque,
    signed, valid only for the same ``orderId``) asks for the next page, null on the last."""

    items: list[ReturnView]
    nextToken: str | None = None


class QueuePage(_Body):
    """``GET /cs/returns``: one page of the queue, oldest first; ``nextToken`` (opaque, signed,
    valid only for the same ``status``) asks for the next page, null on the last."""

    items: list[ReturnView]
    nextToken: str | None = None


class CustomerReturnsPage(_Body):
    """``GET /cs/customers/{customerId}/returns``: one page of a customer's returns, newest first."""

    items: list[ReturnView]
    nextToken: str | None = None


class SettlementItem(_Body):
    """A paid POP refund and its split (contract section 8): ``returnId`` or ``cancellationId``
    says what was refunded; amounts are signed (a negative ``sellerDebit`` is owed to the seller)."""

    refundId: str
    orderId: str
    returnId: str | None = Field(default=None, exclude_if=lambda value: value is None)
    cancellationId: str | None = Field(default=None, exclude_if=lambda value: value is None)
    currency: str
    refundAmount: str
    sellerDebit: str
    platformShare: str
    paidAt: str


class SettlementTotal(_Body):
    """What the seller and the platform bear over the whole period, in one currency."""

    currency: str
    sellerDebit: str
    platformShare: str


class SettlementsPage(_Body):
    """``GET /cs/sellers/{sellerId}/settlements``: one page of the seller's settlements in the
    order they were paid, and the totals of the whole period (every page, not this one), by
    currency in alphabetical order; ``nextToken`` (opaque, signed, valid only for the same seller
    and period) asks for the next page, null on the last."""

    items: list[SettlementItem]
    totals: list[SettlementTotal]
    nextToken: str | None = None


class CsReturnView(ReturnView):
    """``GET /cs/returns/{returnId}``: the return with its quote, history and the order."""

    order: OrderSnapshot


class ErrorInfo(BaseModel):
    """``code`` is stable for programs, ``message`` is for people; ``details`` say which fields
    (``{"location", "field", "issue"}`` for a malformed request)."""

    model_config = ConfigDict(defer_build=True)

    code: str
    message: str
    details: list[dict[str, Any]] = Field(default_factory=list)


class ErrorBody(BaseModel):
    """The contract's error body: ``{"error": {"code", "message", "details"}}``."""

    model_config = ConfigDict(defer_build=True)

    error: ErrorInfo


class GatewayUnauthorized(BaseModel):
    """API Gateway's own 401 when its JWT authorizer refuses the token (missing, expired, another
    issuer or audience, a bad signature): the function never runs. The `WWW-Authenticate`
    header says why: `Bearer error="invalid_token", error_description="..."`."""

    model_config = ConfigDict(defer_build=True, json_schema_extra={"examples": [{"message": "Unauthorized"}]})

    message: Literal["Unauthorized"]


# -- Return analytics (contract section 9) -----------------------------------------------------
class RefundedAmount(BaseModel):
    model_config = ConfigDict(defer_build=True)

    currency: str
    amount: str


class AnalyticsOverall(BaseModel):
    """The figures of the whole cohort. Rates are null only when nothing was sold."""

    model_config = ConfigDict(defer_build=True)

    unitsSold: int
    unitsReturned: int
    returnRate: str | None
    merchantFaultRate: str | None
    byReason: dict[str, int]
    refunded: list[RefundedAmount]
    medianHoursToRefund: str | None


class AnalyticsRow(BaseModel):
    """One brand / category / SKU / seller / reason of the cohort."""

    model_config = ConfigDict(defer_build=True)

    key: str
    unitsSold: int
    unitsReturned: int
    returnRate: str | None
    merchantFaultRate: str | None
    byReason: dict[str, int]
    refunded: list[RefundedAmount]
    medianHoursToRefund: str | None
    flagged: bool


class ReturnAnalytics(BaseModel):
    """``GET /cs/analytics/returns``: every row (no pagination), sorted by unitsReturned
    descending then key, and the overall figures."""

    model_config = ConfigDict(defer_build=True, populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    groupBy: str
    rows: list[AnalyticsRow]
    overall: AnalyticsOverall
