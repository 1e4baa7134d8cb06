"""The quote request and the quote (contract section 3), as the outside world writes them."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from returns_core.order import OrderSnapshot

Reason = Literal[
    "quality_issue",
    "not_as_described",
    "wrong_item",
    "damaged_in_transit",
    "no_longer_needed",
    "size_or_fit",
    "other",
]
"""A return's reason (contract section 2)."""
CancellationReason = Literal["no_longer_needed", "other", "out_of_stock"]
"""A cancellation's reason (contract section 7); ``out_of_stock`` only CS gives."""
AnyReason = Literal[
    "quality_issue",
    "not_as_described",
    "wrong_item",
    "damaged_in_transit",
    "no_longer_needed",
    "size_or_fit",
    "other",
    "out_of_stock",
]
"""A reason the engine takes: a return's or a cancellation's, checked against its kind."""
Kind = Literal["return", "cancellation"]

MERCHANT_FAULT_REASONS: frozenset[str] = frozenset(
    {"quality_issue", "not_as_described", "wrong_item", "damaged_in_transit", "out_of_stock"}
)
RETURN_REASONS: frozenset[str] = frozenset(get_args(Reason))
CANCELLATION_REASONS: frozenset[str] = frozenset(get_args(CancellationReason))


def is_merchant_fault(reason: str) -> bool:
    """Merchant-fault returns and cancellations never cost the customer a promotion."""
    return reason in MERCHANT_FAULT_REASONS


AdjustmentKind = Literal[
    "promotion_clawback",
    "shipping_clawback",
    "shipping_refund",
    "return_shipping_fee",
    "inspection_deduction",
    "prior_shortfall",
    "prior_balance",
    "shortfall_carried",
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ReturnLine(_Model):
    lineId: str = Field(min_length=1)
    quantity: int = Field(ge=1)


class PreviousReturn(_Model):
    """An earlier return or cancellation of the order: its units, reason, fees and what it refunded.

    ``refunded`` may be left out: it is then what the engine itself gives for that return.
    """

    lines: list[ReturnLine] = Field(min_length=1)
    reason: AnyReason
    kind: Kind = "return"
    fees: str | None = None
    refunded: str | None = None


class ReturnSpec(_Model):
    """The return (or cancellation: ``kind``) being quoted."""

    lines: list[ReturnLine] = Field(min_length=1)
    reason: AnyReason
    kind: Kind = "return"
    returnShippingFee: str | None = None
    inspectionDeduction: str | None = None


class QuoteRequest(_Model):
    order: OrderSnapshot
    previousReturns: list[PreviousReturn] = Field(default_factory=list)
    return_: ReturnSpec = Field(alias="return")


class QuoteLine(_Model):
    lineId: str
    quantity: int
    paidAmount: str


class Adjustment(_Model):
    kind: AdjustmentKind
    amount: str
    description: str
    # Only promotion adjustments carry it (contract section 3): left out, not null, elsewhere.
    promotionId: str | None = Field(default=None, exclude_if=lambda value: value is None)


class PaymentShare(_Model):
    paymentId: str
    amount: str


class Settlement(_Model):
    """How a POP refund splits between the seller and the platform (contract section 8).

    Both signed, and ``sellerDebit + platformShare = refundAmount``: a negative ``sellerDebit``
    is owed to the seller, a negative ``platformShare`` is what the platform takes back.
    """

    sellerId: str
    sellerDebit: str
    platformShare: str


class Quote(_Model):
    """What a return refunds and why: lines plus adjustments add up to ``refundAmount``."""

    orderId: str
    currency: str
    lines: list[QuoteLine]
    adjustments: list[Adjustment]
    refundAmount: str
    payments: list[PaymentShare]
    settlement: Settlement | None = None
    """The seller's and the platform's parts of a POP refund; None on a B2C order."""

    def to_json(self) -> dict[str, object]:
        """The contract's JSON (``promotionId`` only on promotion adjustments, ``settlement`` null on B2C)."""
        return self.model_dump(mode="json")

    @property
    def carries_shortfall(self) -> bool:
        """True when this return leaves a shortfall for a later one: never auto-approved."""
        return any(a.kind == "shortfall_carried" for a in self.adjustments)


class BadRequest(ValueError):
    """A request the engine refuses; the message says what is wrong, in one line."""


QuoteError = BadRequest
"""The name the service code catches it by."""
