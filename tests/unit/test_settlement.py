"""Contract section 8: how each POP refund splits between the seller and the platform.

``sellerDebit = (E_after - E_before) + (subsidy_before - subsidy_after)`` and ``platformShare =
refundAmount - sellerDebit``, where the subsidy is the platform-funded promotions' discount on the
kept units in the pricing cost(K) uses, and E before the first return is 0. Every amount below is
worked out by hand from those sentences (section 8's own examples first).
"""

from __future__ import annotations

from typing import Any

from returns_core import quote_request
from returns_core.refunds.models import QuoteRequest, Settlement
from returns_core.refunds.quote import quote
from tests.unit.refund_model import load_order, request


def two_at_100(funded_by: str) -> dict[str, Any]:
    """Section 8's first example: two items at 100.00 under 满199减100, 100.00 paid, on POP."""
    order = load_order("O-SEED-1")
    order.update(channel="POP", sellerId="seller-7")
    order["promotions"][0]["fundedBy"] = funded_by
    return order


def split(result: dict[str, Any]) -> tuple[str, str, str]:
    settlement = result["settlement"]
    return result["refundAmount"], settlement["sellerDebit"], settlement["platformShare"]


def previous(lines: dict[str, int], reason: str, refunded: str, kind: str = "return") -> dict[str, Any]:
    entry = {"lines": [{"lineId": k, "quantity": q} for k, q in lines.items()], "reason": reason}
    return entry | {"refunded": refunded, "kind": kind}


def test_two_at_100_funded_by_the_platform() -> None:
    # One back for no_longer_needed: E 0.00 -> 0.00; the subsidy on K goes from the whole 100.00
    # (as bought) to 0 (L1 alone, 100.00 < 199.00): the seller gives back 100.00, the platform
    # takes its 100.00 back.
    result = quote_request(request(two_at_100("platform"), {"L2": 1}, "no_longer_needed"))
    assert split(result) == ("0.00", "100.00", "-100.00")
    assert result["settlement"]["sellerId"] == "seller-7"
    # The other one: E 0.00 -> 100.00, subsidy 0 -> 0: the seller 100.00 again, the platform 0.00.
    # In all the seller gave back 200.00 = E 100.00 + the whole subsidy 100.00.
    rest = quote_request(
        request(two_at_100("platform"), {"L1": 1}, "other", previous=[previous({"L2": 1}, "other", "0.00")])
    )
    assert split(rest) == ("100.00", "100.00", "0.00")


def test_two_at_100_funded_by_the_seller() -> None:
    # No platform subsidy: the seller's part is the change in E alone, 0.00.
    result = quote_request(request(two_at_100("seller"), {"L2": 1}, "no_longer_needed"))
    assert split(result) == ("0.00", "0.00", "0.00")


def test_two_at_100_quality_issue_funded_by_the_platform() -> None:
    # Merchant fault: K = {L1} priced together with L2 (50.00, cheaper than alone): the promotion's
    # discount on K in that pricing is 50.00. E 0 -> 50.00; subsidy 100.00 -> 50.00: seller 100.00,
    # platform -50.00 (the subsidy L2 no longer earns).
    result = quote_request(request(two_at_100("platform"), {"L2": 1}, "quality_issue"))
    assert split(result) == ("50.00", "100.00", "-50.00")


def shortfall_order() -> dict[str, Any]:
    """Items 150/60/60 (A, B, C) under 满199减100 funded by the seller, 170.00 paid, POP."""
    item = {"unitPrice": "60.00", "quantity": 1}
    return {
        "orderId": "O-SPLIT-POP",
        "customerId": "cust-1",
        "version": 1,
        "currency": "CNY",
        "status": "DELIVERED",
        "channel": "POP",
        "sellerId": "seller-7",
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
                "fundedBy": "seller",
            }
        ],
        "shipping": {"fee": "0.00", "freeThreshold": None, "charged": "0.00"},
        "payments": [{"paymentId": "PAY-1", "method": "card", "amount": "170.00"}],
    }


def test_150_60_60_the_seller_never_pays_for_the_shortfall() -> None:
    # B: E 0 -> 60.00 (K = A + C, 210.00 -> 110.00): refund 60.00, seller 60.00, platform 0.00.
    order = shortfall_order()
    b = quote_request(request(order, {"B": 1}, "no_longer_needed"))
    assert split(b) == ("60.00", "60.00", "0.00")
    # C: E 60.00 -> 20.00 (K = A, 150.00): refund 0.00, carrying 40.00. The seller is owed 40.00,
    # which the platform pays (it chose not to charge the customer).
    c = quote_request(
        request(order, {"C": 1}, "no_longer_needed", previous=[previous({"B": 1}, "other", "60.00")])
    )
    assert split(c) == ("0.00", "-40.00", "40.00")
    # A: E 20.00 -> 170.00: refund 110.00 (170.00 less the 60.00 refunded), seller 150.00, and the
    # platform takes its 40.00 back. Seller in all 170.00 = E; platform 0.00.
    a = quote_request(
        request(
            order,
            {"A": 1},
            "no_longer_needed",
            previous=[previous({"B": 1}, "other", "60.00"), previous({"C": 1}, "other", "0.00")],
        )
    )
    assert split(a) == ("110.00", "150.00", "-40.00")


def test_pop_6_a_mug_back() -> None:
    # O-POP-6: kettle 129.00 + two mugs at 35.00 = 199.00; the seller's 店铺满150减20 -> 179.00; the
    # platform's 9折 coupon 17.90 -> 161.10 paid. One mug back: K = 164.00 -> 144.00 -> 14.40 off:
    # 129.60. E = 31.50, the refund. Subsidy 17.90 -> 14.40: seller 31.50 + 3.50 = 35.00 (the mug's
    # price less the seller's own discount on it), platform -3.50.
    result = quote_request(request(load_order("O-POP-6"), {"L2": 1}, "no_longer_needed"))
    assert split(result) == ("31.50", "35.00", "-3.50")
    assert result["settlement"]["sellerId"] == "seller-901"


def test_pop_6_everything_cancelled() -> None:
    # Everything cancelled before delivery: E = 161.10 (paid; shipping was free), subsidy 17.90 -> 0:
    # the seller gives back 179.00 (what it sold for after its own discount), the platform -17.90.
    everything = request(load_order("O-POP-6"), {"L1": 1, "L2": 2}, "no_longer_needed")
    everything["return"]["kind"] = "cancellation"
    assert split(quote_request(everything)) == ("161.10", "179.00", "-17.90")


def test_pop_fees_stay_with_the_seller() -> None:
    # O-POP-4 (39.00 + 8.00 shipping, no promotion): back for size_or_fit with 8.00 return shipping
    # and 5.00 deducted: E = 39.00 - 13.00 = 26.00 = the refund, all of it the seller's.
    result = quote_request(
        request(load_order("O-POP-4"), {"L1": 1}, "size_or_fit", fee="8.00", deduction="5.00")
    )
    assert split(result) == ("26.00", "26.00", "0.00")
    # Fees above the price: E = 39.00 - 50.00 = -11.00, refund 0.00 (11.00 carried): the seller keeps
    # the fees and is owed 11.00, which the platform carries.
    over = quote_request(
        request(load_order("O-POP-4"), {"L1": 1}, "size_or_fit", fee="30.00", deduction="20.00")
    )
    assert split(over) == ("0.00", "-11.00", "11.00")


def test_an_earlier_refund_below_e_is_made_up_by_the_platform() -> None:
    # Reading: the seller's part follows E, not what was refunded. O-POP-6, the mug went back
    # (E 31.50, seller 35.00) but only 30.00 was refunded; the kettle and the other mug now: E 161.10,
    # refund 161.10 - 30.00 = 131.10 (1.50 of it prior_balance). Seller: E +129.60, subsidy 14.40 ->
    # 0: 144.00; the platform -12.90 = 131.10 - 144.00.
    order = load_order("O-POP-6")
    earlier = previous({"L2": 1}, "no_longer_needed", "30.00")
    result = quote_request(request(order, {"L1": 1, "L2": 1}, "no_longer_needed", previous=[earlier]))
    assert split(result) == ("131.10", "144.00", "-12.90")
    assert ("prior_balance", "1.50") in [(a["kind"], a["amount"]) for a in result["adjustments"]]


def test_b2c_quotes_carry_no_settlement() -> None:
    result = quote_request(request(load_order("O-SEED-1"), {"L2": 1}, "no_longer_needed"))
    assert "settlement" in result and result["settlement"] is None


def test_the_quote_model_carries_the_settlement_for_the_workflow() -> None:
    # What a workflow stores with each refund: the typed split, not only JSON.
    q = quote(QuoteRequest.model_validate(request(load_order("O-POP-6"), {"L2": 1}, "no_longer_needed")))
    assert q.settlement == Settlement(sellerId="seller-901", sellerDebit="35.00", platformShare="-3.50")
    # A quote stored before settlements existed reads back, without one.
    stored = q.to_json()
    del stored["settlement"]
    assert type(q).model_validate(stored).settlement is None
