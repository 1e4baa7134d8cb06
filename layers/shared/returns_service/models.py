"""The JSON shapes of contract section 4 that the API returns and the operations work with."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from returns_core.lifecycle.model import Condition, ReceivedLine, ReturnMethod
from returns_core.lifecycle.statuses import ProposalKind, ReturnStatus
from returns_core.refunds.models import Quote, Reason, ReturnLine, Settlement

# The statuses, methods and conditions are the lifecycle's (returns_core.lifecycle): one definition.
__all__ = ["Condition", "ReceivedLine", "ReturnMethod", "ReturnStatus"]


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


class HistoryEntry(_Model):
    at: str
    status: ReturnStatus
    actor: str
    note: str = ""


class Shipment(_Model):
    carrier: str
    trackingNumber: str
    at: str


class ProposalView(_Model):
    """What CS proposed and the customer has to accept or decline (contract section 5a)."""

    kind: ProposalKind
    amount: str
    note: str
    expiresAt: str


class RefundView(_Model):
    refundId: str
    refundAmount: str
    payments: list[dict[str, str]]
    paidAt: str
    settlement: Settlement | None = None
    """A POP refund's split between the seller and the platform (contract section 8); null on B2C."""


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
    proposal: ProposalView | None = None  # null when nothing waits for the customer
