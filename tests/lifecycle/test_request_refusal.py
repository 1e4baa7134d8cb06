"""The one check of a return's request that the quote and the creation share (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from local.orders import load_example_orders
from returns_core.lifecycle.rules import Windows, request_refusal
from returns_core.order import OrderSnapshot
from returns_core.refunds.models import ReturnLine

WINDOWS = Windows(customer_choice_days=7, merchant_fault_days=15)
DELIVERED = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


def order(order_id: str = "O-SEED-1", **changes) -> OrderSnapshot:
    snapshot = {**load_example_orders()[order_id], "deliveredAt": "2030-01-01T12:00:00Z", **changes}
    return OrderSnapshot.model_validate(snapshot)


def lines(*pairs: tuple[str, int]) -> list[ReturnLine]:
    return [ReturnLine(lineId=line_id, quantity=quantity) for line_id, quantity in pairs]


def check(snapshot: OrderSnapshot, returned, reason: str, days_after: float, reserved=None):
    requested = DELIVERED + timedelta(days=days_after)
    return request_refusal(
        snapshot, reserved or {}, returned, reason, windows=WINDOWS, requested_at=requested
    )


def test_inside_each_window_up_to_its_last_moment() -> None:
    assert check(order(), lines(("L2", 1)), "no_longer_needed", 7) is None
    assert check(order(), lines(("L2", 1)), "quality_issue", 15) is None
    late = check(order(), lines(("L2", 1)), "no_longer_needed", 7.0001)
    assert late is not None and late.message.startswith(
        "requested after the 7-day window for customer-choice"
    )
    assert (
        "after the 15-day window for merchant-fault"
        in check(order(), lines(("L2", 1)), "wrong_item", 16).message
    )


def test_not_delivered_comes_first() -> None:
    shipped = order(status="SHIPPED", deliveredAt=None)
    refused = check(shipped, lines(("L9", 5)), "other", 0)
    assert refused is not None and refused.message == "order O-SEED-1 has not been delivered (it is SHIPPED)"


def test_lines_and_units_left_are_all_named() -> None:
    refused = check(order(), lines(("L1", 1), ("L1", 1), ("L2", 2), ("L9", 1)), "quality_issue", 1)
    assert refused is not None and refused.message == "the return does not fit the order"
    assert refused.details == [
        {"lineId": "L1", "problem": "named more than once"},
        {"lineId": "L2", "problem": "2 asked, 1 left to return"},
        {"lineId": "L9", "problem": "not a line of this order"},
    ]


def test_a_line_that_is_not_returnable_goes_back_only_for_a_merchant_fault() -> None:
    mixed = order("O-MIX-2")
    refused = check(mixed, lines(("L4", 1)), "size_or_fit", 1)
    assert (
        refused is not None and refused.message.startswith("line L4 (") and "size_or_fit" in refused.message
    )
    assert check(mixed, lines(("L4", 1)), "damaged_in_transit", 1) is None
