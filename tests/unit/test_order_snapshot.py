"""Contract section 1: a snapshot is refused unless its numbers add up, with a message saying what is wrong.

Every refusal is asserted on the part of the message that names the culprit (field, value or the
numbers that disagree): the order system's people read these messages.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from returns_core.order import OrderSnapshot
from tests.unit.refund_model import ORDERS_DIR, load_order

EXAMPLES = sorted(path.stem for path in ORDERS_DIR.glob("*.json"))


@pytest.mark.parametrize("order_id", EXAMPLES)
def test_every_example_order_is_accepted(order_id: str) -> None:
    data = load_order(order_id)
    order = OrderSnapshot.model_validate(data)
    assert order.orderId == order_id
    assert [line.lineId for line in order.lines] == [line["lineId"] for line in data["lines"]]


def test_example_orders_are_all_there() -> None:
    assert {"O-SEED-1", "O-MIX-2", "O-JPY-3", "O-POP-4", "O-SHIP-5"} <= set(EXAMPLES)


def test_integer_views_are_minor_units() -> None:
    # O-MIX-2: 378.90 paid in 300.00 + 78.90, free shipping (fee 10.00 from 299.00).
    order = OrderSnapshot.model_validate(load_order("O-MIX-2"))
    assert order.payments_minor == (30000, 7890)
    assert order.paid_minor == 37890
    assert order.paid_for_goods_minor == 37890
    assert order.unit_prices_minor == (5990, 19900, 1550, 8800)
    shipping = (order.shipping_fee_minor, order.free_threshold_minor, order.shipping_charged_minor)
    assert shipping == (1000, 29900, 0)
    pop = OrderSnapshot.model_validate(load_order("O-POP-4"))
    assert pop.paid_for_goods_minor == 3900  # 47.00 paid less 8.00 shipping


def test_lines_are_found_by_id_in_the_order_of_the_order() -> None:
    # O-MIX-2 lists L1..L4: the lifecycle's rules find a returned line by its id.
    order = OrderSnapshot.model_validate(load_order("O-MIX-2"))
    assert [order.line_index(line.lineId) for line in order.lines] == [0, 1, 2, 3]
    assert order.line_index("L9") is None


def refused(data: dict[str, Any]) -> str:
    """Validate ``data``, expect a refusal, and give its message."""
    with pytest.raises(ValidationError) as error:
        OrderSnapshot.model_validate(data)
    return str(error.value)


def changed(order_id: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(load_order(order_id))
    change(data)
    return data


def test_numbers_that_do_not_add_up_name_the_numbers() -> None:
    # O-SEED-1: 200.00 of lines less 100.00 of discount plus 0.00 shipping is 100.00, not 99.99.
    data = changed("O-SEED-1", lambda d: d["payments"][0].update(amount="99.99"))
    message = refused(data)
    for number in ("200.00", "100.00", "99.99"):
        assert number in message


def test_payments_must_cover_the_shipping_charged() -> None:
    # O-POP-4 charged 8.00 for shipping: with 0.00 charged its 47.00 of payments are 8.00 too many.
    message = refused(changed("O-POP-4", lambda d: d["shipping"].update(charged="0.00")))
    assert "47.00" in message
    assert "39.00" in message


def test_promotion_that_does_not_apply_breaks_the_sum() -> None:
    # 满199减100 with the threshold raised to 300.00 gives nothing: 200.00 would be due, 100.00 paid.
    message = refused(changed("O-SEED-1", lambda d: d["promotions"][0].update(threshold="300.00")))
    assert "200.00" in message
    assert "100.00" in message


def test_unknown_currency() -> None:
    message = refused(changed("O-SEED-1", lambda d: d.update(currency="RMB")))
    assert "RMB" in message
    assert "currency" in message


def test_promotion_naming_an_unknown_line() -> None:
    message = refused(changed("O-SEED-1", lambda d: d["promotions"][0].update(lineIds=["L1", "L9"])))
    assert "L9" in message
    assert "P-199-100" in message


@pytest.mark.parametrize(
    ("order_id", "change", "culprit"),
    [
        ("O-SEED-1", lambda d: d["lines"][0].update(unitPrice="-100.00"), "-100.00"),
        ("O-SEED-1", lambda d: d["payments"][0].update(amount="-100.00"), "-100.00"),
        ("O-POP-4", lambda d: d["shipping"].update(fee="-8.00"), "-8.00"),
        ("O-POP-4", lambda d: d["shipping"].update(charged="-8.00"), "-8.00"),
        ("O-SEED-1", lambda d: d["promotions"][0].update(discount="-100.00"), "-100.00"),
    ],
    ids=["unit-price", "payment", "shipping-fee", "shipping-charged", "discount"],
)
def test_negative_amounts(order_id: str, change: Callable[[dict[str, Any]], None], culprit: str) -> None:
    message = refused(changed(order_id, change))
    assert culprit in message
    assert "negative" in message


@pytest.mark.parametrize(
    ("change", "culprit"),
    [
        (lambda d: d["lines"][0].update(unitPrice="1OO.00"), "1OO.00"),
        (lambda d: d["lines"][0].update(unitPrice="100,00"), "100,00"),
        (lambda d: d["payments"][0].update(amount="1e2"), "1e2"),
        (lambda d: d["shipping"].update(fee=""), "shipping.fee"),
    ],
)
def test_malformed_amounts(change: Callable[[dict[str, Any]], None], culprit: str) -> None:
    assert culprit in refused(changed("O-SEED-1", change))


def test_amounts_as_json_numbers_are_refused() -> None:
    # Money is a decimal string on the wire: a float never enters.
    message = refused(changed("O-SEED-1", lambda d: d["payments"][0].update(amount=100.0)))
    assert "amount" in message


@pytest.mark.parametrize(
    ("order_id", "change", "culprit"),
    [
        ("O-SEED-1", lambda d: d["lines"][0].update(unitPrice="100.0"), "100.0"),  # CNY has 2
        ("O-SEED-1", lambda d: d["payments"][0].update(amount="100.000"), "100.000"),
        ("O-SEED-1", lambda d: d["shipping"].update(freeThreshold="99"), "99"),
        ("O-JPY-3", lambda d: d["lines"][1].update(unitPrice="1200.00"), "1200.00"),  # JPY has 0
        ("O-JPY-3", lambda d: d["promotions"][0].update(discount="1000.0"), "1000.0"),
        ("O-JPY-3", lambda d: d["shipping"].update(fee="500.00"), "500.00"),
    ],
)
def test_wrong_number_of_decimals(order_id: str, change: Callable[[dict[str, Any]], None], culprit: str):
    message = refused(changed(order_id, change))
    assert repr(culprit) in message


def kwd_order(price: str, paid: str) -> dict[str, Any]:
    return {
        "orderId": "O-KWD",
        "customerId": "c",
        "version": 1,
        "currency": "KWD",
        "status": "DELIVERED",
        "lines": [{"lineId": "L1", "unitPrice": price, "quantity": 2}],
        "shipping": {"fee": "0.500", "freeThreshold": None, "charged": "0.500"},
        "payments": [{"paymentId": "PAY-1", "amount": paid}],
    }


def test_kwd_has_three_decimals() -> None:
    # 2 x 1.250 + 0.500 shipping = 3.000.
    assert OrderSnapshot.model_validate(kwd_order("1.250", "3.000")).paid_minor == 3000
    assert "'1.25'" in refused(kwd_order("1.25", "3.000"))
    assert "'3.00'" in refused(kwd_order("1.250", "3.00"))


@pytest.mark.parametrize(
    ("change", "culprit"),
    [
        (lambda d: d["lines"][1].update(lineId="L1"), "L1"),
        (lambda d: d["payments"].append(dict(d["payments"][0], amount="0.00")), "PAY-1"),
        (lambda d: d["promotions"].append(dict(d["promotions"][0])), "P-199-100"),
    ],
    ids=["line", "payment", "promotion"],
)
def test_ids_named_twice(change: Callable[[dict[str, Any]], None], culprit: str) -> None:
    message = refused(changed("O-SEED-1", change))
    assert culprit in message
    assert "twice" in message


@pytest.mark.parametrize(
    ("change", "culprit"),
    [
        (lambda d: d["promotions"][0].pop("discount"), "discount"),
        (lambda d: d["promotions"][0].update(maxDiscount="100.00"), "maxDiscount"),  # without repeat
        (lambda d: d["promotions"][0].update(kind="percentage"), "percent"),
        (lambda d: d["promotions"][0].update(kind="bogo"), "kind"),
        (lambda d: d["promotions"][0].update(refundPolicy="keep"), "refundPolicy"),
        (lambda d: d["promotions"][0].update(lineIds=[]), "lineIds"),
        (lambda d: d["promotions"][0].update(threshold="0.00"), "threshold"),
    ],
)
def test_malformed_promotions(change: Callable[[dict[str, Any]], None], culprit: str) -> None:
    assert culprit in refused(changed("O-SEED-1", change))


@pytest.mark.parametrize("percent", ["0", "100.5", "-10", "ten"])
def test_percentages_out_of_range(percent: str) -> None:
    message = refused(changed("O-MIX-2", lambda d: d["promotions"][0].update(percent=percent)))
    assert "percent" in message


@pytest.mark.parametrize(
    ("change", "culprit"),
    [
        (lambda d: d["lines"][0].update(quantity=0), "quantity"),
        (lambda d: d.update(lines=[]), "lines"),
        (lambda d: d.update(payments=[]), "payments"),
        (lambda d: d.pop("shipping"), "shipping"),
        (lambda d: d.update(status="LOST"), "status"),
    ],
)
def test_missing_or_impossible_fields(change: Callable[[dict[str, Any]], None], culprit: str) -> None:
    assert culprit in refused(changed("O-SEED-1", change))


def test_an_unpaid_order_comes_without_payments() -> None:
    # Contract section 1: an order still PLACED has no payments yet; the totals check waits.
    order = OrderSnapshot.model_validate(load_order("O-PLACED-8"))
    assert order.payments_minor == ()


def test_a_paid_order_without_payments_is_refused() -> None:
    data = load_order("O-PAID-7")
    data["payments"] = []
    with pytest.raises(ValueError, match="PAID must list its payments"):
        OrderSnapshot.model_validate(data)


# --- Who ships and who funds a promotion (section 1): defaults by channel ---------------------------


def test_fulfilled_by_defaults_to_the_platform_on_b2c_and_the_seller_on_pop() -> None:
    def without_it(order_id: str) -> OrderSnapshot:
        return OrderSnapshot.model_validate(changed(order_id, lambda d: d.pop("fulfilledBy", None)))

    assert without_it("O-SEED-1").fulfilment == "platform"
    assert without_it("O-POP-4").fulfilment == "seller"
    # Given, it stands whatever the channel (a POP seller may ship through the platform).
    given = OrderSnapshot.model_validate(changed("O-POP-4", lambda d: d.update(fulfilledBy="platform")))
    assert given.fulfilment == "platform"
    # Left out when absent, as received: a stored snapshot reads back the same.
    assert "fulfilledBy" not in without_it("O-POP-4").model_dump()
    assert given.model_dump()["fulfilledBy"] == "platform"
    assert "fulfilledBy" in refused(changed("O-SEED-1", lambda d: d.update(fulfilledBy="carrier")))


def test_funded_by_defaults_to_the_seller_on_pop_and_the_platform_on_b2c() -> None:
    # O-POP-6 names both funders; without them, POP promotions are the seller's.
    pop = OrderSnapshot.model_validate(load_order("O-POP-6"))
    assert [n.platform_funded for n in pop.promotion_numbers] == [False, True]

    def unnamed(d: dict[str, Any]) -> None:
        for promotion in d["promotions"]:
            promotion.pop("fundedBy", None)

    assert [
        n.platform_funded for n in OrderSnapshot.model_validate(changed("O-POP-6", unnamed)).promotion_numbers
    ] == [
        False,
        False,
    ]
    b2c = OrderSnapshot.model_validate(changed("O-MIX-2", unnamed))
    assert [n.platform_funded for n in b2c.promotion_numbers] == [True, True, True]
    assert "fundedBy" not in b2c.model_dump()["promotions"][0]

    def seller_coupon(d: dict[str, Any]) -> None:
        d["promotions"][2]["fundedBy"] = "seller"

    named = OrderSnapshot.model_validate(changed("O-MIX-2", seller_coupon))
    assert [n.platform_funded for n in named.promotion_numbers] == [True, True, False]

    def nobody(d: dict[str, Any]) -> None:
        d["promotions"][0]["fundedBy"] = "nobody"

    assert "fundedBy" in refused(changed("O-MIX-2", nobody))


def test_a_pop_order_names_its_seller() -> None:
    assert "sellerId" in refused(changed("O-POP-4", lambda d: d.pop("sellerId")))
    assert "sellerId" in refused(changed("O-POP-4", lambda d: d.update(sellerId="")))
