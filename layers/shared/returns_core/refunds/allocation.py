"""Largest-remainder allocation of discounts over units, run-length encoded.

The units of a line are identical except for the extra minor unit a tie-break hands to earlier
units, so a line's per-unit amounts are kept as runs ``(count, value)``. Every operation here costs
in proportion to the number of runs (at most one more per promotion and line), never to quantities.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from returns_core.order import OrderSnapshot

Runs = tuple[tuple[int, int], ...]
"""Per-unit values of a contiguous range of units: ``((count, value), ...)`` in unit order."""


def runs_total(runs: Runs) -> int:
    return sum(count * value for count, value in runs)


def runs_total_count(runs: Runs) -> int:
    """The number of units ``runs`` covers."""
    return sum(count for count, _ in runs)


def uniform(count: int, value: int) -> Runs:
    return ((count, value),) if count > 0 else ()


def _normalised(pairs: list[tuple[int, int]]) -> Runs:
    out: list[tuple[int, int]] = []
    for count, value in pairs:
        if count <= 0:
            continue
        if out and out[-1][1] == value:
            out[-1] = (out[-1][0] + count, value)
        else:
            out.append((count, value))
    return tuple(out)


def combine(left: Runs, right: Runs, op: Callable[[int, int], int]) -> Runs:
    """Element-wise ``op`` of two run vectors over the same units."""
    if len(left) == 1 and len(right) == 1 and left[0][0] == right[0][0]:
        return ((left[0][0], op(left[0][1], right[0][1])),)  # the common case: whole uniform lines
    out: list[tuple[int, int]] = []
    i = j = 0
    left_rest = left[0][0] if left else 0
    right_rest = right[0][0] if right else 0
    while i < len(left) and j < len(right):
        step = min(left_rest, right_rest)
        out.append((step, op(left[i][1], right[j][1])))
        left_rest -= step
        right_rest -= step
        if left_rest == 0:
            i += 1
            left_rest = left[i][0] if i < len(left) else 0
        if right_rest == 0:
            j += 1
            right_rest = right[j][0] if j < len(right) else 0
    if i < len(left) or j < len(right):
        raise ValueError("run vectors of different lengths")
    return _normalised(out)


def subtract(left: Runs, right: Runs) -> Runs:
    return combine(left, right, lambda a, b: a - b)


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


def allocate(discount: int, amounts: Sequence[Runs]) -> list[Runs]:
    """Split ``discount`` over units in proportion to their amounts, cent-exact.

    Each unit gets the floor of its exact share; the minor units left go one each to the units
    with the largest remainders, ties to the earlier group (groups come in line order), then to
    the earlier unit. A unit's share never exceeds its amount when ``discount`` <= the total.
    """
    total = sum(count * value for runs in amounts for count, value in runs)
    if discount == 0 or total == 0:
        return [tuple((count, 0) for count, _ in runs) for runs in amounts]
    return split(discount, total, amounts)[0]


def split(discount: int, total: int, amounts: Sequence[Runs]) -> tuple[list[Runs], list[Runs], list[int]]:
    """``allocate`` of ``discount`` over ``amounts`` (adding up to ``total``), with what is left.

    Gives, per group, the shares, the amounts less the shares, and the sum of the shares: one pass
    over the runs, so repricing never merges run vectors.
    """
    if not 0 < discount <= total:
        raise ValueError("a discount must lie between zero and the amount it applies to")
    floors: list[list[int]] = []
    candidates: list[tuple[int, int, int]] = []  # (-remainder, group, run) in tie order
    left = discount
    for g, runs in enumerate(amounts):
        group_floors = []
        for k, (count, value) in enumerate(runs):
            share, remainder = divmod(discount * value, total)
            group_floors.append(share)
            left -= count * share
            if remainder:
                candidates.append((-remainder, g, k))
        floors.append(group_floors)
    extras: dict[tuple[int, int], int] = {}
    if left:
        candidates.sort()
        for _, g, k in candidates:
            take = min(amounts[g][k][0], left)
            extras[g, k] = take
            left -= take
            if left == 0:
                break
        if left:
            raise AssertionError("largest-remainder allocation did not place every minor unit")
    shares: list[Runs] = []
    rest: list[Runs] = []
    sums: list[int] = []
    for g, runs in enumerate(amounts):
        group_floors = floors[g]
        if len(runs) == 1 and (g, 0) not in extras:  # the common case: a whole uniform line
            count, value = runs[0]
            share = group_floors[0]
            shares.append(((count, share),))
            rest.append(((count, value - share),))
            sums.append(count * share)
            continue
        share_pairs: list[tuple[int, int]] = []
        rest_pairs: list[tuple[int, int]] = []
        given = 0
        for k, (count, value) in enumerate(runs):
            share = group_floors[k]
            extra = extras.get((g, k), 0)
            given += count * share + extra
            if extra:
                share_pairs.append((extra, share + 1))
                rest_pairs.append((extra, value - share - 1))
            if count > extra:
                share_pairs.append((count - extra, share))
                rest_pairs.append((count - extra, value - share))
        shares.append(_normalised(share_pairs))
        rest.append(_normalised(rest_pairs))
        sums.append(given)
    return shares, rest, sums


@dataclass(frozen=True)
class OrderAllocation:
    """The whole order priced as bought: each promotion's allocation and each unit's paid amount."""

    promotion_shares: tuple[tuple[Runs, ...], ...]
    """``promotion_shares[p][line]``: promotion p's discount on each unit of the line."""
    paid: tuple[Runs, ...]
    """``paid[line]``: the allocated paid amount of each unit of the line."""
    promotion_line_totals: tuple[tuple[int, ...], ...]
    """``promotion_line_totals[p][line]``: promotion p's discount on the whole line."""
    eligible_lines: tuple[frozenset[int], ...]
    """``eligible_lines[p]``: the indexes of promotion p's lines."""

    @property
    def discounts(self) -> list[int]:
        """What each promotion took off the order as bought."""
        return [sum(totals) for totals in self.promotion_line_totals]

    def promotion_on(self, promotion: int, units: Sequence[tuple[int, int, int]]) -> int:
        """Promotion ``promotion``'s allocation to the units ``(line, start, end)``."""
        shares, totals = self.promotion_shares[promotion], self.promotion_line_totals[promotion]
        total = 0
        for line, start, end in units:
            runs = shares[line]
            if len(runs) == 1:
                total += (end - start) * runs[0][1]
            elif start == 0 and end == runs_total_count(runs):
                total += totals[line]
            else:
                total += runs_total(slice_runs(runs, start, end))
        return total

    def paid_for(self, line: int, start: int, end: int) -> int:
        return runs_total(slice_runs(self.paid[line], start, end))


def allocate_order(order: OrderSnapshot) -> OrderAllocation:
    """Apply every promotion in order over all units of the order."""
    current: list[Runs] = [
        uniform(line.quantity, price)
        for line, price in zip(order.lines, order.unit_prices_minor, strict=True)
    ]
    none: tuple[Runs, ...] = tuple(((line.quantity, 0),) for line in order.lines)
    shares_by_promotion: list[tuple[Runs, ...]] = []
    totals_by_promotion: list[tuple[int, ...]] = []
    for numbers in order.promotion_numbers:
        eligible = numbers.line_indexes
        amounts = [current[i] for i in eligible]
        base = sum(count * value for runs in amounts for count, value in runs)
        discount = numbers.discount_on(base)
        if discount == 0:
            shares_by_promotion.append(none)
            totals_by_promotion.append((0,) * len(current))
            continue
        shares, rest, sums = split(discount, base, amounts)
        per_line = list(none)
        line_totals = [0] * len(current)
        for i, share, left, given in zip(eligible, shares, rest, sums, strict=True):
            per_line[i] = share
            current[i] = left
            line_totals[i] = given
        shares_by_promotion.append(tuple(per_line))
        totals_by_promotion.append(tuple(line_totals))
    return OrderAllocation(
        promotion_shares=tuple(shares_by_promotion),
        paid=tuple(current),
        promotion_line_totals=tuple(totals_by_promotion),
        eligible_lines=tuple(frozenset(numbers.line_indexes) for numbers in order.promotion_numbers),
    )
