"""The refund engine against a unit-by-unit model of the same rules, in one process, taking turns.

``returns_core.quote_request`` (request dict in, quote dict out: validation, allocation, pricing,
adjustments, JSON) is timed against ``tests.unit.quote_model.model_quote``, which answers the same
dict unit by unit straight from the contract (tests/unit/refund_model.py). Before any timing every
request's two answers are compared (the engine's without its descriptions): the model is the
reference, so a faster engine is only counted when it is right.

Cases: random orders of 5, 50 and 500 lines (1-5 units each, prices 1.00-400.00, two percentage
promotions, one of them prorate, a capped 每满100减10 and a 满300减30 over random lines, shipping
free from a threshold, two payments; half of them marketplace (POP) orders with the coupon
funded by the platform, so the quote holds a settlement), each quoted for a customer-choice
return of a few lines after a merchant-fault return and a customer-choice one (so E before, E
after and the refund of an earlier return all run); and a line of quantity 1, 10,000 and
1,000,000 beside a kept unit.

How it is timed: ``ROUNDS`` rounds; in each, the engine answers every request of the case, then
the model does (which goes first alternates between rounds), each pass repeated until it fills
``MIN_SECONDS`` of this process's CPU time (``time.process_time``: the machine is shared, and
waiting for a core is not the engine's time; the wall time of the same passes is printed beside
it). The ratio is the median model CPU time over the median engine CPU time per request. The
million-unit case is given to the model once (it takes seconds).
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from returns_core import quote_request
from tests.unit.quote_model import model_quote, without_descriptions
from tests.unit.refund_model import snapshot, to_minor

ROUNDS = 5
MIN_SECONDS = 0.2
REQUESTS_PER_CASE = 6
SEED = 14
GOALS = {50: 5.0, 500: 10.0}


@dataclass(frozen=True)
class Case:
    name: str
    requests: list[dict[str, Any]]
    model_rounds: int = ROUNDS


def random_order(rng: random.Random, count: int) -> dict[str, Any]:
    """A valid CNY snapshot of ``count`` random lines under four promotions over random lines."""
    ids = [f"L{i + 1}" for i in range(count)]
    lines = [(rng.randint(100, 40_000), rng.randint(1, 5), True) for _ in range(count)]

    def some(share: float) -> list[str]:
        return sorted(rng.sample(ids, max(1, round(count * share))), key=ids.index)

    promotions: list[dict[str, Any]] = [
        {"promotionId": "P-PCT-10", "kind": "percentage", "percent": "10", "lineIds": some(0.5)},
        {"promotionId": "P-PCT-12.5", "kind": "percentage", "percent": "12.5", "lineIds": some(0.3)},
        {
            "promotionId": "P-EVERY-100-10",
            "kind": "threshold",
            "threshold": "100.00",
            "discount": "10.00",
            "repeat": True,
            "maxDiscount": "500.00",
            "lineIds": ids,
        },
        {"promotionId": "C-300-30", "kind": "threshold", "threshold": "300.00", "discount": "30.00"},
    ]
    promotions[0]["refundPolicy"] = "prorate"
    promotions[3]["lineIds"] = some(0.8)
    total = sum(price * qty for price, qty, _ in lines)
    order = snapshot("CNY", lines, promotions, fee=1_000, free_threshold=total * 3 // 5)
    paid = to_minor(order["payments"][0]["amount"], 2)
    order = snapshot(
        "CNY", lines, promotions, fee=1_000, free_threshold=total * 3 // 5, payment_cuts=[paid // 3]
    )
    order["orderId"] = f"O-BENCH-{count}"
    if rng.random() < 0.5:  # a marketplace order: the quote splits the refund (section 8)
        order.update(channel="POP", sellerId="seller-bench")
        order["promotions"][3]["fundedBy"] = "platform"
    return order


def random_request(rng: random.Random, count: int) -> dict[str, Any]:
    """A random order, two earlier returns (merchant fault, then customer choice) and this one."""
    order = random_order(rng, count)
    left = {line["lineId"]: line["quantity"] for line in order["lines"]}
    share = max(1, count // 10)

    def take() -> list[dict[str, Any]]:
        chosen = rng.sample([k for k, q in left.items() if q], share)
        taken = []
        for line_id in sorted(chosen, key=lambda k: int(k[1:])):
            qty = rng.randint(1, left[line_id])
            left[line_id] -= qty
            taken.append({"lineId": line_id, "quantity": qty})
        return taken

    previous = [
        {"lines": take(), "reason": "quality_issue"},
        {"lines": take(), "reason": "no_longer_needed"},
    ]
    ret = {"lines": take(), "reason": "size_or_fit"}
    return {"order": order, "previousReturns": previous, "return": ret}


def quantity_request(quantity: int) -> dict[str, Any]:
    """A line of ``quantity`` units at 19.90 beside one kept unit, under the four promotions'
    kinds; half the line (at least one unit) goes back for no_longer_needed."""
    promotions: list[dict[str, Any]] = [
        {
            "promotionId": "P-PCT",
            "kind": "percentage",
            "percent": "12.5",
            "lineIds": ["L1"],
            "refundPolicy": "prorate",
        },
        {
            "promotionId": "P-EVERY",
            "kind": "threshold",
            "threshold": "100.00",
            "discount": "10.00",
            "repeat": True,
        },
        {"promotionId": "C-300-30", "kind": "threshold", "threshold": "300.00", "discount": "30.00"},
    ]
    promotions[1]["lineIds"] = promotions[2]["lineIds"] = ["L1", "L2"]
    promotions[1]["maxDiscount"] = "500.00"
    order = snapshot(
        "CNY", [(1_990, quantity, True), (1_990, 1, True)], promotions, fee=1_000, free_threshold=9_900
    )
    half = max(1, quantity // 2)
    return {
        "order": order,
        "previousReturns": [],
        "return": {"lines": [{"lineId": "L1", "quantity": half}], "reason": "no_longer_needed"},
    }


def cases() -> list[Case]:
    rng = random.Random(SEED)
    found = [
        Case(f"{count} lines, random", [random_request(rng, count) for _ in range(REQUESTS_PER_CASE)])
        for count in (5, 50, 500)
    ]
    found += [
        Case(
            f"quantity {quantity:,} (+1 kept)",
            [quantity_request(quantity)],
            1 if quantity > 10_000 else ROUNDS,
        )
        for quantity in (1, 10_000, 1_000_000)
    ]
    return found


def check(case: Case) -> None:
    """The engine answers every request of the case as the model does."""
    for request in case.requests:
        engine, model = without_descriptions(quote_request(request)), model_quote(request)
        if engine != model:
            raise AssertionError(f"{case.name}: the engine and the model disagree\n{engine}\n{model}")


def seconds_per_pass(action: Callable[[], object], min_seconds: float) -> tuple[float, float]:
    """CPU and wall seconds per call of ``action``, over as many calls as fill ``min_seconds`` of CPU."""
    calls, started, wall = 0, time.process_time(), time.perf_counter()
    while True:
        action()
        calls += 1
        elapsed = time.process_time() - started
        if elapsed >= min_seconds:
            return elapsed / calls, (time.perf_counter() - wall) / calls


@dataclass(frozen=True)
class Timing:
    """Median seconds per request, CPU (process time) and wall, of the engine and of the model."""

    engine: float
    model: float
    engine_wall: float
    model_wall: float


def measure(case: Case) -> Timing:
    """Median seconds per request of the engine and of the model, in interleaved rounds."""

    def engine() -> None:
        for request in case.requests:
            quote_request(request)

    def model() -> None:
        for request in case.requests:
            model_quote(request)

    engine_times: list[tuple[float, float]] = []
    model_times: list[tuple[float, float]] = []
    for round_ in range(ROUNDS):
        turns = [(engine, engine_times), (model, model_times)]
        if round_ % 2:
            turns.reverse()
        for action, times in turns:
            if times is model_times and len(model_times) >= case.model_rounds:
                continue
            cpu, wall = seconds_per_pass(action, MIN_SECONDS)
            times.append((cpu / len(case.requests), wall / len(case.requests)))
    return Timing(
        engine=statistics.median(cpu for cpu, _ in engine_times),
        model=statistics.median(cpu for cpu, _ in model_times),
        engine_wall=statistics.median(wall for _, wall in engine_times),
        model_wall=statistics.median(wall for _, wall in model_times),
    )


def main() -> None:
    print("refund engine: returns_core.quote_request against a unit-by-unit model of the same rules")
    print(
        f"(tests/unit/quote_model.py; the same answers checked first; {ROUNDS} interleaved rounds, "
        f"medians of process CPU time (wall time beside it); random orders of seed {SEED}, "
        f"{REQUESTS_PER_CASE} requests per size)"
    )
    print(f"{'case':<30}{'engine µs':>12}{'model µs':>14}{'engine is':>12}{'wall: engine / model µs':>28}")
    for case in cases():
        check(case)
        timing = measure(case)
        ratio = timing.model / timing.engine
        goal = next((g for n, g in GOALS.items() if case.name.startswith(f"{n} lines")), None)
        verdict = "" if goal is None else f"  (goal {goal:.0f}x: {'met' if ratio >= goal else 'NOT met'})"
        wall = f"{timing.engine_wall * 1e6:,.0f} / {timing.model_wall * 1e6:,.0f}"
        print(
            f"{case.name:<30}{timing.engine * 1e6:>12,.0f}{timing.model * 1e6:>14,.0f}{ratio:>11,.1f}x"
            f"{wall:>28}{verdict}"
        )


if __name__ == "__main__":
    main()
