"""Cancellations before delivery (contract sections 2, 3 and 7) as plain worked examples.

Each amount is worked out by hand in the comment above its test, from section 2's rules: a
cancellation takes units out of the order in the same sequence as returns, its reasons are
no_longer_needed / other (customer choice) and out_of_stock (merchant fault), returnable does not
restrict it, and shipping.charged is refunded once nothing is kept and no unit went back by a
customer-choice *return*.
"""

from __future__ import annotations

from typing import Any

import pytest

from returns_core import BadRequest, quote_request
from tests.unit.refund_model import load_order, request, snapshot


def cancel(
    order: dict[str, Any], lines: dict[str, int], reason: str, previous: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    req = request(order, lines, reason, previous=previous)
    req["return"]["kind"] = "cancellation"
    return quote_request(req)


def earlier(lines: dict[str, int], reason: str, kind: str = "cancellation") -> dict[str, Any]:
    return {"lines": [{"lineId": k, "quantity": q} for k, q in lines.items()], "reason": reason, "kind": kind}


def adjustments(result: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    return sorted((a["kind"], a["amount"], a.get("promotionId")) for a in result["adjustments"])


# --- O-PAID-7: two items at 100.00 under 满199减100, paid 100.00, not shipped yet -------------------
# alloc: 50.00 / 50.00. The same numbers as the business's worked example, before delivery.


def test_paid_7_cancelling_one_item_refunds_nothing_then_the_other_everything() -> None:
    # K = {L2}: 100.00 < 199.00, cost 100.00; E = 100.00 - 100.00 = 0.00, the promotion lost on L2
    # (alloc 50.00 - cost 100.00 = -50.00). Shipping: charged 0.00, fee 6.00 under 99.00, but the
    # kept 100.00 is not below 99.00: nothing taken.
    first = cancel(load_order("O-PAID-7"), {"L1": 1}, "no_longer_needed")
    assert first["lines"] == [{"lineId": "L1", "quantity": 1, "paidAmount": "50.00"}]
    assert adjustments(first) == [("promotion_clawback", "-50.00", "P-199-100")]
    assert first["refundAmount"] == "0.00"
    # Then L2: K = {}: E = 100.00 (shipping.charged 0.00 comes back: nothing to add). 50 + 50.
    second = cancel(load_order("O-PAID-7"), {"L2": 1}, "other", [earlier({"L1": 1}, "no_longer_needed")])
    assert adjustments(second) == [("promotion_clawback", "50.00", "P-199-100")]
    assert second["refundAmount"] == "100.00"
    assert second["payments"] == [{"paymentId": "PAY-1", "amount": "100.00"}]


def test_paid_7_out_of_stock_never_costs_the_customer_the_promotion() -> None:
    # Merchant fault: cost(K) = min(price(K) 100.00, part(K, K + Rm) 50.00) = 50.00; E = 50.00.
    result = cancel(load_order("O-PAID-7"), {"L2": 1}, "out_of_stock")
    assert adjustments(result) == []
    assert result["refundAmount"] == "50.00"


# --- O-POP-4: one 39.00 phone case, 8.00 shipping charged, 47.00 paid ------------------------------


def test_cancelling_the_whole_order_refunds_the_shipping_too() -> None:
    # K = {} and no customer-choice return: shipping.charged 8.00 refunded. 39.00 + 8.00 = 47.00.
    result = cancel(load_order("O-POP-4"), {"L1": 1}, "no_longer_needed")
    assert adjustments(result)[0][:2] == ("shipping_refund", "8.00")
    assert result["refundAmount"] == "47.00"
    # The same unit returned for the same reason keeps the shipping: 39.00.
    returned = quote_request(request(load_order("O-POP-4"), {"L1": 1}, "no_longer_needed"))
    assert returned["refundAmount"] == "39.00"


def two_plain_items() -> dict[str, Any]:
    # L1 30.00 x2, no promotion, 8.00 shipping charged: 68.00 paid.
    return snapshot("CNY", [(3000, 2, True)], [], fee=800, charged=800)


def test_the_shipping_comes_back_with_the_last_unit_cancelled() -> None:
    # First unit: K = {L1u2} is kept, no shipping refund yet (a partial cancellation): 30.00.
    order = two_plain_items()
    first = cancel(order, {"L1": 1}, "other")
    assert (adjustments(first), first["refundAmount"]) == ([], "30.00")
    # Second: K = {}, the earlier unit was cancelled (not returned): 30.00 + 8.00.
    second = cancel(order, {"L1": 1}, "no_longer_needed", [earlier({"L1": 1}, "other")])
    assert [a[:2] for a in adjustments(second)] == [("shipping_refund", "8.00")]
    assert second["refundAmount"] == "38.00"


def test_a_customer_choice_return_keeps_the_shipping_whatever_is_cancelled_after() -> None:
    # The first unit went back by a customer-choice return: shipping.charged is never refunded.
    order = two_plain_items()
    after_return = cancel(order, {"L1": 1}, "no_longer_needed", [earlier({"L1": 1}, "size_or_fit", "return")])
    assert (adjustments(after_return), after_return["refundAmount"]) == ([], "30.00")
    # A merchant-fault return first does not stand in the way: 30.00 + 8.00.
    after_fault = cancel(order, {"L1": 1}, "no_longer_needed", [earlier({"L1": 1}, "wrong_item", "return")])
    assert after_fault["refundAmount"] == "38.00"


# --- O-JPY-3: a partial cancellation of a free-shipping order takes the fee back (section 7) -------
# L1 3980 x2, L2 1200; 1000 off at 8000; paid 8160; shipping free (fee 500 under 5000).
# Paid per unit: L1 3545 / 3546, L2 1069.


def test_jpy_cancelling_both_matcha_takes_the_shipping_fee_back() -> None:
    # K = L2: 1200 < 5000 with free shipping and Rc not empty: 500 taken. E = 8160 - 1200 - 500
    # = 6460 (as for the same return). Clawback on L2 1069 - 1200 = -131.
    result = cancel(load_order("O-JPY-3"), {"L1": 2}, "no_longer_needed")
    assert adjustments(result) == [
        ("promotion_clawback", "-131", "P-8000-1000"),
        ("shipping_clawback", "-500", None),
    ]
    assert result["refundAmount"] == "6460"
    # Then the cup: K = {}: the fee is given back, no shipping was charged. 8160 in all.
    rest = cancel(load_order("O-JPY-3"), {"L2": 1}, "other", [earlier({"L1": 2}, "no_longer_needed")])
    assert adjustments(rest) == [
        ("promotion_clawback", "131", "P-8000-1000"),
        ("shipping_clawback", "500", None),
    ]
    assert rest["refundAmount"] == "1700"


# --- O-MIX-2: a line that is not returnable can be cancelled for any cancellation reason ----------


def test_mix_fresh_durian_cancelled_for_no_longer_needed() -> None:
    # K = L1 x3, L2, L3 x2 = 409.70: 每满100减20 4 x 20.00 = 80.00 -> 329.70; coupon 满300减30 on
    # 329.70 -> 30.00: price(K) = 299.70, not below 299.00 (no shipping clawback). E = 378.90 -
    # 299.70 = 79.20. L4 paid 73.39; coupon on K 30.00 against its allocation to K 30.00 - 5.81:
    # +5.81; 每满100减20 and the fresh 10% unchanged on K. 73.39 + 5.81 = 79.20.
    result = cancel(load_order("O-MIX-2"), {"L4": 1}, "no_longer_needed")
    assert result["lines"] == [{"lineId": "L4", "quantity": 1, "paidAmount": "73.39"}]
    assert adjustments(result) == [("promotion_clawback", "5.81", "C-300-30")]
    assert result["refundAmount"] == "79.20"


# --- Bad requests -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "kind", "reason"),
    [
        ("return", "return", "out_of_stock"),
        ("return", "cancellation", "quality_issue"),
        ("return", "cancellation", "size_or_fit"),
        ("previousReturns[0]", "return", "out_of_stock"),
        ("previousReturns[0]", "cancellation", "wrong_item"),
    ],
)
def test_reasons_that_do_not_fit_the_kind_are_refused(where: str, kind: str, reason: str) -> None:
    req = request(load_order("O-PAID-7"), {"L2": 1}, "no_longer_needed")
    if where == "return":
        req["return"].update(kind=kind, reason=reason)
    else:
        req["previousReturns"] = [earlier({"L1": 1}, reason, kind)]
    with pytest.raises(BadRequest) as raised:
        quote_request(req)
    assert str(raised.value).startswith(f"{where}: '{reason}'")


def test_an_unknown_kind_is_refused() -> None:
    req = request(load_order("O-PAID-7"), {"L2": 1}, "no_longer_needed")
    req["return"]["kind"] = "exchange"
    with pytest.raises(BadRequest, match="kind"):
        quote_request(req)


def test_the_engine_is_never_asked_about_an_unpaid_order() -> None:
    with pytest.raises(BadRequest, match=r"O-PLACED-8.*not paid"):
        cancel(load_order("O-PLACED-8"), {"L1": 1}, "no_longer_needed")
