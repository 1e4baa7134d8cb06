"""Largest-remainder allocation of discounts over units, run-length encoded.

Units being priced are kept as runs of identical units in flat parallel lists (``Units``). A
largest-remainder allocation gives each unit of a run the same floor share, and its extra minor
units to whole runs but at most one, whose first units get them: so each allocation cuts at most
one run in two, whatever the quantities. Every operation costs in proportion to the number of runs
(about one per line), never to quantities. The per-run work (the engine's hot loop, see ``make
bench``) reads and writes the flat lists in place, one plain loop per pass: no list is gathered
per promotion, and the code stays what a compiler such as mypyc makes fast.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from returns_core.order import PromotionNumbers

Runs = tuple[tuple[int, int], ...]
"""Per-unit values of a contiguous range of units: ``((count, value), ...)`` in unit order."""
Segment = tuple[int, int, int]
"""The units ``start..end-1`` of a line: ``(line, start, end)``."""
MIXED = -1
"""In ``OrderAllocation.uniform_shares``: the line's units do not all get the same share."""


def runs_total(runs: Runs) -> int:
    return sum(count * value for count, value in runs)


def slice_runs(runs: Runs, start: int, end: int) -> Runs:
    """The values of units ``start`` (inclusive) to ``end`` (exclusive)."""
    if len(runs) == 1:
        return ((end - start, runs[0][1]),) if end > start else ()
    out: list[tuple[int, int]] = []
    position = 0
    for count, value in runs:
        lo, hi = max(start, position), min(end, position + count)
        if lo < hi:
            out.append((hi - lo, value))
        position += count
        if position >= end:
            break
    return tuple(out)


class Units:
    """Units priced together, as runs in flat parallel lists (run ``r`` is ``counts[r]`` units).

    ``order[r]`` is the position of the run's first unit among all ``size`` units (line, then unit
    order): ties in an allocation go to the earlier one. ``lines[r]`` and ``offsets[r]`` (the first
    unit's index in its line) say where the run is. Runs cut in two append their second part, so
    run indexes never move; ``parents[r]`` is the run it was cut from (or ``r``).
    """

    counts: list[int]
    lines: list[int]
    offsets: list[int]
    order: list[int]
    parents: list[int]
    values: list[int]
    size: int
    segment_count: int

    def __init__(self, segments: Sequence[Segment], prices: Sequence[int]) -> None:
        count = len(segments)
        lines, offsets, counts = [0] * count, [0] * count, [0] * count
        values, order = [0] * count, [0] * count
        size = 0
        for r in range(count):
            line, start, end = segments[r]
            lines[r], offsets[r], counts[r] = line, start, end - start
            values[r] = prices[line]
            order[r] = size
            size += end - start
        self.lines, self.offsets, self.counts, self.values, self.order = lines, offsets, counts, values, order
        self.parents = list(range(count))
        self.size = size
        self.segment_count = count

    def cut(self, r: int, first: int) -> int:
        """Cut run ``r`` after its ``first`` units; gives the index of the second part."""
        self.counts.append(self.counts[r] - first)
        self.values.append(self.values[r])
        self.lines.append(self.lines[r])
        self.offsets.append(self.offsets[r] + first)
        self.order.append(self.order[r] + first)
        self.parents.append(r)
        self.counts[r] = first
        return len(self.counts) - 1


def reprice(units: Units, eligible: list[int], discount: int, base: int) -> None:
    """Take ``discount`` off the runs ``eligible`` (worth ``base``), largest remainder, cent-exact.

    Each unit gets the floor of its exact share; the minor units left go one each to the units
    with the largest remainders, ties to the earlier unit. A unit's share never exceeds its amount
    when ``discount`` <= ``base``.
    """
    if not 0 < discount <= base:
        raise ValueError("a discount must lie between zero and the amount it applies to")
    values, counts = units.values, units.counts
    count = len(eligible)
    rests = [0] * count
    left = discount
    for k in range(count):
        r = eligible[k]
        value = values[r]
        share = discount * value // base
        rests[k] = discount * value - share * base
        values[r] = value - share
        left -= counts[r] * share
    if not left:
        return
    # Largest remainder first, ties to the earlier unit: the runs in unit order (their order in
    # ``eligible`` unless a run cut off earlier is among them), then a stable sort by remainder.
    # Whole runs take one minor unit each until fewer than a run's units are left.
    ranked = list(range(count))
    if eligible[-1] >= units.segment_count:
        order = units.order
        ranked.sort(key=[order[r] for r in eligible].__getitem__)
    ranked.sort(key=rests.__getitem__, reverse=True)
    for k in ranked:
        r = eligible[k]
        size = counts[r]
        if size > left:
            units.cut(r, left)  # the run's first units get the last minor units
            values[r] -= 1
            return
        values[r] -= 1
        left -= size
        if not left:
            return
    raise AssertionError("largest-remainder allocation did not place every minor unit")


def prorate(units: Units, eligible: list[int], shares: LineValues) -> int:
    """Take each unit's allocated share (``shares``) off the runs ``eligible``, never below zero;
    gives the total. The runs of lines whose units have different shares are cut where their
    shares change.
    """
    counts, values, offsets, lines = units.counts, units.values, units.offsets, units.lines
    uniform = shares.uniform
    mixed: list[int] = []
    given = 0
    for r in eligible:
        share = uniform[lines[r]]
        if share == MIXED:
            mixed.append(r)
            continue
        value = values[r]
        if share > value:
            share = value
        values[r] = value - share
        given += counts[r] * share
    for r in mixed:
        pieces = slice_runs(shares.mixed[lines[r]], offsets[r], offsets[r] + counts[r])
        run = r
        for k, (count, share) in enumerate(pieces):
            following = units.cut(run, count) if k + 1 < len(pieces) else run
            share = min(share, values[run])
            values[run] -= share
            given += count * share
            run = following
    return given


def runs_of(units: Units, runs: list[int], values: Sequence[int]) -> Runs:
    """The values ``values[r]`` of the runs ``runs`` of one segment, in unit order, joined."""
    out: list[tuple[int, int]] = []
    for r in sorted(runs, key=units.order.__getitem__):
        count, value = units.counts[r], values[r]
        if out and out[-1][1] == value:
            out[-1] = (out[-1][0] + count, value)
        elif count:
            out.append((count, value))
    return tuple(out)


@dataclass(frozen=True)
class LineValues:
    """A per-unit value of every line of the order: one number for most lines, runs for the few cut.

    ``uniform[line]`` is the value of every unit of the line, or ``MIXED`` when they differ; then
    ``mixed[line]`` holds the line's runs. An allocation cuts at most one run, so almost every line
    is one number, and reading a line's value costs no tuple per line.
    """

    uniform: tuple[int, ...]
    mixed: dict[int, Runs]

    def total(self, line: int, start: int, end: int) -> int:
        """The values of units ``start..end-1`` of the line, added up."""
        value = self.uniform[line]
        if value != MIXED:
            return (end - start) * value
        return runs_total(slice_runs(self.mixed[line], start, end))


@dataclass(frozen=True)
class OrderAllocation:
    """The whole order priced as bought: each promotion's allocation and each unit's paid amount."""

    shares: tuple[LineValues, ...]
    """``shares[p]``: promotion p's discount on each unit of each line."""
    paid_amounts: LineValues
    """The allocated paid amount of each unit of each line."""
    discounts: tuple[int, ...]
    """What each promotion took off the order as bought."""
    eligible_lines: tuple[frozenset[int], ...]
    """``eligible_lines[p]``: the indexes of promotion p's lines."""
    eligible_masks: tuple[tuple[bool, ...], ...]
    """``eligible_masks[p][line]``: promotion p applies to the line."""
    bases: tuple[int, ...]
    """``bases[p]``: the eligible amount promotion p was evaluated on, as bought."""
    quantities: tuple[int, ...]
    size: int
    """The order's number of units."""
    total: int
    """What all of them cost after every promotion (the goods as paid for)."""

    @property
    def paid(self) -> tuple[Runs, ...]:
        """``paid[line]``: the allocated paid amount of each unit of the line, as runs."""
        return tuple(map(self._runs, repeat(self.paid_amounts), range(len(self.quantities))))

    @property
    def promotion_shares(self) -> tuple[tuple[Runs, ...], ...]:
        """``promotion_shares[p][line]``: promotion p's discount on each unit of the line, as runs."""
        lines = range(len(self.quantities))
        return tuple(tuple(map(self._runs, repeat(shares), lines)) for shares in self.shares)

    def _runs(self, values: LineValues, line: int) -> Runs:
        value = values.uniform[line]
        return values.mixed[line] if value == MIXED else ((self.quantities[line], value),)

    def paid_for(self, line: int, start: int, end: int) -> int:
        return self.paid_amounts.total(line, start, end)

    def promotion_on(self, promotion: int, units: Iterable[Segment]) -> int:
        """Promotion ``promotion``'s allocation to the units ``(line, start, end)``."""
        total = self.shares[promotion].total
        return sum(total(line, start, end) for line, start, end in units)


def allocate_order(
    quantities: Sequence[int], prices: Sequence[int], promotions: Sequence[PromotionNumbers]
) -> OrderAllocation:
    """Apply every promotion in order over all units of the order (as bought: all reprice)."""
    count = len(quantities)
    units = Units([(i, 0, quantity) for i, quantity in enumerate(quantities)], prices)
    eligible_lines = tuple(frozenset(numbers.line_indexes) for numbers in promotions)
    masks: list[tuple[bool, ...]] = []
    for numbers in promotions:
        flags = [False] * count
        deque(map(flags.__setitem__, numbers.line_indexes, repeat(True)), maxlen=0)
        masks.append(tuple(flags))
    shares: list[LineValues] = []
    discounts: list[int] = []
    bases: list[int] = []
    counts, values, lines, parents = units.counts, units.values, units.lines, units.parents
    for numbers, mask in zip(promotions, masks, strict=True):
        eligible: list[int] = []
        base = 0
        for r in range(len(counts)):
            if mask[lines[r]]:
                eligible.append(r)
                base += counts[r] * values[r]
        discount = numbers.discount_on(base)
        bases.append(base)
        discounts.append(discount)
        before = values.copy()
        if discount:
            reprice(units, eligible, discount, base)
        # A run cut in two had one value before: the run it was cut from.
        for r in range(len(before), len(values)):
            before.append(before[parents[r]])
        shares.append(_per_line(units, count, [before[r] - values[r] for r in range(len(values))]))
    total = 0
    for r in range(len(counts)):
        total += counts[r] * values[r]
    return OrderAllocation(
        shares=tuple(shares),
        paid_amounts=_per_line(units, count, units.values),
        discounts=tuple(discounts),
        eligible_lines=eligible_lines,
        eligible_masks=tuple(masks),
        bases=tuple(bases),
        quantities=tuple(quantities),
        size=units.size,
        total=total,
    )


def _per_line(units: Units, line_count: int, values: list[int]) -> LineValues:
    """``values`` of every run, per line (an allocation's segments are whole lines, run r is line r)."""
    cut: dict[int, list[int]] = {}
    for r in range(line_count, len(units.counts)):  # runs cut off: their lines have several runs
        cut.setdefault(units.lines[r], [units.lines[r]]).append(r)
    uniform = values[:line_count]
    mixed: dict[int, Runs] = {}
    for line, runs in cut.items():
        joined = runs_of(units, runs, values)
        if len(joined) == 1:
            uniform[line] = joined[0][1]
        else:
            uniform[line] = MIXED
            mixed[line] = joined
    return LineValues(tuple(uniform), mixed)
