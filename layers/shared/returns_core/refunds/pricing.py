"""``price(S)``, ``part(K, S)`` and ``cost(K)`` of contract section 2.

A set of units is a tuple of segments ``(line, start, end)``: the units ``start..end-1`` of a line,
sorted by line then start, so ties in an allocation go to the earlier line, then the earlier unit.
"""

from __future__ import annotations

from dataclasses import dataclass

from returns_core.order import OrderNumbers
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
    unmarked: UnitSet
    """The segments not marked (K in the pricing of K ∪ Rm)."""
    total: int
    marked_amount: int
    discounts: tuple[int, ...]
    """``discounts[p]``: promotion p's discount on the whole set."""
    marked_discounts: tuple[int, ...]
    bases: tuple[int, ...]
    """``bases[p]``: the eligible amount promotion p was evaluated on (after earlier promotions)."""

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
    numbers: OrderNumbers, allocation: OrderAllocation, segments: UnitSet, marked: UnitSet = ()
) -> Pricing:
    """Price ``segments`` bought alone: reprice promotions afresh, prorate ones at their allocation.

    Segments in line-then-start order allocate exactly as the units they hold, joined or not, so
    K and Rm are priced together with Rm ``marked`` and both parts read back whole. Every unit of
    the order priced together is the order as bought: its pricing is the allocation's.
    """
    size = 0
    for _, start, end in segments:
        size += end - start
    is_marked: list[bool] = []
    unmarked = segments
    if marked:
        # ``marked`` is a part of ``segments``, in the same order: one walk over both.
        others: list[Segment] = []
        j = 0
        for segment in segments:
            if j < len(marked) and segment == marked[j]:
                is_marked.append(True)
                j += 1
            else:
                is_marked.append(False)
                others.append(segment)
        if j != len(marked):
            raise ValueError("the marked segments are not segments of the set, in its order")
        unmarked = tuple(others)
    if size == allocation.size:
        return _as_bought(allocation, segments, marked, unmarked)
    units = Units(segments, numbers.unit_prices)
    counts, values, parents, lines = units.counts, units.values, units.parents, units.lines
    # Each promotion takes exactly its discount off: the set's total is what is left of its worth.
    worth = marked_now = 0
    for r in range(len(counts)):
        amount = counts[r] * values[r]
        worth += amount
        if is_marked and is_marked[r]:
            marked_now += amount
    discounts: list[int] = []
    marked_discounts: list[int] = []
    bases: list[int] = []
    line_count = len(numbers.unit_prices)
    promotions = numbers.promotions
    for p in range(len(promotions)):
        promotion = promotions[p]
        base = 0
        if len(allocation.eligible_lines[p]) == line_count:  # on every line: no gathering
            eligible = list(range(len(counts)))
            for r in range(len(counts)):
                base += counts[r] * values[r]
        else:
            mask = allocation.eligible_masks[p]
            eligible = []
            for r in range(len(counts)):
                if mask[lines[r]]:
                    eligible.append(r)
                    base += counts[r] * values[r]
        bases.append(base)
        if promotion.prorate:
            discount = prorate(units, eligible, allocation.shares[p])
        else:
            discount = promotion.discount_on(base)
            # The last promotion's allocation over the units matters only for a marked part:
            # without one, the set's total and discounts need only its discount.
            if discount and (is_marked or p + 1 < len(promotions)):
                reprice(units, eligible, discount, base)
        discounts.append(discount)
        if is_marked:
            # Runs cut in two belong to the segment they were cut from (in order: a run may be
            # cut from one cut off in the same step).
            for r in range(len(is_marked), len(counts)):
                is_marked.append(is_marked[parents[r]])
            marked_after = 0
            for r in range(len(counts)):
                if is_marked[r]:
                    marked_after += counts[r] * values[r]
            marked_discounts.append(marked_now - marked_after)
            marked_now = marked_after
        else:
            marked_discounts.append(0)
    return Pricing(
        segments=segments,
        marked=marked,
        unmarked=unmarked,
        total=worth - sum(discounts),
        marked_amount=marked_now,
        discounts=tuple(discounts),
        marked_discounts=tuple(marked_discounts),
        bases=tuple(bases),
    )


def _as_bought(allocation: OrderAllocation, segments: UnitSet, marked: UnitSet, unmarked: UnitSet) -> Pricing:
    """The pricing of every unit of the order, read off the allocation (``marked`` read back)."""
    count = len(allocation.discounts)
    return Pricing(
        segments=segments,
        marked=marked,
        unmarked=unmarked,
        total=allocation.total,
        marked_amount=sum(allocation.paid_for(*segment) for segment in marked),
        discounts=allocation.discounts,
        marked_discounts=tuple(allocation.promotion_on(p, marked) for p in range(count)),
        bases=allocation.bases,
    )


@dataclass(frozen=True)
class KeptCost:
    """``cost(K)`` and the pricing it came from (for attributing it to promotions)."""

    amount: int
    pricing: Pricing | None
    together_with_merchant_fault: bool


def cost_of_kept(
    numbers: OrderNumbers, allocation: OrderAllocation, kept: UnitSet, merchant_fault: UnitSet
) -> tuple[KeptCost, Pricing]:
    """``cost(K) = min(price(K), part(K, K ∪ Rm))``, and the pricing of ``K ∪ Rm``.

    A merchant-fault return never costs the customer a promotion: the kept units may be priced
    together with the units that went back for the merchant's fault, whichever is cheaper.
    """
    with_merchant = price_set(numbers, allocation, tuple(sorted(kept + merchant_fault)), merchant_fault)
    if not kept:
        return KeptCost(0, None, False), with_merchant
    alone = price_set(numbers, allocation, kept) if merchant_fault else with_merchant
    together = with_merchant.part(kept)
    if alone.total <= together:
        return KeptCost(alone.total, alone, False), with_merchant
    return KeptCost(together, with_merchant, True), with_merchant
