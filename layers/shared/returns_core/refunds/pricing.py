"""``price(S)``, ``part(K, S)`` and ``cost(K)`` of contract section 2.

A set of units is a tuple of segments ``(line, start, end)``: the units ``start..end-1`` of a line,
sorted by line then start, so ties in an allocation go to the earlier line, then the earlier unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from returns_core.order import OrderSnapshot
from returns_core.refunds.allocation import OrderAllocation, Segment, Units, prorate, reprice

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
    """The units of a set priced together under the order's rules, and what its marked part got."""

    segments: UnitSet
    marked: UnitSet
    """The segments whose part is read back (Rm in the pricing of K ∪ Rm); the rest is unmarked."""
    total: int
    marked_amount: int
    discounts: tuple[int, ...]
    """``discounts[p]``: promotion p's discount on the whole set."""
    marked_discounts: tuple[int, ...]
    bases: tuple[int, ...]
    """``bases[p]``: the eligible amount promotion p was evaluated on (after earlier promotions)."""

    @cached_property
    def unmarked(self) -> UnitSet:
        marked = set(self.marked)
        return tuple(segment for segment in self.segments if segment not in marked)

    def _part(self, whole: int, marked: int, subset: UnitSet) -> int:
        if subset == self.segments:
            return whole
        if subset == self.unmarked:
            return whole - marked
        raise ValueError("a part is read back for the whole set or for its unmarked segments")

    def part(self, subset: UnitSet) -> int:
        """What the units ``subset`` cost when this whole set is priced together."""
        return self._part(self.total, self.marked_amount, subset)

    def discount_on(self, promotion: int, subset: UnitSet) -> int:
        """Promotion ``promotion``'s discount on the units ``subset`` in this pricing."""
        return self._part(self.discounts[promotion], self.marked_discounts[promotion], subset)


def price_set(
    order: OrderSnapshot, allocation: OrderAllocation, segments: UnitSet, marked: UnitSet = ()
) -> Pricing:
    """Price ``segments`` bought alone: reprice promotions afresh, prorate ones at their allocation.

    Segments in line-then-start order allocate exactly as the units they hold, joined or not, so
    K and Rm are priced together with Rm ``marked`` and both parts read back whole.
    """
    units = Units(segments, order.unit_prices_minor)
    marked_set = set(marked)
    marked_runs = [r for r, segment in enumerate(segments) if segment in marked_set]
    discounts: list[int] = []
    marked_discounts: list[int] = []
    bases: list[int] = []
    for p, numbers in enumerate(order.promotion_numbers):
        eligible_lines = allocation.eligible_lines[p]
        lines = units.lines
        eligible = [r for r in range(len(lines)) if lines[r] in eligible_lines]
        base = units.amount(eligible)
        bases.append(base)
        marked_before = units.amount(marked_runs) if marked_runs else 0
        count = len(lines)
        if numbers.prorate:
            discounts.append(prorate(units, eligible, allocation.promotion_shares[p]))
        else:
            discount = numbers.discount_on(base)
            if discount:
                reprice(units, eligible, discount, base)
            discounts.append(discount)
        if marked_runs:
            # Runs cut in two belong to the segment they were cut from.
            for r in range(count, len(units.counts)):
                if units.parents[r] in marked_runs:
                    marked_runs.append(r)
            marked_discounts.append(marked_before - units.amount(marked_runs))
        else:
            marked_discounts.append(0)
    return Pricing(
        segments=segments,
        marked=marked,
        total=units.amount(range(len(units.counts))),
        marked_amount=units.amount(marked_runs),
        discounts=tuple(discounts),
        marked_discounts=tuple(marked_discounts),
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
    with_merchant = price_set(order, allocation, tuple(sorted(kept + merchant_fault)), merchant_fault)
    if not kept:
        return KeptCost(0, None, False), with_merchant
    alone = price_set(order, allocation, kept) if merchant_fault else with_merchant
    together = with_merchant.part(kept)
    if alone.total <= together:
        return KeptCost(alone.total, alone, False), with_merchant
    return KeptCost(together, with_merchant, True), with_merchant
