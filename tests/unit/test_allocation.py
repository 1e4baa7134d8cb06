"""The run-length engine against a unit-by-unit reference written straight from the contract.

The reference expands every unit, so it is slow but obviously right; the engine must agree with it
on every random order: same allocation, same price(S), same refund for a sequence of returns.
"""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from returns_core import money
from returns_core.order import OrderSnapshot
from returns_core.refunds.allocation import allocate, runs_total
from returns_core.refunds.models import QuoteRequest, is_merchant_fault
from returns_core.refunds.pricing import price_set
from returns_core.refunds.quote import quote

Unit = tuple[int, int]  # (line index, unit index)


def reference_allocate(discount: int, amounts: list[int]) -> list[int]:
    """Largest remainder over single units, ties to the earlier unit (units come in order)."""
    total = sum(amounts)
    if total == 0 or discount == 0:
        return [0] * len(amounts)
    shares = [discount * a // total for a in amounts]
    order = sorted(range(len(amounts)), key=lambda i: (-(discount * amounts[i] % total), i))
    for i in order[: discount - sum(shares)]:
        shares[i] += 1
    return shares


def reference_price(order: OrderSnapshot, units: list[Unit], full: dict[int, dict[Unit, int]] | None):
    """price(S) unit by unit; ``full`` holds each promotion's allocation as bought (None: as bought)."""
    current = {u: order.unit_prices_minor[u[0]] for u in units}
    discounts: dict[int, dict[Unit, int]] = {}
    for p, numbers in enumerate(order.promotion_numbers):
        eligible = [u for u in units if u[0] in numbers.line_indexes]
        if numbers.prorate and full is not None:
            share = {u: min(full[p][u], current[u]) for u in eligible}
        else:
            base = sum(current[u] for u in eligible)
            split = reference_allocate(numbers.discount_on(base), [current[u] for u in eligible])
            share = dict(zip(eligible, split, strict=True))
        for u in eligible:
            current[u] -= share[u]
        discounts[p] = share
    return current, discounts


@st.composite
def orders(draw: st.DrawFn) -> dict[str, object]:
    currency = draw(st.sampled_from(["CNY", "JPY", "KWD"]))
    n = draw(st.integers(1, 4))
    lines = []
    for i in range(n):
        price = draw(st.integers(0, 30_000))
        lines.append(
            {
                "lineId": f"L{i + 1}",
                "unitPrice": money.format(price, currency),
                "quantity": draw(st.integers(1, 7)),
                "returnable": True,
            }
        )
    promotions = []
    for p in range(draw(st.integers(0, 3))):
        ids = draw(st.lists(st.sampled_from([x["lineId"] for x in lines]), min_size=1, unique=True))
        policy = draw(st.sampled_from(["reprice", "prorate"]))
        if draw(st.booleans()):
            repeat = draw(st.booleans())
            promo = {
                "kind": "threshold",
                "threshold": money.format(draw(st.integers(1, 60_000)), currency),
                "discount": money.format(draw(st.integers(0, 20_000)), currency),
                "repeat": repeat,
            }
            if repeat and draw(st.booleans()):
                promo["maxDiscount"] = money.format(draw(st.integers(0, 40_000)), currency)
        else:
            promo = {
                "kind": "percentage",
                "percent": draw(st.sampled_from(["5", "10", "12.5", "33.3", "100"])),
            }
        promotions.append({"promotionId": f"P{p}", "lineIds": ids, "refundPolicy": policy, **promo})
    fee = draw(st.integers(0, 2_000))
    threshold = draw(st.one_of(st.none(), st.integers(0, 80_000)))
    charged = draw(st.sampled_from([0, fee]))
    draft = {
        "orderId": "O-1",
        "customerId": "c-1",
        "version": 1,
        "currency": currency,
        "status": "DELIVERED",
        "lines": lines,
        "promotions": promotions,
        "shipping": {
            "fee": money.format(fee, currency),
            "freeThreshold": None if threshold is None else money.format(threshold, currency),
            "charged": money.format(charged, currency),
        },
        "payments": [{"paymentId": "PAY-1", "amount": money.format(0, currency)}],
    }
    # Price the order as bought with the reference to find what was paid.
    goods = sum(money.parse(str(x["unitPrice"]), currency) * int(str(x["quantity"])) for x in lines)
    paid = goods - _reference_discounts(draft) + charged
    draft["payments"] = [{"paymentId": "PAY-1", "amount": money.format(paid, currency)}]
    return draft


def _reference_discounts(draft: dict[str, object]) -> int:
    """Total discount of the order as bought, computed with the reference."""
    currency = str(draft["currency"])
    lines = draft["lines"]
    assert isinstance(lines, list)
    current = {
        (i, k): money.parse(x["unitPrice"], currency)
        for i, x in enumerate(lines)
        for k in range(x["quantity"])
    }
    total = 0
    promotions = draft["promotions"]
    assert isinstance(promotions, list)
    index = {x["lineId"]: i for i, x in enumerate(lines)}
    for promo in promotions:
        eligible = sorted(u for u in current if u[0] in {index[x] for x in promo["lineIds"]})
        base = sum(current[u] for u in eligible)
        if promo["kind"] == "percentage":
            d = money.round_half_up(base * Fraction(promo["percent"]) / 100)
        elif base < money.parse(promo["threshold"], currency) or base <= 0:
            d = 0
        elif promo["repeat"]:
            d = base // money.parse(promo["threshold"], currency) * money.parse(promo["discount"], currency)
            if "maxDiscount" in promo:
                d = min(d, money.parse(promo["maxDiscount"], currency))
        else:
            d = money.parse(promo["discount"], currency)
        d = min(d, base)
        for u, s in zip(eligible, reference_allocate(d, [current[u] for u in eligible]), strict=True):
            current[u] -= s
        total += d
    return total


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 5000), min_size=1, max_size=12), st.data())
def test_run_length_allocation_matches_unit_by_unit(amounts: list[int], data: st.DataObject) -> None:
    discount = data.draw(st.integers(0, sum(amounts)))
    runs = [((1, a),) for a in amounts]
    assert [runs_total(r) for r in allocate(discount, runs)] == reference_allocate(discount, amounts)


@settings(max_examples=300, deadline=None)
@given(orders(), st.data())
def test_engine_agrees_with_the_unit_by_unit_reference(draft: dict[str, object], data: st.DataObject) -> None:
    order = OrderSnapshot.model_validate(draft)
    all_units = [(i, k) for i, line in enumerate(order.lines) for k in range(line.quantity)]
    as_bought, full = reference_price(order, all_units, None)
    # Allocation as bought, unit by unit.
    for i, line in enumerate(order.lines):
        assert runs_total(order.allocation.paid[i]) == sum(as_bought[(i, k)] for k in range(line.quantity))
    assert sum(as_bought.values()) == order.paid_for_goods_minor

    # A sequence of returns: the refunds must match the contract's formulas evaluated unit by unit.
    left = {i: line.quantity for i, line in enumerate(order.lines)}
    taken = dict.fromkeys(left, 0)
    previous: list[dict[str, object]] = []
    merchant: list[Unit] = []
    customer: list[Unit] = []
    refunded = 0
    fees = 0
    reasons = ["no_longer_needed", "quality_issue", "size_or_fit", "wrong_item"]
    for _ in range(data.draw(st.integers(1, 3))):
        candidates = [i for i in left if left[i] > 0]
        if not candidates:
            break
        chosen = data.draw(st.lists(st.sampled_from(candidates), min_size=1, unique=True))
        lines = [
            {"lineId": order.lines[i].lineId, "quantity": data.draw(st.integers(1, left[i]))} for i in chosen
        ]
        reason = data.draw(st.sampled_from(reasons))
        fee = data.draw(st.integers(0, 300))
        ret = {"lines": lines, "reason": reason, "returnShippingFee": money.format(fee, order.currency)}
        got = quote(QuoteRequest.model_validate({"order": draft, "previousReturns": previous, "return": ret}))
        for entry, i in zip(lines, chosen, strict=True):
            q = int(entry["quantity"])  # type: ignore[call-overload]
            units = [(i, k) for k in range(taken[i], taken[i] + q)]
            (merchant if is_merchant_fault(reason) else customer).extend(units)
            taken[i] += q
            left[i] -= q
        fees += fee
        kept = [u for u in all_units if u not in merchant and u not in customer]
        entitlement = _reference_entitlement(order, full, kept, merchant, customer, fees, previous, reason)
        expected = max(0, entitlement - refunded)
        assert money.parse(got.refundAmount, order.currency) == expected
        refunded += expected
        previous.append(
            {
                "lines": lines,
                "reason": reason,
                "fees": money.format(fee, order.currency),
                "refunded": got.refundAmount,
            }
        )


def _reference_entitlement(order, full, kept, merchant, customer, fees, previous, reason) -> int:
    def price(units):
        final, _ = reference_price(order, sorted(units), full)
        return final

    if kept:
        alone = sum(price(kept).values())
        together = price(kept + merchant)
        cost = min(alone, sum(together[u] for u in kept))
    else:
        cost = 0
    threshold = order.free_threshold_minor
    clawback = 0
    if (
        order.shipping_charged_minor == 0
        and kept
        and customer
        and threshold is not None
        and sum(price(kept + merchant).values()) < threshold
    ):
        clawback = order.shipping_fee_minor
    reasons = [str(p["reason"]) for p in previous] + [reason]
    all_merchant = all(is_merchant_fault(r) for r in reasons)
    shipping_refund = order.shipping_charged_minor if not kept and all_merchant else 0
    return int(order.paid_for_goods_minor - cost + shipping_refund - clawback - fees)


def test_price_set_of_the_seed_example() -> None:
    order = OrderSnapshot.model_validate(
        {
            "orderId": "O",
            "customerId": "c",
            "version": 1,
            "currency": "CNY",
            "status": "DELIVERED",
            "lines": [
                {"lineId": "L1", "unitPrice": "100.00", "quantity": 1},
                {"lineId": "L2", "unitPrice": "100.00", "quantity": 1},
            ],
            "promotions": [
                {
                    "promotionId": "P",
                    "kind": "threshold",
                    "threshold": "199.00",
                    "discount": "100.00",
                    "lineIds": ["L1", "L2"],
                }
            ],
            "shipping": {"fee": "6.00", "freeThreshold": "99.00", "charged": "0.00"},
            "payments": [{"paymentId": "PAY-1", "amount": "100.00"}],
        }
    )
    # Alone, one item costs its full 100.00; together they cost 100.00, 50.00 each.
    assert price_set(order, order.allocation, ((0, 0, 1),)).total == 10000
    together = price_set(order, order.allocation, ((0, 0, 1), (1, 0, 1)))
    assert together.total == 10000
    assert together.part(((0, 0, 1),)) == 5000
