"""The engine's quote for a return, given the order and the refunds recorded before it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from returns_core import money
from returns_core.order import OrderSnapshot
from returns_core.refunds.models import (
    PreviousReturn,
    Quote,
    QuoteError,
    QuoteRequest,
    ReturnLine,
    ReturnSpec,
)
from returns_core.refunds.quote import quote


@dataclass(frozen=True)
class QuoteContext:
    """The order and its refund ledger's returns (the return being decided on left out)."""

    order: OrderSnapshot
    previous: Sequence[PreviousReturn] = ()


def lines_of(quantities: Mapping[str, int]) -> list[ReturnLine]:
    """``{lineId: quantity}`` as engine lines (zero quantities left out), in a stable order."""
    return [ReturnLine(lineId=line_id, quantity=q) for line_id, q in quantities.items() if q > 0]


def quote_lines(
    context: QuoteContext,
    lines: Sequence[ReturnLine],
    reason: str,
    *,
    return_shipping_fee: int = 0,
    inspection_deduction: int = 0,
) -> Quote:
    """Quote ``lines`` after every refund of the context (raises QuoteError, ValidationError)."""
    order = context.order
    request = QuoteRequest.model_validate(
        {
            "order": order,
            "previousReturns": list(context.previous),
            "return": ReturnSpec.model_validate(
                {
                    "lines": list(lines),
                    "reason": reason,
                    "returnShippingFee": money.format(return_shipping_fee, order.currency),
                    "inspectionDeduction": money.format(inspection_deduction, order.currency),
                }
            ),
        }
    )
    return quote(request)


def refusal(error: QuoteError | ValidationError) -> str:
    """Why the engine refused, in one line a caller can read."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = str(first.get("msg", "invalid"))
        return f"{where}: {message}" if where else message
    text = str(error)
    return text.splitlines()[0] if text else type(error).__name__
