"""The JSON shapes of contract section 4 that the API returns and the operations work with."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from returns_core.refunds.models import Quote, Reason, ReturnLine

ReturnStatus = Literal[
    "REQUESTED",
    "PENDING_REVIEW",
    "AWAITING_RECEIPT",
    "PENDING_DAMAGE_REVIEW",
    "REFUNDING",
    "REFUNDED",
    "REJECTED",
    "CANCELLED",
    "EXPIRED",
    "RETURNED_TO_CUSTOMER",
    "REFUND_FAILED",
]
FINAL_STATUSES: frozenset[str] = frozenset(
    {"REFUNDED", "REJECTED", "CANCELLED", "EXPIRED", "RETURNED_TO_CUSTOMER"}
)
ReturnMethod = Literal["pickup", "dropoff", "ship_to_warehouse"]
Condition = Literal["intact", "damaged", "wrong_item"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateReturn(_Model):
    """``POST /returns`` body."""

    orderId: str = Field(min_length=1, max_length=128)
    lines: list[ReturnLine] = Field(min_length=1, max_length=500)
    reason: Reason
    reasonDetail: str = Field(default="", max_length=2000)
    method: ReturnMethod


class QuoteRequestBody(_Model):
    """``POST /orders/{orderId}/return-quotes`` body."""

    lines: list[ReturnLine] = Field(min_length=1, max_length=500)
    reason: Reason


class ReceivedLine(_Model):
    lineId: str = Field(min_length=1)
    quantity: int = Field(ge=0)
    condition: Condition


class HistoryEntry(_Model):
    at: str
    status: ReturnStatus
    actor: str
    note: str = ""


class Shipment(_Model):
    carrier: str
    trackingNumber: str
    at: str


class RefundView(_Model):
    refundId: str
    refundAmount: str
    payments: list[dict[str, str]]
    paidAt: str


class ReturnView(_Model):
    """A return as every route gives it (contract section 4)."""

    returnId: str
    orderId: str
    customerId: str
    status: ReturnStatus
    lines: list[ReturnLine]
    reason: Reason
    reasonDetail: str
    method: ReturnMethod
    quote: Quote | None
    refund: RefundView | None
    createdAt: str
    updatedAt: str
    history: list[HistoryEntry]
    shipment: Shipment | None = None
