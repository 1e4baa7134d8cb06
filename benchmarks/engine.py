"""Quotes per second of the refund engine: its cost must grow with lines and promotions, not quantities.

Orders of 5, 50 and 500 lines under four promotions (two percentages, one of them prorate, a
repeating threshold with a cap and a coupon), and one line of quantity 1, 10,000 and 1,000,000.
Each quote is made after an earlier merchant-fault return and for a customer-choice reason, so the
engine reprices what is kept (price, part and cost all run). Timed with ``time.perf_counter`` over
enough repetitions to fill ``MIN_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from returns_core import money
from returns_core.refunds.models import QuoteRequest
from returns_core.refunds.quote import quote

MIN_SECONDS = 0.3
MIN_REPEATS = 5
CURRENCY = "CNY"


@dataclass(frozen=True)
class Case:
    name: str
    request: dict[str, Any]


def _order(prices: list[int], quantities: list[int]) -> dict[str, Any]:
    """A valid CNY snapshot; the promotions nest (even/odd lines, then all) so the sum is plain arithmetic."""
    ids = [f"L{i + 1}" for i in range(len(prices))]
    amounts = [p * q for p, q in zip(prices, quantities, strict=True)]
    even, odd = sum(amounts[0::2]), sum(amounts[1::2])
    d_even = (even * 10 + 50) // 100  # 10% half-up
    d_odd = (odd * 15 + 50) // 100  # 15% half-up
    base = even + odd - d_even - d_odd
    cap = 50_000
    d_every = min((base // 10_000) * 1_000, cap, base)  # 每满100减10, at most 500.00
    base -= d_every
    d_coupon = min(3_000, base) if base >= 30_000 else 0  # 满300减30
    paid = base - d_coupon
    promotions: list[dict[str, Any]] = [
        {
            "promotionId": "P-EVEN-10",
            "kind": "percentage",
            "percent": "10",
            "lineIds": ids[0::2],
            "refundPolicy": "prorate",
        },
        {"promotionId": "P-ODD-15", "kind": "percentage", "percent": "15", "lineIds": ids[1::2]},
        {
            "promotionId": "P-EVERY-100-10",
            "kind": "threshold",
            "threshold": "100.00",
            "discount": "10.00",
            "repeat": True,
            "maxDiscount": money.format(cap, CURRENCY),
            "lineIds": ids,
        },
        {
            "promotionId": "C-300-30",
            "kind": "threshold",
            "threshold": "300.00",
            "discount": "30.00",
            "lineIds": ids,
        },
    ]
    if not ids[1::2]:
        promotions.pop(1)
    first = paid * 2 // 3
    return {
        "orderId": f"O-BENCH-{len(ids)}x{max(quantities)}",
        "customerId": "cust-bench",
        "version": 1,
        "currency": CURRENCY,
        "status": "DELIVERED",
        "lines": [
            {"lineId": i, "unitPrice": money.format(p, CURRENCY), "quantity": q}
            for i, p, q in zip(ids, prices, quantities, strict=True)
        ],
        "promotions": promotions,
        "shipping": {"fee": "10.00", "freeThreshold": "99.00", "charged": "0.00"},
        "payments": [
            {"paymentId": "PAY-1", "method": "card", "amount": money.format(first, CURRENCY)},
            {"paymentId": "PAY-2", "method": "gift_card", "amount": money.format(paid - first, CURRENCY)},
        ],
    }


def lines_case(count: int) -> Case:
    """``count`` lines of 1-3 units; one line went back for quality, three more go back now."""
    prices = [1_000 + (i * 7_919) % 40_000 for i in range(count)]
    quantities = [1 + i % 3 for i in range(count)]
    order = _order(prices, quantities)
    last = count - 1
    middle = count // 2
    previous = [{"lines": [{"lineId": "L2", "quantity": 1}], "reason": "quality_issue"}]
    wanted = {"L1": 1, f"L{middle + 1}": 1, f"L{last + 1}": quantities[last]}
    ret = {"lines": [{"lineId": k, "quantity": q} for k, q in wanted.items()], "reason": "size_or_fit"}
    return Case(f"{count} lines", {"order": order, "previousReturns": previous, "return": ret})


def quantity_case(quantity: int) -> Case:
    """One line of ``quantity`` units at 19.90; half of them (at least one) go back."""
    order = _order([1_990], [quantity])
    half = max(1, quantity // 2)
    ret = {"lines": [{"lineId": "L1", "quantity": half}], "reason": "no_longer_needed"}
    return Case(f"1 line, quantity {quantity:,}", {"order": order, "previousReturns": [], "return": ret})


def per_second(action: Callable[[], object]) -> float:
    """Calls of ``action`` per second, over at least MIN_REPEATS calls and MIN_SECONDS."""
    action()  # warm up
    repeats, started = 0, time.perf_counter()
    while True:
        action()
        repeats += 1
        elapsed = time.perf_counter() - started
        if repeats >= MIN_REPEATS and elapsed >= MIN_SECONDS:
            return repeats / elapsed


def measure(case: Case) -> tuple[float, float]:
    """(quotes/s of the engine on a validated request, quotes/s from JSON dict to quote JSON)."""
    request = QuoteRequest.model_validate(case.request)
    engine = per_second(lambda: quote(request))
    end_to_end = per_second(lambda: quote(QuoteRequest.model_validate(case.request)).to_json())
    return engine, end_to_end


def main() -> None:
    cases = [lines_case(5), lines_case(50), lines_case(500), quantity_case(1), quantity_case(10_000)]
    cases.append(quantity_case(1_000_000))
    print("refund engine: quotes per second (4 promotions, after an earlier return)")
    print(f"{'case':<28}{'quote()':>12}{'validate+quote+json':>22}{'µs/quote':>11}")
    for case in cases:
        engine, end_to_end = measure(case)
        print(f"{case.name:<28}{engine:>12,.0f}{end_to_end:>22,.0f}{1e6 / engine:>11,.0f}")


if __name__ == "__main__":
    main()
