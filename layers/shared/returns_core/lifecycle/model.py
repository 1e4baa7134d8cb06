"""The return as a typed value: what is stored, what decisions read and produce.

Field names are the stored attribute names (camelCase, like the contract's JSON), so the
repository stores ``model_dump`` and loads with ``model_validate``. A return never changes in
place: a decision gives a new one (``model_copy``) with ``revision`` one higher.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from returns_core.lifecycle.statuses import ProposalKind, ReturnStatus, Wait
from returns_core.refunds.models import PaymentShare, Quote, Reason, ReturnLine, Settlement

POP = "POP"  # the order channel whose goods go back to the seller (contract section 8)

ReturnMethod = Literal["pickup", "dropoff", "ship_to_warehouse"]
Receiver = Literal["seller", "warehouse"]
Condition = Literal["intact", "damaged", "wrong_item"]
ShippingPayer = Literal["customer", "merchant"]


class _Model(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class HistoryEntry(_Model):
    at: str
    status: ReturnStatus
    actor: str
    note: str = ""


class GoodsLine(_Model):
    """What the order says a returned line is (for events: analytics groups by these)."""

    sku: str = ""
    title: str = ""
    brand: str = ""
    category: str = ""


class OrderFacts(_Model):
    """The order's facts a return carries from its creation, so closing it needs no order read."""

    channel: str
    sellerId: str = ""
    lines: dict[str, GoodsLine]


class Reservation(_Model):
    """The units held on the order for this return; settled (released but ``kept``) once it ends."""

    state: Literal["held", "settled"]
    lines: dict[str, int]
    kept: dict[str, int] = Field(default_factory=dict)


class WaitingTask(_Model):
    """The workflow's task token while it waits: kept here, never shown, used once."""

    token: str
    waitingFor: Wait
    since: str


class Review(_Model):
    decision: Literal["approve", "reject"]
    actor: str
    automatic: bool = False
    returnShippingPaidBy: ShippingPayer | None = None


class DamageReview(_Model):
    decision: Literal["accept", "deduct", "reject"]
    actor: str
    automatic: bool = False


class Proposal(_Model):
    """A cost CS put on the customer, waiting for their answer (contract section 5a).

    ``amount`` in minor units; ``quoteBefore`` is the quote the return had before it (what it
    goes back to when the customer declines or nobody answers a fee): kept, never shown."""

    kind: ProposalKind
    amount: int = Field(gt=0)
    note: str = ""
    expiresAt: str
    proposedBy: str
    at: str
    quoteBefore: Quote | None = None


class ReceivedLine(_Model):
    lineId: str = Field(min_length=1)
    quantity: int = Field(ge=0)
    condition: Condition


class Receipt(_Model):
    lines: list[ReceivedLine]
    inspector: str
    note: str = ""
    at: str
    takenAsReceived: bool = False
    """True when nobody recorded it: the seller's time limit took the goods as received intact."""


class PendingRefund(_Model):
    """A refund recorded on the order's ledger, not yet paid (the id is the provider's key)."""

    refundId: str
    refundAmount: str
    payments: list[PaymentShare]
    settlement: Settlement | None = None
    """A POP refund's split between the seller and the platform (its quote's); None on B2C."""


class Refund(PendingRefund):
    # Built at import, not deferred: the API's strict pages nest it, and a deferred model built
    # inside a strict one would validate strictly too (tests/api/test_model_builds.py).
    model_config = ConfigDict(defer_build=False)

    paidAt: str


class Shipment(_Model):
    carrier: str
    trackingNumber: str
    at: str


class Callback(_Model):
    expiresAt: str


class Return(_Model):
    returnId: str
    orderId: str
    customerId: str
    status: ReturnStatus
    lines: list[ReturnLine]
    reason: Reason
    reasonDetail: str = ""
    method: ReturnMethod
    currency: str
    createdAt: str
    updatedAt: str
    history: list[HistoryEntry]
    revision: int = Field(ge=1)
    order: OrderFacts
    reservation: Reservation
    quote: Quote | None = None
    task: WaitingTask | None = None
    review: Review | None = None
    returnShippingFee: int = 0
    inspectionDeduction: int = 0
    damageReview: DamageReview | None = None
    proposal: Proposal | None = None
    receipt: Receipt | None = None
    accepted: dict[str, int] | None = None
    pendingRefund: PendingRefund | None = None
    refund: Refund | None = None
    refundError: str | None = None
    shipment: Shipment | None = None
    callback: Callback | None = None
    heldForCs: bool = False
    closedAt: str | None = None

    @property
    def asked(self) -> dict[str, int]:
        """Units asked for, per line."""
        return {line.lineId: line.quantity for line in self.lines}

    @property
    def receiver(self) -> Receiver:
        """Who receives the goods: the seller on a POP order, a platform warehouse otherwise."""
        return "seller" if self.order.channel == POP else "warehouse"
