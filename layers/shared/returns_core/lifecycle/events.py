"""Events a decision emits (contract section 6), with ids that never change.

An event's id is derived from the aggregate, the revision the change creates and the event's
place in that change. A revision is written once (every save is conditioned on the revision it
was decided on), so the id names one event for good: the outbox stores it with the change and
every redelivery of the stream record carries the same id, which is what consumers deduplicate on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

SOURCE = "shop.returns"

RETURN_REQUESTED = "Return Requested"
RETURN_APPROVED = "Return Approved"
RETURN_REJECTED = "Return Rejected"
RETURN_AWAITING_RECEIPT = "Return Awaiting Receipt"
RETURN_RECEIVED = "Return Received"
REFUND_ISSUED = "Refund Issued"
RETURN_CLOSED = "Return Closed"
RETURN_PROPOSAL_MADE = "Return Proposal Made"  # contract section 5a: notify the customer
RETURN_PROPOSAL_ANSWERED = "Return Proposal Answered"


def event_id(aggregate_id: str, revision: int, index: int) -> str:
    """``R-1A2B.4.0``: the first event of the change that made revision 4 of return R-1A2B."""
    return f"{aggregate_id}.{revision}.{index}"


@dataclass(frozen=True)
class DomainEvent:
    """One entry for the bus: ``detail`` already holds ``eventId`` and ``occurredAt``."""

    detail_type: str
    detail: Mapping[str, Any]
    source: str = SOURCE

    @property
    def event_id(self) -> str:
        return str(self.detail["eventId"])

    @property
    def occurred_at(self) -> str:
        return str(self.detail["occurredAt"])


T = TypeVar("T")


@dataclass(frozen=True)
class Change(Generic[T]):
    """What a decision wants stored: the aggregate before (the save is conditioned on it) and
    after, the events to write with it (outbox), and the units it gives back to the order."""

    before: T | None
    after: T
    events: tuple[DomainEvent, ...] = ()
    released: Mapping[str, int] = field(default_factory=dict)
