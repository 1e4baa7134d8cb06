"""Quotes per second of the refund engine: its cost must grow with lines and promotions, not quantities.

Orders of 5, 50 and 500 lines under four promotions (two percentages, one of them prorate, a
repeating threshold with a cap and a coupon), 50 lines under 12 and 32 promotions, and one line of
quantity 1, 10,000 and 1,000,000.
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


def _order(prices: list[int], quantities: list[int], groups: int = 2) -> dict[str, Any]:
    """A valid CNY snapshot under ``groups + 2`` promotions, nested so its sum is plain arithmetic.

    Line ``i`` is in percentage promotion ``i % groups`` ((10 + g)% off, every other one prorate);
    then 每满100减10 (capped at 500.00) and 满300减30 apply to all lines.
    """
    ids = [f"L{i + 1}" for i in range(len(prices))]
    amounts = [p * q for p, q in zip(prices, quantities, strict=True)]
    promotions: list[dict[str, Any]] = []
    base = 0
    for g in range(min(groups, len(ids))):
        group = sum(amounts[g::groups])
        percent = 10 + g
        base += group - (group * percent + 50) // 100  # percent off, half-up
        promotion = {
            "promotionId": f"P-G{g}",
            "kind": "percentage",
            "percent": str(percent),
            "lineIds": ids[g::groups],
        }
        if g % 2 == 0:
            promotion["refundPolicy"] = "prorate"
        promotions.append(promotion)
    cap = 50_000
    base -= min((base // 10_000) * 1_000, cap, base)
    paid = base - (min(3_000, base) if base >= 30_000 else 0)
    every = {"kind": "threshold", "threshold": "100.00", "discount": "10.00", "repeat": True}
    promotions.append({"promotionId": "P-EVERY-100-10", **every, "maxDiscount": money.format(cap, CURRENCY)})
    promotions.append(
        {"promotionId": "C-300-30", "kind": "threshold", "threshold": "300.00", "discount": "30.00"}
    )
    promotions[-2]["lineIds"] = promotions[-1]["lineIds"] = ids
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


def lines_case(count: int, groups: int = 2) -> Case:
    """``count`` lines of 1-3 units; one line went back for quality, three more go back now."""
    prices = [1_000 + (i * 7_919) % 40_000 for i in range(count)]
    quantities = [1 + i % 3 for i in range(count)]
    order = _order(prices, quantities, groups)
    last = count - 1
    middle = count // 2
    previous = [{"lines": [{"lineId": "L2", "quantity": 1}], "reason": "quality_issue"}]
    wanted = {"L1": 1, f"L{middle + 1}": 1, f"L{last + 1}": quantities[last]}
    ret = {"lines": [{"lineId": k, "quantity": q} for k, q in wanted.items()], "reason": "size_or_fit"}
    return Case(
        f"{count} lines, {len(order['promotions'])} promotions",
        {"order": order, "previousReturns": previous, "return": ret},
    )


def quantity_case(quantity: int) -> Case:
    """A line of ``quantity`` units at 19.90 beside one kept unit; half the line (at least one) goes back.

    The kept line makes every case re-price something kept, so quantity is the only difference.
    """
    order = _order([1_990, 1_990], [quantity, 1])
    half = max(1, quantity // 2)
    ret = {"lines": [{"lineId": "L1", "quantity": half}], "reason": "no_longer_needed"}
    return Case(
        f"a line of quantity {quantity:,} (+1 kept)", {"order": order, "previousReturns": [], "return": ret}
    )


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
    cases = [
        lines_case(5),
        lines_case(50),
        lines_case(500),
        lines_case(50, groups=10),
        lines_case(50, groups=30),
    ]
    cases += [quantity_case(1), quantity_case(10_000), quantity_case(1_000_000)]
    print("refund engine: quotes per second (customer-choice return after a merchant-fault one)")
    print(f"{'case':<44}{'quote()':>10}{'validate+quote+json':>22}{'µs/quote':>11}")
    for case in cases:
        engine, end_to_end = measure(case)
        print(f"{case.name:<44}{engine:>10,.0f}{end_to_end:>22,.0f}{1e6 / engine:>11,.0f}")


if __name__ == "__main__":
    main()
