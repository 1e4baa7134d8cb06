"""The contract's worked examples and the example orders, with every amount worked out by hand.

Each expectation below is derived from docs/CONTRACT.md sections 1-3 in the comment above it, not
read off the engine: allocation is largest-remainder per unit, E = paidForGoods - cost(K) +
shippingRefund - shippingClawback - fees, refund = max(0, E - refundedSoFar), and each
promotion_clawback is the change of (its discount on K in the pricing cost(K) used - its allocation
to K).
"""

from __future__ import annotations

from typing import Any

import pytest

from returns_core.refunds.models import QuoteError, QuoteRequest
from returns_core.refunds.quote import quote
from tests.unit.refund_model import load_order, request


def run(req: dict[str, Any]) -> dict[str, Any]:
    return quote(QuoteRequest.model_validate(req)).to_json()


def adjustments(result: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """The adjustments as (kind, amount, promotionId), in a fixed order: the contract fixes none."""
    return sorted((a["kind"], a["amount"], a.get("promotionId")) for a in result["adjustments"])


def lines(result: dict[str, Any]) -> list[tuple[str, int, str]]:
    return [(ln["lineId"], ln["quantity"], ln["paidAmount"]) for ln in result["lines"]]


def payments(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["paymentId"], p["amount"]) for p in result["payments"]]


def prev(
    lines: dict[str, int], reason: str, refunded: str | None = None, fees: str = "0.00"
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "lines": [{"lineId": k, "quantity": q} for k, q in lines.items()],
        "reason": reason,
        "fees": fees,
    }
    if refunded is not None:
        entry["refunded"] = refunded
    return entry


# --- O-SEED-1: the business's worked example ----------------------------------------------------
# Two items at 100.00 under 满199减100 (reprice), 100.00 paid, shipping free (fee 6.00 over 99.00).
# alloc: 100.00 discount split 50.00 / 50.00, so each unit was paid 50.00.


def test_seed_one_item_for_no_longer_needed_refunds_nothing() -> None:
    # K = {L1}: price(K) = 100.00 (100 < 199, no discount) = cost(K); price(K) is not below 99.00,
    # so no shipping clawback. E = 100.00 - 100.00 = 0.00.
    # Clawback: alloc(K) - cost(K) = 50.00 - 100.00 = -50.00 (it was 0 before).
    result = run(request(load_order("O-SEED-1"), {"L2": 1}, "no_longer_needed"))
    assert result["orderId"] == "O-SEED-1"
    assert result["currency"] == "CNY"
    assert lines(result) == [("L2", 1, "50.00")]
    assert adjustments(result) == [("promotion_clawback", "-50.00", "P-199-100")]
    assert all(a["description"] for a in result["adjustments"])
    assert result["refundAmount"] == "0.00"
    assert payments(result) == [("PAY-1", "0.00")]


def test_seed_other_item_afterwards_refunds_the_rest() -> None:
    # K = {}: cost 0, E = 100.00, refunded so far 0.00 -> 100.00.
    # Clawback: alloc - cost of K goes from -50.00 to 0: +50.00. 50.00 + 50.00 = 100.00.
    order = load_order("O-SEED-1")
    result = run(
        request(order, {"L1": 1}, "no_longer_needed", previous=[prev({"L2": 1}, "no_longer_needed")])
    )
    assert lines(result) == [("L1", 1, "50.00")]
    assert adjustments(result) == [("promotion_clawback", "50.00", "P-199-100")]
    assert result["refundAmount"] == "100.00"
    assert payments(result) == [("PAY-1", "100.00")]


def test_seed_one_item_for_quality_issue_refunds_half() -> None:
    # K = {L1}, Rm = {L2}: cost(K) = min(price(K) 100.00, part(K, all) 50.00) = 50.00.
    # E = 100.00 - 50.00 = 50.00: the paid amount, no adjustment.
    result = run(request(load_order("O-SEED-1"), {"L2": 1}, "quality_issue"))
    assert lines(result) == [("L2", 1, "50.00")]
    assert adjustments(result) == []
    assert result["refundAmount"] == "50.00"
    assert payments(result) == [("PAY-1", "50.00")]


def test_seed_both_items_in_one_go() -> None:
    # K = {}: E = 100.00; alloc(K) - cost(K) stays 0, nothing to adjust; K is empty: no clawback.
    result = run(request(load_order("O-SEED-1"), {"L1": 1, "L2": 1}, "size_or_fit"))
    assert lines(result) == [("L1", 1, "50.00"), ("L2", 1, "50.00")]
    assert adjustments(result) == []
    assert result["refundAmount"] == "100.00"


# --- 150/60/60 under 满199减100: the one way splitting pays more, bounded by the shortfall --------
# Paid 170.00. alloc of 100.00 over 150/60/60 (of 270): 55.555.., 22.222.., 22.222.. -> floors
# 55.55 + 22.22 + 22.22 = 99.99; the cent left goes to A (largest remainder). A 94.44, B 37.78, C 37.78.


def shortfall_order() -> dict[str, Any]:
    item = {"unitPrice": "60.00", "quantity": 1}
    return {
        "orderId": "O-SPLIT",
        "customerId": "cust-1",
        "version": 1,
        "currency": "CNY",
        "status": "DELIVERED",
        "lines": [
            {"lineId": "A", "unitPrice": "150.00", "quantity": 1},
            {"lineId": "B", **item},
            {"lineId": "C", **item},
        ],
        "promotions": [
            {
                "promotionId": "P-199-100",
                "kind": "threshold",
                "threshold": "199.00",
                "discount": "100.00",
                "lineIds": ["A", "B", "C"],
            }
        ],
        "shipping": {"fee": "0.00", "freeThreshold": None, "charged": "0.00"},
        "payments": [{"paymentId": "PAY-1", "method": "card", "amount": "170.00"}],
    }


def test_shortfall_b_alone_refunds_60() -> None:
    # K = {A, C}: 210.00 >= 199 -> price 110.00 = cost. E = 170.00 - 110.00 = 60.00.
    # Clawback: alloc(K) 132.22 - cost 110.00 = +22.22 (the kept units alone get a better deal).
    result = run(request(shortfall_order(), {"B": 1}, "no_longer_needed"))
    assert lines(result) == [("B", 1, "37.78")]
    assert adjustments(result) == [("promotion_clawback", "22.22", "P-199-100")]
    assert result["refundAmount"] == "60.00"


def test_shortfall_then_c_refunds_zero_and_carries_40() -> None:
    # K = {A}: 150 < 199 -> cost 150.00. E = 20.00, refunded so far 60.00 -> -40.00: refund 0.00.
    # Clawback: alloc(K) - cost(K) = 94.44 - 150.00 = -55.56, was +22.22 -> -77.78.
    # 37.78 - 77.78 = -40.00, lifted to zero by shortfall_carried +40.00.
    result = run(
        request(
            shortfall_order(), {"C": 1}, "no_longer_needed", previous=[prev({"B": 1}, "size_or_fit", "60.00")]
        )
    )
    assert lines(result) == [("C", 1, "37.78")]
    assert adjustments(result) == [
        ("promotion_clawback", "-77.78", "P-199-100"),
        ("shortfall_carried", "40.00", None),
    ]
    assert result["refundAmount"] == "0.00"
    # Section 2: CS must see it; the quote says so (it blocks automatic approval).
    same = QuoteRequest.model_validate(
        request(shortfall_order(), {"C": 1}, "other", previous=[prev({"B": 1}, "other", "60.00")])
    )
    assert quote(same).carries_shortfall


def test_shortfall_b_and_c_together_refund_20() -> None:
    # K = {A}: cost 150.00, E = 20.00. Lines 37.78 + 37.78, clawback 94.44 - 150.00 = -55.56.
    result = run(request(shortfall_order(), {"B": 1, "C": 1}, "no_longer_needed"))
    assert lines(result) == [("B", 1, "37.78"), ("C", 1, "37.78")]
    assert adjustments(result) == [("promotion_clawback", "-55.56", "P-199-100")]
    assert result["refundAmount"] == "20.00"


def test_shortfall_recovered_by_the_last_return() -> None:
    # After B (60.00) and C (0.00, carrying 40.00): K = {} so E = 170.00, refund 170 - 60 = 110.00.
    # Lines 94.44; clawback -55.56 -> 0: +55.56; prior_shortfall -40.00. Total refunds 170.00 = paid.
    result = run(
        request(
            shortfall_order(),
            {"A": 1},
            "no_longer_needed",
            previous=[
                prev({"B": 1}, "no_longer_needed", "60.00"),
                prev({"C": 1}, "no_longer_needed", "0.00"),
            ],
        )
    )
    assert lines(result) == [("A", 1, "94.44")]
    assert adjustments(result) == [
        ("prior_shortfall", "-40.00", None),
        ("promotion_clawback", "55.56", "P-199-100"),
    ]
    assert result["refundAmount"] == "110.00"


# --- O-MIX-2: prorate percentage, repeat threshold with maxDiscount, coupon, two payments --------
# Lines: L1 59.90 x3 (179.70), L2 199.00, L3 15.50 x2 (31.00), L4 88.00 (fresh, not returnable).
# P-FRESH-10 (prorate) 10% of 88.00 = 8.80 on L4 -> 79.20.
# P-EVERY-100-20: 409.70 -> 4 x 20.00 = 80.00 (under the 100.00 cap). Per unit of 409.70:
#   L1 1169.64.. (x3), L2 3885.77.., L3 302.66.. (x2); floors 7996, 4 cents to the largest
#   remainders L2 .77, L3 .66, L3 .66, L1u1 .636 -> L1 11.70/11.69/11.69, L2 38.86, L3 3.03 each.
# C-300-30: 329.70 + 79.20 = 408.90 >= 300 -> 30.00 over units now 48.20/48.21/48.21/160.14/
#   12.47/12.47/79.20: floors 3.53 x3, 11.74, 0.91 x2, 5.81 = 29.96; cents to L2 .91, L1u2 .71,
#   L1u3 .71, L1u1 .63 -> L1 3.54 x3, L2 11.75, L3 0.91, L4 5.81.
# Paid per unit: L1 44.66/44.67/44.67, L2 148.39, L3 11.56 x2, L4 73.39 (sum 378.90 = payments).


def test_mix_one_shirt_for_size() -> None:
    # K = L1 x2, L2, L3 x2, L4 (Rm empty, cost = price(K)): L1 119.80 + L2 199 + L3 31 = 349.80
    # -> 3 x 20.00 = 60.00; coupon on 349.80 - 60 + 79.20 = 369.00 -> 30.00; fresh 8.80 (prorate).
    # price(K) = 437.80 - 98.80 = 339.00 (not below 299.00: no shipping clawback).
    # E = 378.90 - 339.00 = 39.90. Per promotion, discount on K - its allocation to K:
    #   每满100减20: 60.00 - (80.00 - 11.70) = -8.30; coupon: 30.00 - (30.00 - 3.54) = +3.54;
    #   fresh: 8.80 - 8.80 = 0 (left out). 44.66 - 8.30 + 3.54 = 39.90, all from PAY-1.
    result = run(request(load_order("O-MIX-2"), {"L1": 1}, "size_or_fit"))
    assert lines(result) == [("L1", 1, "44.66")]
    assert adjustments(result) == [
        ("promotion_clawback", "-8.30", "P-EVERY-100-20"),
        ("promotion_clawback", "3.54", "C-300-30"),
    ]
    assert result["refundAmount"] == "39.90"
    assert payments(result) == [("PAY-1", "39.90"), ("PAY-2", "0.00")]


def test_mix_jeans_for_no_longer_needed_claws_back_shipping() -> None:
    # K = L1 x3, L3 x2, L4: 210.70 -> 2 x 20.00 = 40.00; coupon on 170.70 + 79.20 = 249.90 < 300: 0.
    # price(K) = 298.70 - 8.80 - 40.00 = 249.90 < 299.00 with shipping free: fee 10.00 taken back.
    # E = 378.90 - 249.90 - 10.00 = 119.00. Per promotion: 每满100减20 40.00 - (80.00 - 38.86)
    # = -1.14; coupon 0 - (30.00 - 11.75) = -18.25. 148.39 - 1.14 - 18.25 - 10.00 = 119.00.
    result = run(request(load_order("O-MIX-2"), {"L2": 1}, "no_longer_needed"))
    assert lines(result) == [("L2", 1, "148.39")]
    assert adjustments(result) == [
        ("promotion_clawback", "-1.14", "P-EVERY-100-20"),
        ("promotion_clawback", "-18.25", "C-300-30"),
        ("shipping_clawback", "-10.00", None),
    ]
    assert result["refundAmount"] == "119.00"
    assert payments(result) == [("PAY-1", "119.00"), ("PAY-2", "0.00")]


MIX_FIRST = {"L1": 1}


def test_mix_jeans_for_quality_after_a_shirt() -> None:
    # After the shirt (39.90): K = L1u2, L1u3, L3 x2, L4; Rm = {L2}; Rc = {L1u1}.
    # price(K): 150.80 -> 20.00; coupon on 130.80 + 79.20 = 210.00 < 300 -> price 210.00.
    # part(K, K + L2): price(K + L2) = 339.00 (above), allocated over its units: 每满100减20 60.00
    #   -> L1u2 10.28, L1u3 10.27, L2 34.13, L3 2.66 x2; coupon 30.00 over 49.62/49.63/164.87/
    #   12.84/12.84/79.20 -> 4.04, 4.04, 13.40, 1.04, 1.04, 6.44. Units: 45.58, 45.59, 151.47,
    #   11.80, 11.80, 72.76; K's part = 339.00 - 151.47 = 187.53 < 210.00, so cost(K) = 187.53.
    # Shipping: price(K + Rm) = 339.00 is not below 299.00. E = 378.90 - 187.53 = 191.37,
    # refund = 191.37 - 39.90 = 151.47.
    # 每满100减20 on K: 25.87 - alloc 29.44 = -3.57, was -8.30 -> +4.73.
    # Coupon on K: 16.60 - alloc 14.71 = +1.89, was +3.54 -> -1.65. 148.39 + 4.73 - 1.65 = 151.47.
    # Refunded so far 39.90 filled PAY-1 first: 260.10 left there.
    result = run(
        request(load_order("O-MIX-2"), {"L2": 1}, "quality_issue", previous=[prev(MIX_FIRST, "size_or_fit")])
    )
    assert lines(result) == [("L2", 1, "148.39")]
    assert adjustments(result) == [
        ("promotion_clawback", "-1.65", "C-300-30"),
        ("promotion_clawback", "4.73", "P-EVERY-100-20"),
    ]
    assert result["refundAmount"] == "151.47"
    assert payments(result) == [("PAY-1", "151.47"), ("PAY-2", "0.00")]


def test_mix_everything_else_spills_into_the_second_payment() -> None:
    # After 39.90 and 151.47: the rest (L1 x2, L3 x2, L4) for quality_issue. K = {}: E = 378.90
    # (one return was customer choice, but shipping was free anyway), refund 378.90 - 191.37
    # = 187.53. Lines: L1 44.67 + 44.67 = 89.34, L3 23.12, L4 73.39 (185.85).
    # 每满100减20 -3.57 -> 0: +3.57; coupon +1.89 -> 0: -1.89. 185.85 + 3.57 - 1.89 = 187.53.
    # PAY-1 has 300.00 - 191.37 = 108.63 left, PAY-2 takes the other 78.90.
    previous = [prev(MIX_FIRST, "size_or_fit", "39.90"), prev({"L2": 1}, "quality_issue", "151.47")]
    result = run(
        request(load_order("O-MIX-2"), {"L1": 2, "L3": 2, "L4": 1}, "quality_issue", previous=previous)
    )
    assert lines(result) == [("L1", 2, "89.34"), ("L3", 2, "23.12"), ("L4", 1, "73.39")]
    assert adjustments(result) == [
        ("promotion_clawback", "-1.89", "C-300-30"),
        ("promotion_clawback", "3.57", "P-EVERY-100-20"),
    ]
    assert result["refundAmount"] == "187.53"
    assert payments(result) == [("PAY-1", "108.63"), ("PAY-2", "78.90")]


def test_mix_fresh_durian_cannot_go_back_for_customer_choice() -> None:
    # Section 2: a line that is not returnable goes back only for a merchant-fault reason.
    with pytest.raises(QuoteError, match="L4"):
        run(request(load_order("O-MIX-2"), {"L4": 1}, "no_longer_needed"))
    assert run(request(load_order("O-MIX-2"), {"L4": 1}, "damaged_in_transit"))["lines"] == [
        {"lineId": "L4", "quantity": 1, "paidAmount": "73.39"}
    ]


# --- O-JPY-3: JPY has no minor digits; shipping clawback below freeThreshold ----------------------
# L1 3980 x2, L2 1200: 9160 >= 8000 -> 1000 off, paid 8160; shipping free (fee 500 under 5000).
# alloc of 1000 over 3980/3980/1200: 434.50.., 434.50.., 131.00..; floors 999, the yen left goes to
# L1u1 (tie with L1u2: earlier unit). Paid: L1 3545 / 3546, L2 1069.


def test_jpy_first_matcha() -> None:
    # K = L1u2 + L2: 5180 < 8000 -> price 5180 = cost; 5180 is not below 5000: no clawback.
    # E = 8160 - 5180 = 2980. Clawback: alloc(K) 4615 - 5180 = -565. 3545 - 565 = 2980.
    result = run(request(load_order("O-JPY-3"), {"L1": 1}, "no_longer_needed"))
    assert result["currency"] == "JPY"
    assert lines(result) == [("L1", 1, "3545")]
    assert adjustments(result) == [("promotion_clawback", "-565", "P-8000-1000")]
    assert result["refundAmount"] == "2980"
    assert payments(result) == [("PAY-1", "2980")]


def test_jpy_second_matcha_claws_back_shipping() -> None:
    # K = L2: 1200 < 5000 with free shipping and a customer-choice return: 500 taken back.
    # E = 8160 - 1200 - 500 = 6460, refund 6460 - 2980 = 3480.
    # Clawback: 1069 - 1200 = -131, was -565 -> +434. 3546 + 434 - 500 = 3480.
    previous = [prev({"L1": 1}, "no_longer_needed", fees="0")]
    result = run(request(load_order("O-JPY-3"), {"L1": 1}, "size_or_fit", previous=previous))
    assert lines(result) == [("L1", 1, "3546")]
    assert adjustments(result) == [
        ("promotion_clawback", "434", "P-8000-1000"),
        ("shipping_clawback", "-500", None),
    ]
    assert result["refundAmount"] == "3480"


def test_jpy_both_matcha_at_once_same_total_as_split() -> None:
    # K = L2 as above: E = 6460 = 2980 + 3480. Lines 7091, clawback -131, shipping -500.
    result = run(request(load_order("O-JPY-3"), {"L1": 2}, "no_longer_needed", fee="0", deduction="0"))
    assert lines(result) == [("L1", 2, "7091")]
    assert adjustments(result) == [
        ("promotion_clawback", "-131", "P-8000-1000"),
        ("shipping_clawback", "-500", None),
    ]
    assert result["refundAmount"] == "6460"


def test_jpy_cup_last_gives_the_shipping_back() -> None:
    # K = {}: no clawback any more. E = 8160, refunded 6460 -> 1700.
    # Lines 1069; promotion -131 -> 0: +131; shipping -500 -> 0: +500. Total refunds 8160 = paid.
    previous = [prev({"L1": 2}, "no_longer_needed", fees="0")]
    result = run(request(load_order("O-JPY-3"), {"L2": 1}, "other", previous=previous))
    assert lines(result) == [("L2", 1, "1069")]
    assert adjustments(result) == [
        ("promotion_clawback", "131", "P-8000-1000"),
        ("shipping_clawback", "500", None),
    ]
    assert result["refundAmount"] == "1700"


def test_jpy_amounts_with_decimals_are_refused() -> None:
    with pytest.raises(QuoteError, match=r"100\.00"):
        run(request(load_order("O-JPY-3"), {"L1": 1}, "no_longer_needed", fee="100.00"))


# --- O-POP-4: one 39.00 phone case, 8.00 shipping charged, 47.00 paid ------------------------------


def test_pop_merchant_fault_refunds_the_shipping_too() -> None:
    # Every unit back, every return merchant fault: shipping.charged 8.00 refunded. 39.00 + 8.00.
    result = run(request(load_order("O-POP-4"), {"L1": 1}, "not_as_described"))
    assert lines(result) == [("L1", 1, "39.00")]
    assert adjustments(result) == [("shipping_refund", "8.00", None)]
    assert result["refundAmount"] == "47.00"
    assert payments(result) == [("PAY-1", "47.00")]


def test_pop_customer_choice_keeps_shipping_and_takes_fees() -> None:
    # Customer choice: shipping kept. E = 39.00 - 8.00 (return shipping) - 5.00 (inspection) = 26.00.
    result = run(request(load_order("O-POP-4"), {"L1": 1}, "no_longer_needed", fee="8.00", deduction="5.00"))
    assert lines(result) == [("L1", 1, "39.00")]
    assert adjustments(result) == [
        ("inspection_deduction", "-5.00", None),
        ("return_shipping_fee", "-8.00", None),
    ]
    assert result["refundAmount"] == "26.00"


def test_pop_fees_larger_than_the_refund_leave_zero_not_a_charge() -> None:
    # E = 39.00 - 30.00 - 20.00 = -11.00: refund 0.00, the 11.00 carried as a shortfall.
    result = run(request(load_order("O-POP-4"), {"L1": 1}, "size_or_fit", fee="30.00", deduction="20.00"))
    assert result["refundAmount"] == "0.00"
    assert ("shortfall_carried", "11.00", None) in adjustments(result)
    assert payments(result) == [("PAY-1", "0.00")]


# --- O-SHIP-5: no promotion; the engine does not look at status (SHIPPED) or dates ----------------


def test_ship_plain_return_refunds_what_was_paid() -> None:
    # 59.00 paid, free shipping (59.00 over 49.00). K = {}: no clawback. E = 59.00.
    result = run(request(load_order("O-SHIP-5"), {"L1": 1}, "no_longer_needed"))
    assert lines(result) == [("L1", 1, "59.00")]
    assert adjustments(result) == []
    assert result["refundAmount"] == "59.00"


def test_seed_refunded_so_far_is_what_earlier_returns_say() -> None:
    # refund = max(0, E - refundedSoFar). L2 went back for quality (E then 50.00) but only 30.00
    # was refunded: returning L1 now, E = 100.00, so 100.00 - 30.00 = 70.00.
    less = prev({"L2": 1}, "quality_issue", "30.00")
    result = run(request(load_order("O-SEED-1"), {"L1": 1}, "no_longer_needed", previous=[less]))
    assert lines(result) == [("L1", 1, "50.00")]
    assert result["refundAmount"] == "70.00"
    assert payments(result) == [("PAY-1", "70.00")]
    # Everything already refunded (100.00 = paid) is allowed and leaves nothing; a cent more is not.
    full = prev({"L2": 1}, "quality_issue", "100.00")
    result = run(request(load_order("O-SEED-1"), {"L1": 1}, "no_longer_needed", previous=[full]))
    assert result["refundAmount"] == "0.00"
    over = prev({"L2": 1}, "quality_issue", "100.01")
    with pytest.raises(QuoteError, match=r"100\.01"):
        run(request(load_order("O-SEED-1"), {"L1": 1}, "no_longer_needed", previous=[over]))
