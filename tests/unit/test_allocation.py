"""The run-length allocation against the unit-by-unit one of tests/unit/refund_model.py.

The engine never expands units: units are runs of equal amounts, and an allocation cuts at most one
run. These tests hold the runs to the plain per-unit largest-remainder method of the contract
(whole refunds are held to the unit-by-unit model in test_properties.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from returns_core.order import OrderSnapshot
from returns_core.refunds.allocation import MIXED, LineValues, Units, prorate, reprice, runs_total, slice_runs
from returns_core.refunds.pricing import normalise, price_set
from tests.unit.refund_model import allocate, largest_remainder, load_order, snapshot


def _expand(units: Units) -> list[int]:
    """Every unit's value, in unit order."""
    runs = sorted(range(len(units.counts)), key=units.order.__getitem__)
    return [units.values[r] for r in runs for _ in range(units.counts[r])]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 5000)), min_size=1, max_size=8), st.data())
def test_runs_allocate_like_single_units(groups: list[tuple[int, int]], data: st.DataObject) -> None:
    """Groups of equal units (one run each) get what the same units get one by one, tie order kept."""
    amounts = [value for count, value in groups for _ in range(count)]
    discount = data.draw(st.integers(1, max(1, sum(amounts))))
    units = Units([(g, 0, count) for g, (count, _) in enumerate(groups)], [value for _, value in groups])
    runs_before = len(units.counts)
    if sum(amounts):
        reprice(units, list(range(len(groups))), discount, sum(amounts))
        shares = largest_remainder(discount, amounts)
        assert _expand(units) == [a - s for a, s in zip(amounts, shares, strict=True)]
        assert len(units.counts) <= runs_before + 1  # at most one run is cut


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 900), st.integers(1, 4)), min_size=1, max_size=5),
    st.lists(st.tuples(st.booleans(), st.sampled_from(["10", "12.5", "33.3"])), min_size=1, max_size=3),
)
def test_the_order_allocation_is_the_unit_by_unit_one(
    lines: list[tuple[int, int]], promotions: list[tuple[bool, str]]
) -> None:
    """Promotions over lines whose units already differ (after an earlier one) allocate unit by unit."""
    ids = [f"L{i + 1}" for i in range(len(lines))]
    promos: list[dict[str, Any]] = []
    for k, (everything, percent) in enumerate(promotions):
        chosen = ids if everything else ids[k % len(ids) :: 2]
        promos.append({"promotionId": f"P{k}", "kind": "percentage", "percent": percent, "lineIds": chosen})
    promos.append(
        {"promotionId": "T", "kind": "threshold", "threshold": "0.01", "discount": "1.00", "lineIds": ids}
    )
    order = snapshot("CNY", [(price, qty, True) for price, qty in lines], promos)
    units, _ = allocate(order)
    allocation = OrderSnapshot.model_validate(order).allocation
    for line, expected in enumerate(units):
        paid = allocation.paid[line]
        assert [value for count, value in paid for _ in range(count)] == expected
    # The order's unit count: price_set reads the whole order off the allocation when it matches.
    assert allocation.size == sum(qty for _, qty in lines)


def test_slices_of_runs() -> None:
    runs = ((2, 7), (3, 5))
    assert slice_runs(runs, 1, 4) == ((1, 7), (2, 5))
    assert slice_runs(runs, 2, 5) == ((3, 5),)
    assert slice_runs(runs, 0, 0) == ()
    assert runs_total(runs) == 29
    # One run (its own shortcut): units 1-3 of five 7s, and an empty slice.
    assert slice_runs(((5, 7),), 1, 4) == ((3, 7),)
    assert slice_runs(((5, 7),), 2, 2) == ()


def test_price_set_of_the_seed_example() -> None:
    order = OrderSnapshot.model_validate(load_order("O-SEED-1"))
    # Alone, one item costs its full 100.00; together they cost 100.00, 50.00 each.
    alone = price_set(order.numbers, order.allocation, ((0, 0, 1),))
    assert (alone.total, alone.discounts) == (10000, (0,))
    together = price_set(order.numbers, order.allocation, ((0, 0, 1), (1, 0, 1)), marked=((1, 0, 1),))
    assert together.total == 10000
    assert together.part(((0, 0, 1),)) == 5000
    assert (together.marked_amount, together.marked_discounts) == (5000, (5000,))
    assert together.discount_on(0, ((0, 0, 1),)) == 5000
    assert together.discount_on(0, ((0, 0, 1), (1, 0, 1))) == 10000
    assert together.bases == (20000,)
    with pytest.raises(ValueError, match="unmarked"):
        together.part(((1, 0, 1),))


def test_a_part_of_a_set_that_is_not_the_whole_order() -> None:
    # Three lines of 100.00 under 满200减100; L1 and L2 priced together (not the whole order), L2
    # marked: 200.00 -> 100.00 off, 50.00 each; the whole set and its unmarked part read back.
    promotion = {"promotionId": "P", "kind": "threshold", "threshold": "200.00", "discount": "100.00"}
    order_data = snapshot("CNY", [(10_000, 1, True)] * 3, [{**promotion, "lineIds": ["L1", "L2", "L3"]}])
    order = OrderSnapshot.model_validate(order_data)
    both = price_set(order.numbers, order.allocation, ((0, 0, 1), (1, 0, 1)), marked=((1, 0, 1),))
    assert (both.total, both.part(((0, 0, 1),)), both.part(((0, 0, 1), (1, 0, 1)))) == (10_000, 5_000, 10_000)
    assert both.discount_on(0, ((0, 0, 1), (1, 0, 1))) == 10_000
    with pytest.raises(
        ValueError, match=r"^a part is read back for the whole set or for its unmarked segments$"
    ):
        both.part(((1, 0, 1),))


def test_a_discount_outside_its_base_is_refused() -> None:
    units = Units([(0, 0, 2)], [500])
    for discount in (0, 1_001):
        with pytest.raises(
            ValueError, match=r"^a discount must lie between zero and the amount it applies to$"
        ):
            reprice(units, [0], discount, 1_000)


def test_marked_segments_that_are_not_segments_of_the_set_are_refused() -> None:
    # The marked part must be segments of the set, in its order: a segment of another line, or the
    # set's segments in reverse, is a caller's mistake, refused in words.
    order = OrderSnapshot.model_validate(load_order("O-SEED-1"))
    l1, l2 = (0, 0, 1), (1, 0, 1)
    for segments, marked in (((l1,), (l2,)), ((l1, l2), (l2, l1))):
        with pytest.raises(
            ValueError, match=r"^the marked segments are not segments of the set, in its order$"
        ):
            price_set(order.numbers, order.allocation, segments, marked)


def test_a_run_taking_the_last_minor_units_whole_is_not_cut() -> None:
    # Runs of 2 and 1 units of 3 (base 9), 2 off: floors 0, remainders 6 each; the two minor units
    # go to the earlier run's two units, which takes them whole: no run of zero units is cut off.
    units = Units([(0, 0, 2), (1, 0, 1)], [3, 3])
    reprice(units, [0, 1], 2, 9)
    assert (_expand(units), units.counts) == ([2, 2, 3], [2, 1])


def test_prorate_cuts_a_run_only_where_its_shares_change() -> None:
    # Units 1-5 of a line whose six units were allocated 10, 10, 10, 20, 20, 20: cut once, after
    # the second of them (no run of zero units after the last), 80 given in all.
    units = Units([(0, 1, 6)], [100])
    given = prorate(units, [0], LineValues((MIXED,), {0: ((3, 10), (3, 20))}))
    assert (given, _expand(units), units.counts) == (80, [90, 90, 80, 80, 80], [2, 3])


def test_units_of_segments_starting_inside_their_lines() -> None:
    # Units 2-4 of L1 and 0-2 of L2: six units, L2's first at position 3 (ties go to L1's).
    units = Units([(0, 2, 5), (1, 0, 3)], [700, 500])
    assert (units.size, units.order, units.offsets, units.counts) == (6, [0, 3], [2, 0], [3, 3])


def test_normalise_sorts_joins_and_drops_empty_segments() -> None:
    assert normalise([(1, 0, 2), (0, 3, 3), (0, 1, 2), (0, 0, 1)]) == ((0, 0, 2), (1, 0, 2))
