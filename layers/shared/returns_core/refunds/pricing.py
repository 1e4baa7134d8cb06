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
    combine,
    runs_total,
    slice_runs,
    split,
    subtract,
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


@dataclass(frozen=True)
class Pricing:
    """The units of a set priced together under the order's rules."""

    segments: UnitSet
    final: tuple[Runs, ...]
    """What each unit costs, per segment."""
    amounts: tuple[int, ...]
    """What each segment costs."""
    discounts: tuple[tuple[int, ...], ...]
    """``discounts[p][segment]``: promotion p's discount on the segment."""
    bases: tuple[int, ...]
    """``bases[p]``: the eligible amount promotion p was evaluated on (after earlier promotions)."""

    @cached_property
    def total(self) -> int:
        return sum(self.amounts)

    @cached_property
    def _position(self) -> dict[Segment, int]:
        return {segment: i for i, segment in enumerate(self.segments)}

    def _restricted(self, per_segment: tuple[int, ...], subset: UnitSet) -> int:
        if subset == self.segments:
            return sum(per_segment)
        position = self._position
        try:
            return sum([per_segment[position[segment]] for segment in subset])
        except KeyError:
            raise ValueError("a subset must be made of segments of the priced set") from None

    def part(self, subset: UnitSet) -> int:
        """What the units ``subset`` (segments of this set) cost when this whole set is priced together."""
        return self._restricted(self.amounts, subset)

    def discount_on(self, promotion: int, subset: UnitSet) -> int:
        """Promotion ``promotion``'s discount on the units ``subset`` (segments of this set)."""
        return self._restricted(self.discounts[promotion], subset)


def price_set(order: OrderSnapshot, allocation: OrderAllocation, segments: UnitSet) -> Pricing:
    """Price ``segments`` bought alone: reprice promotions afresh, prorate ones at their allocation.

    Segments need not be joined: segments in line-then-start order allocate exactly as the units
    they hold, so K and Rm can be priced together and each read back whole.
    """
    prices = order.unit_prices_minor
    current: list[Runs] = [((end - start, prices[line]),) for line, start, end in segments]
    amounts = [(end - start) * prices[line] for line, start, end in segments]
    discounts: list[tuple[int, ...]] = []
    bases: list[int] = []
    for p, numbers in enumerate(order.promotion_numbers):
        eligible_lines = allocation.eligible_lines[p]
        eligible = [i for i, segment in enumerate(segments) if segment[0] in eligible_lines]
        base = sum([amounts[i] for i in eligible])
        bases.append(base)
        given = [0] * len(segments)
        if numbers.prorate:
            allocated = allocation.promotion_shares[p]
            for i in eligible:
                line, start, end = segments[i]
                runs, shares = current[i], allocated[line]
                if len(runs) == 1 and len(shares) == 1:  # the common case: one amount, one share
                    count, value = runs[0]
                    share = min(shares[0][1], value)  # never below zero
                    current[i] = ((count, value - share),)
                    given[i] = count * share
                else:
                    capped = combine(slice_runs(shares, start, end), runs, min)
                    current[i] = subtract(runs, capped)
                    given[i] = runs_total(capped)
                amounts[i] -= given[i]
        else:
            discount = numbers.discount_on(base)
            if discount:
                _, rest, sums = split(discount, base, [current[i] for i in eligible])
                for i, left, share in zip(eligible, rest, sums, strict=True):
                    current[i] = left
                    given[i] = share
                    amounts[i] -= share
        discounts.append(tuple(given))
    return Pricing(
        segments=segments,
        final=tuple(current),
        amounts=tuple(amounts),
        discounts=tuple(discounts),
        bases=tuple(bases),
    )


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
    # Not joined: K's segments stay whole in the pricing of K ∪ Rm, to read part(K) back.
    with_merchant = price_set(order, allocation, tuple(sorted(kept + merchant_fault)))
    if not kept:
        return KeptCost(0, None, False), with_merchant
    alone = price_set(order, allocation, kept) if merchant_fault else with_merchant
    together = with_merchant.part(kept)
    if alone.total <= together:
        return KeptCost(alone.total, alone, False), with_merchant
    return KeptCost(together, with_merchant, True), with_merchant
