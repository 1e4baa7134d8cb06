"""A cancellation as the routes give it (contract section 7): ``{cancellationId, orderId,
customerId, status, lines, reason, reasonDetail, quote, refund, createdAt, updatedAt, history}``,
as a return is given (never the task token or the workflow's bookkeeping)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from returns_core.lifecycle.cancellation import (
    Cancellation,
    CancellationReason,
    CancellationStatus,
    HistoryEntry,
    Refund,
)
from returns_core.refunds.models import Quote, ReturnLine


class CancellationView(BaseModel):
    """A cancellation. ``quote`` is the latest (made at the request, made again when refunding);
    ``refund`` is null until paid (and stays null for an unpaid order's)."""

    model_config = ConfigDict(extra="forbid")

    cancellationId: str
    orderId: str
    customerId: str
    status: CancellationStatus
    lines: list[ReturnLine]
    reason: CancellationReason
    reasonDetail: str
    quote: Quote | None
    refund: Refund | None
    createdAt: str
    updatedAt: str
    history: list[HistoryEntry]


def view_of(c: Cancellation) -> CancellationView:
    return CancellationView(
        cancellationId=c.cancellationId,
        orderId=c.orderId,
        customerId=c.customerId,
        status=c.status,
        lines=c.lines,
        reason=c.reason,
        reasonDetail=c.reasonDetail,
        quote=c.quote,
        refund=c.refund,
        createdAt=c.createdAt,
        updatedAt=c.updatedAt,
        history=c.history,
    )
