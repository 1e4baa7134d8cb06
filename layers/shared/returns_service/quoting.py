"""The engine's quote for a stored return, with the order's refund ledger as its history."""

from __future__ import annotations

from collections.abc import Mapping

from returns_core import money
from returns_core.order import OrderSnapshot
from returns_core.refunds.models import Quote, QuoteRequest, ReturnLine, ReturnSpec
from returns_core.refunds.quote import quote
from returns_service.store.ledger import Ledger


def lines_of(quantities: Mapping[str, int]) -> list[ReturnLine]:
    """``{lineId: quantity}`` as engine lines (zero quantities left out), in a stable order."""
    return [ReturnLine(lineId=line_id, quantity=q) for line_id, q in quantities.items() if q > 0]


def quote_return(
    order: OrderSnapshot,
    ledger: Ledger,
    lines: list[ReturnLine],
    reason: str,
    *,
    return_shipping_fee: int = 0,
    inspection_deduction: int = 0,
    excluding: str | None = None,
) -> Quote:
    """Quote ``lines`` after every refund the ledger holds (raises QuoteError, ValidationError)."""
    request = QuoteRequest.model_validate(
        {
            "order": order,
            "previousReturns": ledger.previous_returns(excluding=excluding),
            "return": ReturnSpec.model_validate(
                {
                    "lines": lines,
                    "reason": reason,
                    "returnShippingFee": money.format(return_shipping_fee, order.currency),
                    "inspectionDeduction": money.format(inspection_deduction, order.currency),
                }
            ),
        }
    )
    return quote(request)
