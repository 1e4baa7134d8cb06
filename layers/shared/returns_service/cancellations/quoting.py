"""The engine's quote for cancelled units: the order's refund ledger (returns and cancellations,
in the order they were refunded) as ``previousReturns``, the units as a ``"kind": "cancellation"``.

An unpaid order is never sent to the engine (contract section 3): nothing was paid, so its quote
is the units at 0.00 and nothing to refund (on a POP order, a settlement of 0.00 each side).
"""

from __future__ import annotations

from collections.abc import Sequence

from returns_core import BadRequest, money, quote_request
from returns_core.order import OrderSnapshot
from returns_core.refunds.models import Quote, QuoteLine, ReturnLine, Settlement
from returns_service.store.ledger import Ledger

KIND = "cancellation"


def quote_cancellation(
    order: OrderSnapshot,
    ledger: Ledger,
    lines: Sequence[ReturnLine],
    reason: str,
    *,
    paid: bool,
    excluding: str | None = None,
) -> Quote:
    """What cancelling ``lines`` refunds after everything the ledger holds (BadRequest when the
    engine refuses); a zero quote for an unpaid order."""
    if not paid:
        zero = money.format(0, order.currency)
        return Quote(
            orderId=order.orderId,
            currency=order.currency,
            lines=[QuoteLine(lineId=line.lineId, quantity=line.quantity, paidAmount=zero) for line in lines],
            adjustments=[],
            refundAmount=zero,
            payments=[],
            settlement=(
                Settlement(sellerId=order.sellerId, sellerDebit=zero, platformShare=zero)
                if order.channel == "POP"
                else None
            ),
        )
    request = {
        "order": order,
        "previousReturns": ledger.previous_returns(excluding=excluding),
        "return": {"lines": [line.model_dump() for line in lines], "reason": reason, "kind": KIND},
    }
    return Quote.model_validate(quote_request(request))


__all__ = ["KIND", "BadRequest", "quote_cancellation"]
