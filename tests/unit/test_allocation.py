"""The run-length allocation against the unit-by-unit one of tests/unit/refund_model.py.

The engine never expands units: a line's units are runs of equal amounts. These tests hold the
runs to the plain per-unit largest-remainder method of the contract (whole refunds are held to the
unit-by-unit model in test_properties.py).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from returns_core.order import OrderSnapshot
from returns_core.refunds.allocation import allocate, runs_total, slice_runs
from returns_core.refunds.pricing import price_set
from tests.unit.refund_model import largest_remainder, load_order


def _expand(runs: tuple[tuple[int, int], ...]) -> list[int]:
    return [value for count, value in runs for _ in range(count)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 5000)), min_size=1, max_size=8), st.data())
def test_runs_allocate_like_single_units(groups: list[tuple[int, int]], data: st.DataObject) -> None:
    """Groups of equal units (one run each) get what the same units get one by one, tie order kept."""
    amounts = [value for count, value in groups for _ in range(count)]
    discount = data.draw(st.integers(0, sum(amounts)))
    shares = allocate(discount, [((count, value),) for count, value in groups])
    assert [share for runs in shares for share in _expand(runs)] == largest_remainder(discount, amounts)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.integers(0, 900), min_size=1, max_size=6), min_size=1, max_size=4), st.data())
def test_uneven_runs_allocate_like_single_units(lines: list[list[int]], data: st.DataObject) -> None:
    """Lines whose units already differ (after an earlier promotion) still allocate unit by unit."""
    runs = [tuple((1, value) for value in line) for line in lines]
    flat = [value for line in lines for value in line]
    discount = data.draw(st.integers(0, sum(flat)))
    shares = allocate(discount, runs)
    assert [share for line in shares for share in _expand(line)] == largest_remainder(discount, flat)
    assert sum(runs_total(line) for line in shares) == discount


def test_slices_of_runs() -> None:
    runs = ((2, 7), (3, 5))
    assert slice_runs(runs, 1, 4) == ((1, 7), (2, 5))
    assert slice_runs(runs, 2, 5) == ((3, 5),)
    assert slice_runs(runs, 0, 0) == ()


def test_price_set_of_the_seed_example() -> None:
    order = OrderSnapshot.model_validate(load_order("O-SEED-1"))
    # Alone, one item costs its full 100.00; together they cost 100.00, 50.00 each.
    assert price_set(order, order.allocation, ((0, 0, 1),)).total == 10000
    together = price_set(order, order.allocation, ((0, 0, 1), (1, 0, 1)))
    assert together.total == 10000
    assert together.part(((0, 0, 1),)) == 5000
    assert together.discount_on(0, ((1, 0, 1),)) == 5000
