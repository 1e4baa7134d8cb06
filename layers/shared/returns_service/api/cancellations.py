"""Request and response bodies of the cancellation routes (contract section 7).

Strict like every body of the API (no coercion, unknown fields refused: 400 naming the field; a
control character in free text: 422). A reason that is a cancellation reason but not the caller's
to give (``out_of_stock`` from a customer) and an outcome a callback does not take are
well-formed: the rules answer 422.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from returns_core.lifecycle.cancellation import CancellationReason
from returns_core.order import OrderSnapshot
from returns_service.api.common import NOTE_MAX, FreeText, ReturnLineRequest
from returns_service.cancellations.views import CancellationView

LINES_MAX = 500


class _Body(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", strict=True)


class CancellationQuoteRequest(_Body):
    """``POST /orders/{orderId}/cancellation-quotes``; ``lines`` left out: every unit left."""

    lines: list[ReturnLineRequest] | None = Field(default=None, min_length=1, max_length=LINES_MAX)
    reason: CancellationReason


class CreateCancellationRequest(CancellationQuoteRequest):
    """``POST /orders/{orderId}/cancellations``; ``lines`` left out: every unit not yet cancelled
    or returned."""

    reasonDetail: FreeText = Field(default="", max_length=NOTE_MAX)


class CsCancellationRequest(_Body):
    """``POST /cs/orders/{orderId}/cancellations``: out of stock, on the customer's behalf."""

    lines: list[ReturnLineRequest] | None = Field(default=None, min_length=1, max_length=LINES_MAX)
    reason: CancellationReason
    note: FreeText = Field(default="", max_length=NOTE_MAX)


class OutcomeBody(_Body):
    """What fulfilment (``stopped`` / ``shipped``) or delivery (``intercepted`` / ``delivered``)
    answers on its signed URL."""

    outcome: str = Field(min_length=1, max_length=40)
    note: FreeText = Field(default="", max_length=NOTE_MAX)


class CancellationPage(_Body):
    """A page of cancellations; ``nextToken`` (opaque) asks for the next one."""

    items: list[CancellationView]
    nextToken: str | None = None


class CsCancellationView(CancellationView):
    """``GET /cs/cancellations/{cancellationId}``: the cancellation with the order."""

    order: OrderSnapshot
