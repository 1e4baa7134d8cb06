"""Inputs that tell the engine from its mutants where the other unit tests could not (issue 14).

Mutation testing (``make mutation``) found rules no test held at their edge: an amount exactly at a
threshold, a shipping clawback inside what an earlier return owed, a one-cent balance, a line named
twice, units of several lines joined into runs, the exact words of every description, and a
percentage promotion carrying threshold fields. Every amount is worked out by hand in the comment
above its check, from docs/CONTRACT.md sections 1-3, as in test_worked_examples.py.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest
from pydantic import ValidationError

from returns_core import BadRequest, money, quote_request
from returns_core.order import OrderSnapshot
from returns_core.refunds.models import QuoteError, QuoteRequest
from returns_core.refunds.quote import quote
from tests.unit.quote_model import model_quote, without_descriptions
from tests.unit.refund_model import load_order, request, snapshot


def run(req: dict[str, Any]) -> dict[str, Any]:
    return quote(QuoteRequest.model_validate(req)).to_json()


def explained(result: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The adjustments as (kind, amount, description), sorted: the contract fixes no order."""
    return sorted((a["kind"], a["amount"], a["description"]) for a in result["adjustments"])


def earlier(lines: dict[str, int], reason: str, refunded: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "lines": [{"lineId": k, "quantity": q} for k, q in lines.items()],
        "reason": reason,
    }
    if refunded is not None:
        entry["refunded"] = refunded
    return entry


def threshold(promotion_id: str, at: str, off: str, line_ids: list[str], title: str = "") -> dict[str, Any]:
    promotion = {"promotionId": promotion_id, "kind": "threshold", "threshold": at, "discount": off}
    return {**promotion, "lineIds": line_ids, "title": title}


# --- Section 1: a threshold is met when the amount *reaches* it ---------------------------------


def test_kept_items_exactly_at_the_threshold_keep_the_promotion() -> None:
    # L1 199.00 + L2 50.00 under 满199减100: 249.00 -> 100.00 off, paid 149.00. alloc of 100.00 over
    # 199/50 (of 249): 79.919.. and 20.080..: floors 79.91 + 20.08, the cent left to L1 (.92 > .08):
    # L1 paid 119.08, L2 29.92. Returning L2 keeps L1 at exactly 199.00: it still reaches 199.00,
    # so price(K) = 99.00 and E = 149.00 - 99.00 = 50.00. Promotion on K: 100.00 - alloc 79.92 = +20.08.
    order = snapshot(
        "CNY",
        [(19_900, 1, True), (5_000, 1, True)],
        [threshold("P", "199.00", "100.00", ["L1", "L2"], "满199减100")],
    )
    result = run(request(order, {"L2": 1}, "no_longer_needed"))
    assert result["lines"] == [{"lineId": "L2", "quantity": 1, "paidAmount": "29.92"}]
    assert explained(result) == [
        (
            "promotion_clawback",
            "20.08",
            "kept items (199.00) get 20.08 more off from 满199减100 on their own than their share of it",
        )
    ]
    assert result["refundAmount"] == "50.00"


@pytest.mark.parametrize(
    ("base", "expected"),
    [(0, 0), (19_899, 0), (19_900, 10_000), (39_799, 10_000), (39_800, 20_000), (99_999, 30_000)],
)
def test_a_repeating_threshold_counts_each_full_threshold_up_to_its_cap(base: int, expected: int) -> None:
    # 每满199减100 up to 300.00: once per full 199.00, so 199.00 -> 100.00, 398.00 -> 200.00,
    # 999.99 -> 5 x 100.00 = 500.00 capped at 300.00; 198.99 and 0.00 -> nothing.
    promotion = {**threshold("P", "199.00", "100.00", ["L1"]), "repeat": True, "maxDiscount": "300.00"}
    order = snapshot("CNY", [(100_000, 1, True)], [promotion])
    assert OrderSnapshot.model_validate(order).promotion_numbers[0].discount_on(base) == expected


# --- Section 2: shipping at freeThreshold ---------------------------------------------------------


def free_shipping_order(free_threshold: int) -> dict[str, Any]:
    """L1 100.00 + L2 50.00, no promotion, shipping 10.00 free from ``free_threshold``: 150.00 paid."""
    return snapshot(
        "CNY", [(10_000, 1, True), (5_000, 1, True)], [], fee=1_000, free_threshold=free_threshold
    )


def test_kept_items_worth_exactly_the_free_threshold_keep_free_shipping() -> None:
    # K = {L1}: price(K) = 100.00 is not *strictly below* freeThreshold 100.00: nothing taken back.
    result = run(request(free_shipping_order(10_000), {"L2": 1}, "no_longer_needed"))
    assert result["adjustments"] == []
    assert result["refundAmount"] == "50.00"


def test_kept_items_a_cent_below_the_free_threshold_pay_the_shipping() -> None:
    # freeThreshold 100.01: K = {L1} at 100.00 is below it, Rc is not empty, nothing was charged:
    # the fee 10.00 is taken back. E = 150.00 - 100.00 - 10.00 = 40.00.
    result = run(request(free_shipping_order(10_001), {"L2": 1}, "no_longer_needed"))
    assert explained(result) == [
        (
            "shipping_clawback",
            "-10.00",
            "kept items (100.00) no longer reach 100.01 for free shipping: "
            "the standard shipping fee 10.00 is charged",
        )
    ]
    assert result["refundAmount"] == "40.00"


# --- Section 2: what an earlier return owed includes its shipping clawback ----------------------


@pytest.mark.parametrize(("refunded", "refund", "balance"), [("6460", "1700", []), ("6459", "1701", ["1"])])
def test_an_earlier_shipping_clawback_is_part_of_what_that_return_owed(
    refunded: str, refund: str, balance: list[str]
) -> None:
    # O-JPY-3 (see test_worked_examples): both matcha back for no_longer_needed left K = L2 at 1200,
    # below 5000, so E = 8160 - 1200 - 500 (shipping taken back) = 6460. Given as refunded, 6460 is
    # exactly what was owed: no balance. The cup now: E = 8160, refund 8160 - 6460 = 1700 (lines
    # 1069, promotion +131, shipping +500). Given as 6459, one yen is still owed: 1701.
    previous = [earlier({"L1": 2}, "no_longer_needed", refunded)]
    result = run(request(load_order("O-JPY-3"), {"L2": 1}, "other", previous=previous))
    owed = [
        ("prior_balance", amount, f"{amount} still owed from earlier returns is added") for amount in balance
    ]
    assert explained(result) == sorted(
        [
            (
                "promotion_clawback",
                "131",
                "nothing is kept any more: "
                "the 131 of 8000円以上で1000円引き taken back earlier is given back",
            ),
            ("shipping_clawback", "500", "the shipping fee 500 charged on an earlier return is given back"),
            *owed,
        ]
    )
    assert result["refundAmount"] == refund


# --- Section 2: refund = max(0, E - refundedSoFar), to the cent -------------------------------------


def test_one_cent_still_owed_by_earlier_returns_is_paid() -> None:
    # O-SEED-1: L1 back for quality_issue left E = 50.00 (K = {L2} at its share, 50.00); only 49.99
    # was refunded. L2 now: K empty, E = 100.00, refund 100.00 - 49.99 = 50.01: the line's 50.00 and
    # a prior_balance of 0.01 (the promotion's effect on K stays 0: no clawback).
    previous = [earlier({"L1": 1}, "quality_issue", "49.99")]
    result = run(request(load_order("O-SEED-1"), {"L2": 1}, "no_longer_needed", previous=previous))
    assert explained(result) == [("prior_balance", "0.01", "0.01 still owed from earlier returns is added")]
    assert result["refundAmount"] == "50.01"


def test_one_cent_refunded_too_much_is_recovered() -> None:
    # The same with 50.01 refunded for L1: E 100.00 - 50.01 = 49.99; the cent comes off this refund.
    previous = [earlier({"L1": 1}, "quality_issue", "50.01")]
    result = run(request(load_order("O-SEED-1"), {"L2": 1}, "no_longer_needed", previous=previous))
    assert explained(result) == [
        (
            "prior_shortfall",
            "-0.01",
            "0.01 refunded too much by earlier returns (a shortfall carried forward) is recovered",
        )
    ]
    assert result["refundAmount"] == "49.99"


# --- Section 3: a line named twice in one return is refused, even with units left -----------------


def three_of_a_kind() -> dict[str, Any]:
    """L1 100.00 x 3, no promotion: 300.00 paid."""
    return snapshot("CNY", [(10_000, 3, True)], [])


def test_a_line_named_twice_in_the_return_is_refused() -> None:
    # L1 has 3 units, so 1 + 1 would fit: the refusal is for naming it twice, not for the quantity.
    req = request(three_of_a_kind(), {"L1": 1}, "no_longer_needed")
    req["return"]["lines"] = [{"lineId": "L1", "quantity": 1}, {"lineId": "L1", "quantity": 1}]
    with pytest.raises(QuoteError, match=r"^return: line 'L1' is named twice$"):
        run(req)


def test_a_line_named_twice_in_an_earlier_return_is_refused() -> None:
    twice = {"lines": [{"lineId": "L1", "quantity": 1}] * 2, "reason": "size_or_fit"}
    req = request(three_of_a_kind(), {"L1": 1}, "no_longer_needed", previous=[twice])
    with pytest.raises(QuoteError, match=r"^previousReturns\[0\]: line 'L1' is named twice$"):
        run(req)


# --- Section 2: units of several lines, returned over several returns -----------------------------


def test_units_of_several_lines_across_returns_are_priced_unit_by_unit() -> None:
    # L1 100.00 x 2, L2 30.00 x 4 under 满150减20 on both: 320.00 -> 20.00 off, paid 300.00.
    # alloc of 20.00 over 100/100/30/30/30/30 (of 320): L1 6.25 each (exact); L2 1.875 each ->
    # floors 1.87, the two cents left to the first two L2 units (ties: earlier unit). Paid: L1 93.75
    # x 2, L2 28.12, 28.12, 28.13, 28.13.
    # Earlier: L1 x1 + L2 x1 (no_longer_needed): K = L1u2 + L2u2..u4 = 190.00 -> 20.00 off; its
    # alloc 6.25 + 1.88 + 1.87 + 1.87 = 11.87: promotion on K +8.13; E = 300.00 - 170.00 = 130.00.
    # Now L2 x1 (its second unit, 28.12): K = L1u2 + L2u3 + L2u4 = 160.00 -> 20.00 off, alloc 9.99:
    # +10.01, a change of +1.88. E = 300.00 - 140.00 = 160.00, refund 160.00 - 130.00 = 30.00.
    order = snapshot(
        "CNY", [(10_000, 2, True), (3_000, 4, True)], [threshold("P", "150.00", "20.00", ["L1", "L2"])]
    )
    previous = [earlier({"L1": 1, "L2": 1}, "no_longer_needed")]
    result = run(request(order, {"L2": 1}, "no_longer_needed", previous=previous))
    assert result["lines"] == [{"lineId": "L2", "quantity": 1, "paidAmount": "28.12"}]
    assert explained(result) == [
        (
            "promotion_clawback",
            "1.88",
            "kept items (160.00) get 1.88 more off from P on their own than their share of it",
        )
    ]
    assert result["refundAmount"] == "30.00"


# --- Section 3: every description, word for word ----------------------------------------------------
# Amounts as worked out in test_worked_examples.py; these pin the words a customer reads.


def test_the_contract_example_description() -> None:
    # Section 3's own example: O-SEED-1, L2 for no_longer_needed.
    result = run(request(load_order("O-SEED-1"), {"L2": 1}, "no_longer_needed"))
    assert explained(result) == [
        ("promotion_clawback", "-50.00", "kept items (100.00) no longer reach 199.00 for 满199减100")
    ]


def test_descriptions_of_a_promotion_getting_less_and_more_off() -> None:
    # O-MIX-2, one shirt for size_or_fit: 每满100减20 on K (349.80) -8.30; the coupon on K (369.00) +3.54.
    result = run(request(load_order("O-MIX-2"), {"L1": 1}, "size_or_fit"))
    assert explained(result) == [
        (
            "promotion_clawback",
            "-8.30",
            "kept items (349.80) get 8.30 less off from 每满100减20 than before",
        ),
        (
            "promotion_clawback",
            "3.54",
            "kept items (369.00) get 3.54 more off from Coupon 满300减30 on their own than their share of it",
        ),
    ]


def test_descriptions_of_a_lost_coupon_and_lost_free_shipping() -> None:
    # O-MIX-2, the jeans for no_longer_needed: K 210.70 for 每满100减20 (-1.14), 249.90 for the coupon
    # (below 300.00: -18.25) and for shipping (below 299.00: -10.00).
    result = run(request(load_order("O-MIX-2"), {"L2": 1}, "no_longer_needed"))
    assert explained(result) == [
        ("promotion_clawback", "-1.14", "kept items (210.70) get 1.14 less off from 每满100减20 than before"),
        ("promotion_clawback", "-18.25", "kept items (249.90) no longer reach 300.00 for Coupon 满300减30"),
        (
            "shipping_clawback",
            "-10.00",
            "kept items (249.90) no longer reach 299.00 for free shipping: "
            "the standard shipping fee 10.00 is charged",
        ),
    ]


def test_description_of_a_clawback_given_back_for_a_merchant_fault_return() -> None:
    # O-MIX-2, the jeans for quality_issue after a shirt: K priced with the jeans (cost 187.53), so
    # 每满100减20's earlier -8.30 comes back by 4.73; the coupon on K ∪ Rm (369.00) gets 1.65 less.
    previous = [earlier({"L1": 1}, "size_or_fit")]
    result = run(request(load_order("O-MIX-2"), {"L2": 1}, "quality_issue", previous=previous))
    assert explained(result) == [
        (
            "promotion_clawback",
            "-1.65",
            "kept items (369.00) get 1.65 less off from Coupon 满300减30 than before",
        ),
        (
            "promotion_clawback",
            "4.73",
            "4.73 of 每满100减20 taken back earlier is given back: "
            "items returned for a fault of the merchant count for it again",
        ),
    ]


def test_descriptions_when_nothing_is_kept_any_more() -> None:
    # O-MIX-2, everything else for quality_issue after 39.90 and 151.47: 每满100减20 -3.57 -> 0
    # (+3.57), the coupon +1.89 -> 0 (-1.89).
    previous = [earlier({"L1": 1}, "size_or_fit", "39.90"), earlier({"L2": 1}, "quality_issue", "151.47")]
    result = run(
        request(load_order("O-MIX-2"), {"L1": 2, "L3": 2, "L4": 1}, "quality_issue", previous=previous)
    )
    assert explained(result) == [
        (
            "promotion_clawback",
            "-1.89",
            "nothing is kept any more: the extra 1.89 off from Coupon 满300减30 on kept items is settled",
        ),
        (
            "promotion_clawback",
            "3.57",
            "nothing is kept any more: the 3.57 of 每满100减20 taken back earlier is given back",
        ),
    ]


def test_description_of_a_clawback_given_back_while_the_kept_items_stay_below_the_threshold() -> None:
    # L1 100.00 x 3 under 满250减50: 300.00 -> 50.00 off, 5000 cents over three equal units: 1666.67
    # each, floors 1666 x 3 = 4998, the two cents to the first two units (equal remainders: earlier
    # unit): shares 16.67, 16.67, 16.66; paid 83.33, 83.33, 83.34 (250.00).
    # After unit 1 (no_longer_needed): K = u2 + u3 = 200.00 < 250.00: no discount, promotion on K
    # 0 - 33.33 = -33.33, E = 250.00 - 200.00 = 50.00. Unit 2 now: K = u3 = 100.00, still below
    # 250.00: -16.66, a change of +16.67 -- the share taken back on unit 2, which has come back;
    # the kept unit does not qualify again.
    # E = 250.00 - 100.00 = 150.00, refund 150.00 - (250.00 - 200.00 = 50.00) = 100.00.
    order = snapshot("CNY", [(10_000, 3, True)], [threshold("P", "250.00", "50.00", ["L1"], "满250减50")])
    previous = [earlier({"L1": 1}, "no_longer_needed")]
    result = run(request(order, {"L1": 1}, "no_longer_needed", previous=previous))
    assert result["lines"] == [{"lineId": "L1", "quantity": 1, "paidAmount": "83.33"}]
    assert explained(result) == [
        (
            "promotion_clawback",
            "16.67",
            "16.67 of 满250减50 taken back earlier is given back: "
            "the items it was taken back on have come back",
        )
    ]
    assert result["refundAmount"] == "100.00"


def test_description_of_a_clawback_given_back_when_the_kept_items_qualify_in_full_again() -> None:
    # 每满100减10 on A 199.00, B 1.00, C 100.00: 300.00 -> 30.00 off: A 19.90, B 0.10, C 10.00
    # (exact), paid 270.00. B back: K = A + C = 299.00 -> 20.00 off against an allocation of 29.90:
    # -9.90, E = 270.00 - 279.00 = -9.00 (refund 0.00, 9.00 carried). A back now: K = C = 100.00
    # -> 10.00 off, its full allocation again: 0, a change of +9.90. E = 270.00 - 90.00 = 180.00,
    # refund 180.00: A's 179.10 + 9.90, less the 9.00 carried.
    every = {**threshold("P", "100.00", "10.00", ["L1", "L2", "L3"], "每满100减10"), "repeat": True}
    order = snapshot("CNY", [(19_900, 1, True), (100, 1, True), (10_000, 1, True)], [every])
    previous = [earlier({"L2": 1}, "no_longer_needed", "0.00")]
    result = run(request(order, {"L1": 1}, "no_longer_needed", previous=previous))
    assert explained(result) == [
        (
            "prior_shortfall",
            "-9.00",
            "9.00 refunded too much by earlier returns (a shortfall carried forward) is recovered",
        ),
        (
            "promotion_clawback",
            "9.90",
            "9.90 of 每满100减10 taken back earlier is given back: the kept items (100.00) qualify again",
        ),
    ]
    assert result["refundAmount"] == "180.00"


def test_descriptions_of_shipping_refunded_and_of_fees() -> None:
    # O-POP-4: the phone case back for not_as_described refunds the 8.00 shipping too; back for
    # no_longer_needed with 8.00 return shipping and 5.00 deducted at inspection.
    refunded = run(request(load_order("O-POP-4"), {"L1": 1}, "not_as_described"))
    assert explained(refunded) == [
        (
            "shipping_refund",
            "8.00",
            "shipping (8.00) is refunded: every item came back for a fault of the merchant",
        )
    ]
    fees = run(request(load_order("O-POP-4"), {"L1": 1}, "no_longer_needed", fee="8.00", deduction="5.00"))
    assert explained(fees) == [
        ("inspection_deduction", "-5.00", "5.00 deducted for damage found at inspection"),
        ("return_shipping_fee", "-8.00", "return shipping (8.00) is paid by the customer"),
    ]


def test_description_of_a_shortfall_carried() -> None:
    # O-POP-4 with 30.00 + 20.00 of fees: 39.00 - 50.00 = -11.00, lifted to 0.00.
    result = run(request(load_order("O-POP-4"), {"L1": 1}, "size_or_fit", fee="30.00", deduction="20.00"))
    carried = [a for a in result["adjustments"] if a["kind"] == "shortfall_carried"]
    assert carried == [
        {
            "kind": "shortfall_carried",
            "amount": "11.00",
            "description": (
                "this return would refund -11.00; nothing is charged: "
                "11.00 is carried to the next return of this order"
            ),
        }
    ]


# --- Section 1: a promotion carries the fields of its kind only --------------------------------------


@pytest.mark.parametrize("field", ["threshold", "discount", "maxDiscount"])
def test_a_percentage_promotion_carrying_threshold_fields_is_refused(field: str) -> None:
    # O-MIX-2's P-FRESH-10 is a percentage promotion: any one threshold field is refused alone.
    order = load_order("O-MIX-2")
    order["promotions"][0][field] = "10.00"
    with pytest.raises(ValidationError) as error:
        OrderSnapshot.model_validate(order)
    message = str(error.value)
    assert (
        "promotions[P-FRESH-10]: 'threshold', 'discount' and 'maxDiscount' belong to threshold promotions"
        in message
    )


def test_a_threshold_promotion_carrying_a_percent_is_refused() -> None:
    order = load_order("O-SEED-1")
    order["promotions"][0]["percent"] = "10"
    with pytest.raises(ValidationError) as error:
        OrderSnapshot.model_validate(order)
    assert "promotions[P-199-100]: 'percent' belongs to percentage promotions" in str(error.value)


# --- Money on the wire: the messages say what was expected -------------------------------------------


@pytest.mark.parametrize(
    ("text", "currency", "message"),
    [
        (1.5, "CNY", "amount: expected a decimal string such as '0.00', got 1.5"),
        (1500, "JPY", "amount: expected a decimal string such as '0', got 1500"),
        ("1.5", "JPY", "amount: '1.5' must have no decimals for JPY"),
        ("1.5", "CNY", "amount: '1.5' must have exactly 2 decimals for CNY"),
        ("1.50", "KWD", "amount: '1.50' must have exactly 3 decimals for KWD"),
    ],
)
def test_amounts_refused_say_what_was_expected(text: object, currency: str, message: str) -> None:
    with pytest.raises(money.MoneyError) as error:
        money.parse(text, currency)  # type: ignore[arg-type]  # the wrong type is the point
    assert str(error.value) == message


# --- Section 3: quote_request's one-line messages for requests of the wrong shape --------------------


def test_a_request_that_is_not_an_object_is_named_request() -> None:
    with pytest.raises(BadRequest) as error:
        quote_request([1, 2])
    assert str(error.value) == "request: Input should be a valid dictionary or instance of QuoteRequest"


def test_every_shape_error_is_named_by_its_path_and_joined_on_one_line() -> None:
    with pytest.raises(BadRequest) as error:
        quote_request({"order": load_order("O-SEED-1"), "return": {"lines": [], "reason": "x"}})
    reasons = "'quality_issue', 'not_as_described', 'wrong_item', 'damaged_in_transit', "
    reasons += "'no_longer_needed', 'size_or_fit', 'other' or 'out_of_stock'"
    assert str(error.value) == (
        "return.lines: List should have at least 1 item after validation, not 0; "
        f"return.reason: Input should be {reasons}"
    )


def test_an_inconsistent_snapshot_says_so_without_pydantic_prefix() -> None:
    order = load_order("O-SEED-1")
    order["payments"][0]["amount"] = "99.99"
    with pytest.raises(BadRequest) as error:
        quote_request(request(order, {"L1": 1}, "other"))
    assert str(error.value) == (
        "order: order numbers do not add up: lines 200.00 less discounts 100.00 plus shipping 0.00 "
        "is 100.00, but payments add up to 99.99"
    )


# --- Amounts of one minor unit: the sign, not the size, picks the words -------------------------------


def test_a_shipping_fee_of_one_cent_taken_back() -> None:
    # L1 100.00 + L2 50.00, shipping 0.01 free from 150.00: K = {L1} at 100.00 is below it, so the
    # 0.01 fee is taken back. E = 150.00 - 100.00 - 0.01 = 49.99.
    order = snapshot("CNY", [(10_000, 1, True), (5_000, 1, True)], [], fee=1, free_threshold=15_000)
    result = run(request(order, {"L2": 1}, "no_longer_needed"))
    assert explained(result) == [
        (
            "shipping_clawback",
            "-0.01",
            "kept items (100.00) no longer reach 150.00 for free shipping: "
            "the standard shipping fee 0.01 is charged",
        )
    ]
    assert result["refundAmount"] == "49.99"


def test_a_one_cent_clawback_given_back_when_nothing_is_kept() -> None:
    # L1 199.00, L2 0.02 x 2, L3 1.00 under 满199减1 on all: 200.04 -> 1.00 off, paid 199.04. The
    # 100 cents over 19900/2/2/100 (of 20004): floors 99 + 0 + 0 + 0; the cent left goes to the
    # largest remainder, L3's (.4999 beats L1's .4801): L1 0.99, L3 0.01 off.
    # L1 back first: K = L2 x 2 + L3 = 1.04, below 199.00: no discount, against an allocation of
    # 0.01: -0.01. Now the rest: nothing kept, so that -0.01 comes back: +0.01. E = 199.04, the
    # first return got 199.04 - 1.04 = 198.00, so 1.04 now (0.04 + 0.99 + 0.01).
    promotion = threshold("P", "199.00", "1.00", ["L1", "L2", "L3"], "满199减1")
    order = snapshot("CNY", [(19_900, 1, True), (2, 2, True), (100, 1, True)], [promotion])
    previous = [earlier({"L1": 1}, "no_longer_needed")]
    result = run(request(order, {"L2": 2, "L3": 1}, "no_longer_needed", previous=previous))
    assert explained(result) == [
        (
            "promotion_clawback",
            "0.01",
            "nothing is kept any more: the 0.01 of 满199减1 taken back earlier is given back",
        )
    ]
    assert result["refundAmount"] == "1.04"


def test_less_off_while_the_priced_units_still_exactly_reach_the_threshold() -> None:
    # L1 50.00 x 3, L2 10.00, L3 3.00 x 2 under 每满100减0.50: 166.00 -> 0.50 off, paid 165.50.
    # 50 cents over 5000 x 3, 1000, 300 x 2 (of 16600): floors 15, 15, 15, 3, 0, 0 = 48; the two
    # cents left to L3's units (remainder .9036): L1 0.15 each, L2 0.03, L3 0.01 each.
    # L1u1 back for quality_issue: K = L1u2, L1u3, L2, L3 x 2 = 116.00 -> 0.50 off alone (115.50,
    # below its part with L1u1, 165.50 - 49.85 = 115.65): on K 0.50 - alloc 0.35 = +0.15.
    # Now L1u2, L2, L3 x 2 for no_longer_needed: K = L1u3; alone 50.00, with L1u1 100.00 (exactly
    # 100.00: 0.50 off, 0.25 each), so cost(K) = 49.75 in that pricing, whose base is 100.00:
    # on K 0.25 - alloc 0.15 = +0.10, a change of -0.05. It still reaches 100.00: "less off".
    # E: 165.50 - 49.75 = 115.75 after, 165.50 - 115.50 = 50.00 before: 65.75.
    every = {**threshold("P", "100.00", "0.50", ["L1", "L2", "L3"], "每满100减0.50"), "repeat": True}
    order = snapshot("CNY", [(5_000, 3, True), (1_000, 1, True), (300, 2, True)], [every])
    previous = [earlier({"L1": 1}, "quality_issue")]
    result = run(request(order, {"L1": 1, "L2": 1, "L3": 2}, "no_longer_needed", previous=previous))
    assert explained(result) == [
        (
            "promotion_clawback",
            "-0.05",
            "kept items (100.00) get 0.05 less off from 每满100减0.50 than before",
        )
    ]
    assert result["refundAmount"] == "65.75"


def test_a_one_cent_clawback_given_back_while_something_is_still_kept() -> None:
    # The order of the test above: after L1, K = L2 x 2 + L3 carries -0.01 (no discount, allocated
    # 0.01, all of it on L3). L3 back now: K = L2 x 2 (0.04, allocated nothing): 0, so +0.01, and
    # what is kept is still far below 199.00. E = 199.04 - 0.04 = 199.00, less the 198.00 of the
    # first return: 1.00 (L3's 0.99 and the cent).
    promotion = threshold("P", "199.00", "1.00", ["L1", "L2", "L3"], "满199减1")
    order = snapshot("CNY", [(19_900, 1, True), (2, 2, True), (100, 1, True)], [promotion])
    previous = [earlier({"L1": 1}, "no_longer_needed")]
    result = run(request(order, {"L3": 1}, "no_longer_needed", previous=previous))
    assert explained(result) == [
        (
            "promotion_clawback",
            "0.01",
            "0.01 of 满199减1 taken back earlier is given back: "
            "the items it was taken back on have come back",
        )
    ]
    assert result["refundAmount"] == "1.00"


# --- Section 2: shipping refunded when nothing is kept, said the way it happened ---------------------


def cancelled_first(kind: str, reason: str) -> dict[str, Any]:
    """L1 30.00 + L2 20.00 with 8.00 shipping charged (58.00 paid): L1 cancelled by the customer
    (K = L2: E = 50.00 - 20.00 = 30.00), then L2 goes back as ``kind`` for ``reason``: nothing is
    kept and nothing went back by a customer-choice return, so the 8.00 comes back too:
    E = 58.00, refund 58.00 - 30.00 = 28.00."""
    order = snapshot("CNY", [(3_000, 1, True), (2_000, 1, True)], [], fee=800, charged=800)
    previous = [{**earlier({"L1": 1}, "no_longer_needed"), "kind": "cancellation"}]
    req = request(order, {"L2": 1}, reason, previous=previous)
    req["return"]["kind"] = kind
    return run(req)


def test_shipping_refunded_after_a_cancellation_and_a_merchant_fault_return() -> None:
    result = cancelled_first("return", "quality_issue")
    assert explained(result) == [
        (
            "shipping_refund",
            "8.00",
            "shipping (8.00) is refunded: every item was cancelled before delivery or came back for a fault "
            "of the merchant",
        )
    ]
    assert result["refundAmount"] == "28.00"


def test_shipping_refunded_when_the_whole_order_was_cancelled() -> None:
    result = cancelled_first("cancellation", "other")
    assert explained(result) == [
        (
            "shipping_refund",
            "8.00",
            "shipping (8.00) is refunded: the whole order was cancelled before delivery",
        )
    ]
    assert result["refundAmount"] == "28.00"


def test_units_of_two_lines_that_meet_end_to_start_stay_apart() -> None:
    # L1 100.00 x 3, L2 30.00 x 3 under 满150减20: 390.00 -> 20.00 off, paid 370.00. 2000 cents over
    # 10000 x 3, 3000 x 3 (of 39000): floors 512 and 153 (remainders .82 and .846) = 1995; the five
    # cents to L2's three units, then L1u1 and L1u2: L1 5.13, 5.13, 5.12; L2 1.54 each. Paid: L1
    # 94.87, 94.87, 94.88; L2 28.46 each.
    # Earlier L1 x1 + L2 x2 for quality_issue: K = L1u2, L1u3, L2u3 = 230.00 -> 210.00 alone, below
    # its part with Rm (218.21): on K 20.00 - alloc 11.79 = +8.21; E = 370.00 - 210.00 = 160.00.
    # Now L1u2 and L2u3 for no_longer_needed (units 1-2 of L1 and 2-3 of L2: they meet only by
    # number): K = L1u3, alone 100.00, with Rm (L1u1, L2u1, L2u2) 260.00 -> 20.00 off: L1 7.69
    # each, so part(K) = 92.31 = cost(K), on K 7.69 - alloc 5.12 = +2.57: a change of -5.64.
    # E = 370.00 - 92.31 = 277.69, refund 117.69 (94.87 + 28.46 - 5.64).
    promotion = threshold("P", "150.00", "20.00", ["L1", "L2"])
    order = snapshot("CNY", [(10_000, 3, True), (3_000, 3, True)], [promotion])
    previous = [earlier({"L1": 1, "L2": 2}, "quality_issue")]
    result = run(request(order, {"L1": 1, "L2": 1}, "no_longer_needed", previous=previous))
    assert [(ln["lineId"], ln["paidAmount"]) for ln in result["lines"]] == [("L1", "94.87"), ("L2", "28.46")]
    assert explained(result) == [
        ("promotion_clawback", "-5.64", "kept items (260.00) get 5.64 less off from P than before")
    ]
    assert result["refundAmount"] == "117.69"


def test_merchant_fault_units_of_two_lines_that_meet_end_to_start_stay_apart() -> None:
    # The order above (L1 paid 94.87, 94.87, 94.88, P's share 5.13, 5.13, 5.12; L2 28.46, share
    # 1.54). Earlier L1 x1 + L2 x2 for no_longer_needed: K = L1u2, L1u3, L2u3 = 230.00 -> 210.00,
    # on K 20.00 - alloc 11.79 = +8.21. Now L1u2 and L2u3 for quality_issue (units 1-2 of L1 and
    # 2-3 of L2: Rm's segments meet only by number; joined they would be L2's units 1-3). K = L1u3:
    # alone 100.00, with Rm 230.00 -> 20.00 off: floors 8.69, 8.69, 2.60, the two cents left to L2
    # (.87) and L1u2 (.565, the earlier unit): part(K) = 91.31 = cost(K), on K 8.69 - alloc 5.12 =
    # +3.57, a change of -4.64. Refund 94.87 + 28.46 - 4.64 = 118.69 (the model's answer too).
    promotion = threshold("P", "150.00", "20.00", ["L1", "L2"])
    order = snapshot("CNY", [(10_000, 3, True), (3_000, 3, True)], [promotion])
    previous = [earlier({"L1": 1, "L2": 2}, "no_longer_needed")]
    req = request(order, {"L1": 1, "L2": 1}, "quality_issue", previous=previous)
    result = run(req)
    assert explained(result) == [
        ("promotion_clawback", "-4.64", "kept items (230.00) get 4.64 less off from P than before")
    ]
    assert result["refundAmount"] == "118.69"
    assert without_descriptions(result) == model_quote(req)


def test_merchant_fault_units_of_one_line_apart_stay_apart() -> None:
    # L1 100.00 x 4, L2 50.00 under 满300减50: 450.00 -> 50.00 off. 5000 cents over 10000 x 4, 5000
    # (of 45000): floors 1111 and 555 = 4999, the cent left to L2 (.56 > .11): L1 paid 88.89 each,
    # L2 44.44. Earlier L1u1 for quality_issue, then L1u2 for no_longer_needed: K = L1u3, L1u4, L2
    # (250.00, below 300.00 alone), with Rm (L1u1) 350.00 -> 50.00 off: floors 14.28 x 3 and 7.14,
    # the two cents left to L1u1 and L1u3 (.571, the earlier units): part(K) = 214.29 = cost(K), on
    # K 35.71 - alloc 27.78 = +7.93. Now L1u3 for quality_issue: Rm = L1u1 and L1u3, apart (L1u2
    # went back by choice; joined they would take it in): K ∪ Rm is the same four units, part(K) =
    # 150.00 - 21.42 = 128.58 = cost(K), on K 21.42 - alloc 16.67 = +4.75, a change of -3.18.
    # Refund 88.89 - 3.18 = 85.71 (the model's answer too).
    promotion = threshold("P", "300.00", "50.00", ["L1", "L2"])
    order = snapshot("CNY", [(10_000, 4, True), (5_000, 1, True)], [promotion])
    previous = [earlier({"L1": 1}, "quality_issue"), earlier({"L1": 1}, "no_longer_needed")]
    req = request(order, {"L1": 1}, "quality_issue", previous=previous)
    result = run(req)
    assert explained(result) == [
        ("promotion_clawback", "-3.18", "kept items (350.00) get 3.18 less off from P than before")
    ]
    assert result["refundAmount"] == "85.71"
    assert without_descriptions(result) == model_quote(req)


# K and Rm priced together: the two merged in line-then-unit order, which decides ties. L1 100.00 x 2
# and L2 100.00 under 满150减25.01: 300.00 -> 25.01 off, 8.33 a unit and the two cents left to the
# earlier units (L1's): L1 paid 91.66 each (P's share 8.34), L2 91.67 (8.33). Earlier L1u1 for
# no_longer_needed: K = L1u2, L2 = 200.00 -> 25.01 alone, 12.50 each and the cent to L1u2: on K
# 25.01 - alloc 16.67 = +8.34. Priced with Rm, K alone (100.00) is below the threshold, so cost(K)
# = part(K, K ∪ Rm), where the cent left of 25.01 over two units goes to the earlier one.


def test_a_kept_unit_on_an_earlier_line_than_the_merchant_fault_one_takes_the_tie() -> None:
    # Now L2 for quality_issue: K = L1u2 comes first and takes 12.51 of the 25.01: part(K) = 87.49,
    # on K 12.51 - alloc 8.34 = +4.17, a change of -4.17. Refund 91.67 - 4.17 = 87.50.
    order = snapshot(
        "CNY", [(10_000, 2, True), (10_000, 1, True)], [threshold("P", "150.00", "25.01", ["L1", "L2"])]
    )
    req = request(order, {"L2": 1}, "quality_issue", previous=[earlier({"L1": 1}, "no_longer_needed")])
    result = run(req)
    assert explained(result) == [
        ("promotion_clawback", "-4.17", "kept items (200.00) get 4.17 less off from P than before")
    ]
    assert result["refundAmount"] == "87.50"
    assert without_descriptions(result) == model_quote(req)


def test_a_merchant_fault_unit_on_an_earlier_line_than_the_kept_one_takes_the_tie() -> None:
    # Now L1u2 for quality_issue: Rm = L1u2 comes first (though K = L2u1 starts at a lower unit
    # number) and takes 12.51: part(K) = 87.50, on K 12.50 - alloc 8.33 = +4.17, a change of -4.17.
    # Refund 91.66 - 4.17 = 87.49.
    order = snapshot(
        "CNY", [(10_000, 2, True), (10_000, 1, True)], [threshold("P", "150.00", "25.01", ["L1", "L2"])]
    )
    req = request(order, {"L1": 1}, "quality_issue", previous=[earlier({"L1": 1}, "no_longer_needed")])
    result = run(req)
    assert explained(result) == [
        ("promotion_clawback", "-4.17", "kept items (200.00) get 4.17 less off from P than before")
    ]
    assert result["refundAmount"] == "87.49"
    assert without_descriptions(result) == model_quote(req)


def test_a_prorated_coupon_is_capped_at_what_is_left_of_a_kept_unit() -> None:
    # L1 100.00 and L2 900.00 under P1 满100减90 (reprice) then coupon C 900.00 off (prorate). P1:
    # 1000.00 -> 90.00 off, 9.00 on L1 and 81.00 on L2; C over 91.00 and 819.00: 90.00 and 810.00.
    # Paid: L1 1.00, L2 9.00. L2 back for no_longer_needed: K = L1 alone still reaches 100.00, so P1
    # takes 90.00 off it and leaves 10.00; C's allocation to L1 (90.00) is capped at those 10.00
    # (contract section 2): price(K) = 0.00 = cost(K). P1 on K 90.00 - alloc 9.00 = +81.00; C on K
    # 10.00 - alloc 90.00 = -80.00. E = 10.00 - 0.00 = 10.00, all of it refunded.
    p1 = threshold("P1", "100.00", "90.00", ["L1", "L2"])
    coupon = {**threshold("C", "0.01", "900.00", ["L1", "L2"]), "refundPolicy": "prorate"}
    order = snapshot("CNY", [(10_000, 1, True), (90_000, 1, True)], [p1, coupon])
    req = request(order, {"L2": 1}, "no_longer_needed")
    result = run(req)
    assert result["lines"] == [{"lineId": "L2", "quantity": 1, "paidAmount": "9.00"}]
    assert explained(result) == [
        ("promotion_clawback", "-80.00", "kept items (10.00) get 80.00 less off from C than before"),
        (
            "promotion_clawback",
            "81.00",
            "kept items (100.00) get 81.00 more off from P1 on their own than their share of it",
        ),
    ]
    assert result["refundAmount"] == "10.00"
    assert without_descriptions(result) == model_quote(req)


# --- Refusals say exactly what is wrong (each text below is the whole one-line message) -----------


def _seed_with(change: Any) -> dict[str, Any]:
    order = load_order("O-SEED-1")  # L1 and L2, one unit each, under P-199-100 (满199减100)
    change(order)
    return order


def _bad_line_ids(order: dict[str, Any], line_ids: list[str]) -> None:
    order["promotions"][0]["lineIds"] = line_ids


def _capped(order: dict[str, Any]) -> None:
    order["promotions"][0].update(repeat=True, maxDiscount="5")


def _unpaid(order: dict[str, Any]) -> None:
    order.update(status="PLACED", payments=[])


def _not_returnable(order: dict[str, Any]) -> None:
    order["lines"][0]["returnable"] = False


L2_BACK = [{"lines": [{"lineId": "L2", "quantity": 1}], "reason": "quality_issue"}]


@pytest.mark.parametrize(
    ("order", "previous", "extra", "message"),
    [
        (
            _seed_with(lambda o: _bad_line_ids(o, ["L1", "L8", "L9"])),
            [],
            {},
            "order: promotions[P-199-100].lineIds names unknown line(s) L8, L9",
        ),
        (
            _seed_with(lambda o: _bad_line_ids(o, ["L1", "L2", "L2"])),
            [],
            {},
            "order: promotions[P-199-100].lineIds entry 'L2' appears twice",
        ),
        (
            _seed_with(lambda o: o["promotions"][0].update(discount="5")),
            [],
            {},
            "order: promotions[P-199-100].discount: '5' must have exactly 2 decimals for CNY",
        ),
        (
            _seed_with(lambda o: o["lines"][1].update(unitPrice="1.5")),
            [],
            {},
            "order: lines[L2].unitPrice: '1.5' must have exactly 2 decimals for CNY",
        ),
        (
            _seed_with(lambda o: o["payments"][0].update(amount="1.5")),
            [],
            {},
            "order: payments[PAY-1].amount: '1.5' must have exactly 2 decimals for CNY",
        ),
        (
            _seed_with(lambda o: o["promotions"][0].pop("discount")),
            [],
            {},
            "order: promotions[P-199-100]: a threshold promotion needs 'threshold' and 'discount'",
        ),
        (
            _seed_with(lambda o: o["promotions"][0].update(threshold="1.5")),
            [],
            {},
            "order: promotions[P-199-100].threshold: '1.5' must have exactly 2 decimals for CNY",
        ),
        (
            _seed_with(_capped),
            [],
            {},
            "order: promotions[P-199-100].maxDiscount: '5' must have exactly 2 decimals for CNY",
        ),
        (
            _seed_with(_unpaid),
            [],
            {},
            "order: O-SEED-1 is not paid (status PLACED, no payments): the engine quotes only paid orders",
        ),
        (
            _seed_with(_not_returnable),
            [],
            {},
            "return: line 'L1' is not returnable for 'no_longer_needed': "
            "it can go back only for a merchant-fault reason",
        ),
        (
            load_order("O-SEED-1"),
            [],
            {"returnShippingFee": "1.5"},
            "return.returnShippingFee: '1.5' must have exactly 2 decimals for CNY",
        ),
        (
            load_order("O-SEED-1"),
            [],
            {"inspectionDeduction": "1.5"},
            "return.inspectionDeduction: '1.5' must have exactly 2 decimals for CNY",
        ),
        (
            load_order("O-SEED-1"),
            [{**L2_BACK[0], "fees": "1.5"}],
            {},
            "previousReturns[0].fees: '1.5' must have exactly 2 decimals for CNY",
        ),
        (
            load_order("O-SEED-1"),
            [{**L2_BACK[0], "refunded": "1.5"}],
            {},
            "previousReturns[0].refunded: '1.5' must have exactly 2 decimals for CNY",
        ),
        (
            load_order("O-SEED-1"),
            [],
            {"kind": "cancellation", "reason": "quality_issue"},
            "return: 'quality_issue' is not a cancellation reason "
            "(one of no_longer_needed, other, out_of_stock)",
        ),
    ],
)
def test_refusals_say_exactly_what_is_wrong(
    order: dict[str, Any], previous: list[dict[str, Any]], extra: dict[str, Any], message: str
) -> None:
    req = request(order, {"L1": 1}, "no_longer_needed", previous=previous)
    req["return"].update(extra)
    with pytest.raises(BadRequest) as refused:
        quote_request(req)
    assert str(refused.value) == message


def test_a_percentage_may_end_with_a_newline_as_before() -> None:
    # parse_percent's pattern lets a final newline through (as Fraction did): "12.5\n" is 12.5%.
    assert money.parse_percent("12.5\n") == money.parse_percent("12.5") == Fraction(1, 8)
