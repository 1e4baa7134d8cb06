"""``price(S)``, ``part(K, S)`` and ``cost(K)`` of contract section 2.

A set of units is a tuple of segments ``(line, start, end)``: the units ``start..end-1`` of a line,
sorted by line then start, so ties in an allocation go to the earlier line, then the earlier unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from returns_core.order import OrderSnapshot
from returns_core.refunds.allocation import (
    OrderAllocation,
    Runs,
    allocate,
    combine,
    runs_total,
    slice_runs,
    subtract,
    uniform,
)

Segment = tuple[int, int, int]
UnitSet = tuple[Segment, ...]


def normalise(segments: list[Segment]) -> UnitSet:
    """Sort segments and join touching ones of the same line."""
    out: list[Segment] = []
    for line, start, end in sorted(s for s in segments if s[2] > s[1]):
        if out and out[-1][0] == line and out[-1][2] == start:
            out[-1] = (line, out[-1][1], end)
        else:
            out.append((line, start, end))
    return tuple(out)


def union(*sets: UnitSet) -> UnitSet:
    return normalise([segment for unit_set in sets for segment in unit_set])


@dataclass(frozen=True)
class Pricing:
    """The units of a set priced together under the order's rules."""

    segments: UnitSet
    final: tuple[Runs, ...]
    """What each unit costs, per segment."""
    discounts: tuple[tuple[Runs, ...], ...]
    """``discounts[p][segment]``: promotion p's discount on each unit of the segment."""
    bases: tuple[int, ...]
    """``bases[p]``: the eligible amount promotion p was evaluated on (after earlier promotions)."""

    @property
    def total(self) -> int:
        return sum(runs_total(runs) for runs in self.final)

    @cached_property
    def _by_line(self) -> dict[int, list[tuple[int, int, int]]]:
        index: dict[int, list[tuple[int, int, int]]] = {}
        for i, (line, start, end) in enumerate(self.segments):
            index.setdefault(line, []).append((start, end, i))
        return index

    def _restricted(self, per_segment: tuple[Runs, ...], subset: UnitSet) -> int:
        total = 0
        for line, start, end in subset:
            for s_start, s_end, i in self._by_line.get(line, ()):
                if s_start == start and s_end == end:
                    total += runs_total(per_segment[i])
                    break
                if s_start <= start and end <= s_end:
                    total += runs_total(slice_runs(per_segment[i], start - s_start, end - s_start))
                    break
            else:
                raise ValueError("a subset must lie inside the priced set")
        return total

    def part(self, subset: UnitSet) -> int:
        """What the units ``subset`` cost when this whole set is priced together."""
        return self._restricted(self.final, subset)

    def discount_on(self, promotion: int, subset: UnitSet) -> int:
        """Promotion ``promotion``'s discount on the units ``subset`` in this pricing."""
        return self._restricted(self.discounts[promotion], subset)


def price_set(order: OrderSnapshot, allocation: OrderAllocation, segments: UnitSet) -> Pricing:
    """Price ``segments`` bought alone: reprice promotions afresh, prorate ones at their allocation."""
    prices = order.unit_prices_minor
    current: list[Runs] = [uniform(end - start, prices[line]) for line, start, end in segments]
    discounts: list[tuple[Runs, ...]] = []
    bases: list[int] = []
    for p, numbers in enumerate(order.promotion_numbers):
        eligible_lines = set(numbers.line_indexes)
        eligible = [i for i, (line, _, _) in enumerate(segments) if line in eligible_lines]
        base = sum(runs_total(current[i]) for i in eligible)
        bases.append(base)
        shares: list[Runs] = [tuple((count, 0) for count, _ in runs) for runs in current]
        if numbers.prorate:
            for i in eligible:
                line, start, end = segments[i]
                allocated = slice_runs(allocation.promotion_shares[p][line], start, end)
                shares[i] = combine(allocated, current[i], min)  # never below zero
        else:
            amounts = [current[i] for i in eligible]
            for i, share in zip(eligible, allocate(numbers.discount_on(base), amounts), strict=True):
                shares[i] = share
        for i in eligible:
            current[i] = subtract(current[i], shares[i])
        discounts.append(tuple(shares))
    return Pricing(segments=segments, final=tuple(current), discounts=tuple(discounts), bases=tuple(bases))


@dataclass(frozen=True)
class KeptCost:
    """``cost(K)`` and the pricing it came from (for attributing it to promotions)."""

    amount: int
    pricing: Pricing | None
    together_with_merchant_fault: bool


def cost_of_kept(
    order: OrderSnapshot, allocation: OrderAllocation, kept: UnitSet, merchant_fault: UnitSet
) -> tuple[KeptCost, Pricing]:
    """``cost(K) = min(price(K), part(K, K ∪ Rm))``, and the pricing of ``K ∪ Rm``.

    A merchant-fault return never costs the customer a promotion: the kept units may be priced
    together with the units that went back for the merchant's fault, whichever is cheaper.
    """
    with_merchant = price_set(order, allocation, union(kept, merchant_fault))
    if not kept:
        return KeptCost(0, None, False), with_merchant
    alone = price_set(order, allocation, kept) if merchant_fault else with_merchant
    together = with_merchant.part(kept)
    if alone.total <= together:
        return KeptCost(alone.total, alone, False), with_merchant
    return KeptCost(together, with_merchant, True), with_merchant
