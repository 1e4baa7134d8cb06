"""Request and response bodies of the HTTP API that ``returns_service.models`` does not already hold.

They are declared on the routes, so Powertools validates them and the OpenAPI document is generated
from them: the wire format and the docs cannot drift apart.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from returns_core.order import OrderSnapshot
from returns_service.api.common import AMOUNT_PATTERN, NOTE_MAX, FreeText, ReturnLineRequest, StrictBody
from returns_service.models import CreateReturn, QuoteRequestBody, ReceivedLine, ReturnView

# The shared request models validate leniently (they also read what the tables hold); the API takes
# the same shapes strictly (``api.common``). Subclasses, so the operations receive exactly the types
# they expect.


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


class ShipmentBody(StrictBody):
    """``POST /returns/{returnId}/shipment``: the customer's parcel."""

    carrier: FreeText = Field(min_length=1, max_length=100)
    trackingNumber: FreeText = Field(min_length=1, max_length=100)


class ProposalAnswerBody(StrictBody):
    """``POST /returns/{returnId}/proposal``: the customer's answer to what CS proposed."""

    decision: Literal["accept", "decline"]
    note: FreeText = Field(default="", max_length=NOTE_MAX)


class ReviewBody(StrictBody):
    """``POST /cs/returns/{returnId}/review``: CS decides a return waiting for review."""

    decision: Literal["approve", "reject"]
    returnShippingPaidBy: Literal["customer", "merchant"] = "merchant"
    returnShippingFee: str | None = Field(default=None, pattern=AMOUNT_PATTERN)
    note: FreeText = Field(default="", max_length=NOTE_MAX)


class DamageReviewBody(StrictBody):
    """``POST /cs/returns/{returnId}/damage-review``: CS decides on goods received damaged."""

    decision: Literal["accept", "deduct", "reject"]
    inspectionDeduction: str | None = Field(default=None, pattern=AMOUNT_PATTERN)
    note: FreeText = Field(default="", max_length=NOTE_MAX)


class ReceiptBody(StrictBody):
    """``POST /warehouse/returns/{returnId}/receipt``: what the warehouse found in the parcel."""

    lines: list[ReceivedLineRequest] = Field(min_length=1, max_length=500)
    inspector: FreeText = Field(min_length=1, max_length=200)
    note: FreeText = Field(default="", max_length=NOTE_MAX)


class ReturnList(StrictBody):
    """``GET /returns``: one page of the caller's returns, newest first; ``nextToken`` (opaque,
    signed, valid only for the same ``orderId``) asks for the next page, null on the last."""

    items: list[ReturnView]
    nextToken: str | None = None


class QueuePage(StrictBody):
    """``GET /cs/returns``: one page of the queue, oldest first; ``nextToken`` (opaque, signed,
    valid only for the same ``status``) asks for the next page, null on the last."""

    items: list[ReturnView]
    nextToken: str | None = None


class CustomerReturnsPage(StrictBody):
    """``GET /cs/customers/{customerId}/returns``: one page of a customer's returns, newest first."""

    items: list[ReturnView]
    nextToken: str | None = None


class SettlementItem(StrictBody):
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


class SettlementTotal(StrictBody):
    """What the seller and the platform bear over the whole period, in one currency."""

    currency: str
    sellerDebit: str
    platformShare: str


class SettlementsPage(StrictBody):
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
