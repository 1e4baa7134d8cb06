"""An independent model of contract sections 1-2 (and 8), for building and checking test orders.

Written from docs/CONTRACT.md, not from the engine: the property tests need valid random snapshots
(whose payments must equal lines less the promotions' discounts plus shipping) and an exact
``alloc`` to hold ``lines[].paidAmount`` against. Unit by unit, with exact fractions: slow but plain.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

ORDERS_DIR = Path(__file__).resolve().parents[2] / "events" / "orders"

DIGITS = {"CNY": 2, "USD": 2, "EUR": 2, "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}
MERCHANT_FAULT = ("quality_issue", "not_as_described", "wrong_item", "damaged_in_transit")
CUSTOMER_CHOICE = ("no_longer_needed", "size_or_fit", "other")
# Section 2: a cancellation's reasons; out_of_stock is a merchant fault, for cancellations only.
CANCELLATION_CUSTOMER_CHOICE = ("no_longer_needed", "other")
CANCELLATION_MERCHANT_FAULT = ("out_of_stock",)


def merchant_fault(reason: str) -> bool:
    """Section 2's merchant-fault reasons, of returns and of cancellations."""
    return reason in MERCHANT_FAULT or reason in CANCELLATION_MERCHANT_FAULT


ADJUSTMENT_KINDS = {
    "promotion_clawback",
    "shipping_clawback",
    "shipping_refund",
    "return_shipping_fee",
    "inspection_deduction",
    "prior_shortfall",
    "prior_balance",  # not in section 3's list: the engine's name for earlier refunds below E
    "shortfall_carried",
}


def load_order(order_id: str) -> dict[str, Any]:
    """An example order of events/orders as a dict (each test gets its own copy)."""
    data: dict[str, Any] = json.loads((ORDERS_DIR / f"{order_id}.json").read_text())
    return data


def to_minor(text: str, digits: int) -> int:
    """A decimal string as minor units, by Decimal (not the engine's parser)."""
    return int(Decimal(text).scaleb(digits))


def to_text(minor: int, digits: int) -> str:
    """Minor units as a decimal string with exactly ``digits`` decimals."""
    sign = "-" if minor < 0 else ""
    text = str(abs(minor)).rjust(digits + 1, "0")
    return sign + (text if digits == 0 else f"{text[:-digits]}.{text[-digits:]}")


def amount_pattern(digits: int) -> re.Pattern[str]:
    """What an amount with the currency's exact digits looks like."""
    return re.compile(r"^-?\d+$" if digits == 0 else rf"^-?\d+\.\d{{{digits}}}$")


def discount_on(promotion: dict[str, Any], base: int, digits: int) -> int:
    """Section 1: the discount a promotion gives on an eligible amount, never above it."""
    if base <= 0:
        return 0
    if promotion["kind"] == "percentage":
        exact = base * Fraction(Decimal(promotion["percent"])) / 100
        value = int(exact + Fraction(1, 2))  # half-up; exact is never negative
    else:
        threshold = to_minor(promotion["threshold"], digits)
        discount = to_minor(promotion["discount"], digits)
        if base < threshold:
            value = 0
        elif promotion.get("repeat"):
            value = (base // threshold) * discount
            if promotion.get("maxDiscount") is not None:
                value = min(value, to_minor(promotion["maxDiscount"], digits))
        else:
            value = discount
    return min(value, base)


def largest_remainder(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights``; ties go to the earlier entry (section 2)."""
    whole = sum(weights)
    if whole == 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(shares)
    for i in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[i] += 1
    return shares


def allocate(order: dict[str, Any]) -> tuple[list[list[int]], list[int]]:
    """Every unit's paid amount (per line, in unit order) and each promotion's discount."""
    digits = DIGITS[order["currency"]]
    units = [[to_minor(line["unitPrice"], digits)] * line["quantity"] for line in order["lines"]]
    position = {line["lineId"]: i for i, line in enumerate(order["lines"])}
    discounts = []
    for promotion in order.get("promotions", []):
        eligible = sorted(position[line_id] for line_id in promotion["lineIds"])
        slots = [(i, u) for i in eligible for u in range(len(units[i]))]
        weights = [units[i][u] for i, u in slots]
        discount = discount_on(promotion, sum(weights), digits)
        for (i, u), share in zip(slots, largest_remainder(discount, weights), strict=True):
            units[i][u] -= share
        discounts.append(discount)
    return units, discounts


def snapshot(
    currency: str,
    lines: list[tuple[int, int, bool]],
    promotions: list[dict[str, Any]],
    *,
    fee: int = 0,
    free_threshold: int | None = None,
    charged: int = 0,
    payment_cuts: list[int] | None = None,
    channel: str = "B2C",
) -> dict[str, Any]:
    """A valid snapshot: lines as (unit price in minor units, quantity, returnable); a POP order's
    seller is ``seller-1``.

    Payments are what the lines cost after the promotions, plus shipping, cut at ``payment_cuts``
    (minor-unit offsets) into several payments.
    """
    digits = DIGITS[currency]
    order: dict[str, Any] = {
        "orderId": "O-TEST",
        "customerId": "cust-test",
        "version": 1,
        "currency": currency,
        "status": "DELIVERED",
        "channel": channel,
        "sellerId": "seller-1" if channel == "POP" else "platform",
        "lines": [
            {"lineId": f"L{i + 1}", "unitPrice": to_text(price, digits), "quantity": qty, "returnable": ok}
            for i, (price, qty, ok) in enumerate(lines)
        ],
        "promotions": promotions,
        "shipping": {
            "fee": to_text(fee, digits),
            "freeThreshold": None if free_threshold is None else to_text(free_threshold, digits),
            "charged": to_text(charged, digits),
        },
        "payments": [],
    }
    units, _ = allocate(order)
    total = sum(map(sum, units)) + charged
    cuts = sorted({c for c in payment_cuts or [] if 0 < c < total})
    bounds = [0, *cuts, total]
    order["payments"] = [
        {"paymentId": f"PAY-{k + 1}", "method": "card", "amount": to_text(bounds[k + 1] - bounds[k], digits)}
        for k in range(len(bounds) - 1)
    ]
    return order


def request(
    order: dict[str, Any],
    lines: dict[str, int],
    reason: str,
    *,
    previous: list[dict[str, Any]] | None = None,
    fee: str | None = None,
    deduction: str | None = None,
) -> dict[str, Any]:
    """A quote request as the contract spells it (fees left out when None: they mean zero)."""
    wanted = [{"lineId": line_id, "quantity": qty} for line_id, qty in lines.items()]
    ret: dict[str, Any] = {"lines": wanted, "reason": reason}
    if fee is not None:
        ret["returnShippingFee"] = fee
    if deduction is not None:
        ret["inspectionDeduction"] = deduction
    return {"order": order, "previousReturns": previous or [], "return": ret}


# --- Section 2's entitlement, unit by unit -------------------------------------------------------

Unit = tuple[int, int]  # (line index, unit index within the line)


class Model:
    """price(S), part(K, S), cost(K) and E of section 2 for one order, read straight off the contract."""

    def __init__(self, order: dict[str, Any]) -> None:
        self.order = order
        self.digits = DIGITS[order["currency"]]
        self.lines = order["lines"]
        self.index = {line["lineId"]: i for i, line in enumerate(self.lines)}
        self.list_price = [to_minor(line["unitPrice"], self.digits) for line in self.lines]
        self.promotions = order.get("promotions", [])
        self.eligible = [{self.index[k] for k in p["lineIds"]} for p in self.promotions]
        # The allocation of every promotion to every unit, as bought.
        self.allocated: list[dict[Unit, int]] = self.pricing(self.all_units(), original=True)[1]
        # Section 1: fundedBy, when absent the seller on POP orders and the platform on B2C.
        self.pop = order.get("channel", "B2C") == "POP"
        self.platform_funded = [
            p.get("fundedBy", "seller" if self.pop else "platform") == "platform" for p in self.promotions
        ]
        # Section 8: "the subsidy the whole order had", the platform-funded discounts as bought.
        self.whole_subsidy = sum(
            sum(self.allocated[k].values()) for k in range(len(self.promotions)) if self.platform_funded[k]
        )
        self.paid = sum(to_minor(p["amount"], self.digits) for p in order["payments"])
        self.charged = to_minor(order["shipping"]["charged"], self.digits)
        self.fee = to_minor(order["shipping"]["fee"], self.digits)
        free = order["shipping"].get("freeThreshold")
        self.free_threshold = None if free is None else to_minor(free, self.digits)

    def all_units(self) -> list[Unit]:
        return [(i, u) for i, line in enumerate(self.lines) for u in range(line["quantity"])]

    def pricing(
        self, units: list[Unit], *, original: bool = False
    ) -> tuple[dict[Unit, int], list[dict[Unit, int]]]:
        """Each unit's amount when ``units`` are priced together, and each promotion's discount per unit.

        ``reprice`` promotions are evaluated afresh on the units; ``prorate`` ones take their
        allocation, capped so that no unit goes below zero (the order as bought reprices all).
        """
        amount = {unit: self.list_price[unit[0]] for unit in sorted(units)}
        per_promotion: list[dict[Unit, int]] = []
        for k, promotion in enumerate(self.promotions):
            slots = [unit for unit in amount if unit[0] in self.eligible[k]]
            if promotion.get("refundPolicy", "reprice") == "prorate" and not original:
                shares = [min(self.allocated[k].get(unit, 0), amount[unit]) for unit in slots]
            else:
                base = sum(amount[unit] for unit in slots)
                discount = discount_on(promotion, base, self.digits)
                shares = largest_remainder(discount, [amount[unit] for unit in slots])
            for unit, share in zip(slots, shares, strict=True):
                amount[unit] -= share
            per_promotion.append(dict(zip(slots, shares, strict=True)))
        return amount, per_promotion

    def state(self, returns: list[Back]) -> State:
        """Where the order stands after ``returns`` (returns and cancellations, in sequence)."""
        taken = [0] * len(self.lines)
        merchant: list[Unit] = []
        customer: list[Unit] = []
        for back in returns:
            for line_id, qty in back.lines.items():
                i = self.index[line_id]
                units = [(i, u) for u in range(taken[i], taken[i] + qty)]
                (merchant if merchant_fault(back.reason) else customer).extend(units)
                taken[i] += qty
        kept = [(i, u) for i, line in enumerate(self.lines) for u in range(taken[i], line["quantity"])]
        own_price, own_discounts = self.pricing(kept)
        with_rm, with_rm_discounts = self.pricing(kept + merchant)
        price_k = sum(own_price.values())
        part_k = sum(with_rm[unit] for unit in kept)
        discounts = own_discounts if price_k <= part_k else with_rm_discounts
        cost = min(price_k, part_k)
        below = self.free_threshold is not None and sum(with_rm.values()) < self.free_threshold
        clawback = self.fee if self.charged == 0 and kept and customer and below else 0
        # "When K is empty and no unit went back by a customer-choice *return* ... shipping.charged
        # is refunded": a customer-choice cancellation does not stand in the way.
        by_choice = any(b.kind == "return" and not merchant_fault(b.reason) for b in returns)
        shipping_refund = self.charged if not kept and not by_choice else 0
        fees = sum(b.fees for b in returns)
        entitlement = self.paid - self.charged - cost + shipping_refund - clawback - fees
        gap = {
            p["promotionId"]: sum(discounts[k].get(unit, 0) - self.allocated[k].get(unit, 0) for unit in kept)
            for k, p in enumerate(self.promotions)
        }
        # With merchant-fault units kept apart, price(K) == part(K, K + Rm) leaves open which pricing
        # explains the cost (and so how the clawback splits over promotions); their sum is the same.
        tie = bool(merchant) and price_k == part_k and own_discounts != with_rm_discounts
        # Section 8: "subsidy is the sum, over promotions funded by the platform, of each one's
        # discount on the kept units in the pricing that cost(K) uses (K priced alone on a tie;
        # nothing when K is empty)" -- ``discounts`` is K alone's pricing on a tie, empty with K.
        subsidy = sum(
            discounts[k].get(unit, 0)
            for k in range(len(self.promotions))
            if self.platform_funded[k]
            for unit in kept
        )
        return State(entitlement, cost, clawback, shipping_refund, gap, tie, subsidy)


@dataclass(frozen=True)
class Back:
    """Units given back: per line, with the reason, the fees, and ``return`` or ``cancellation``."""

    lines: dict[str, int]
    reason: str
    fees: int = 0
    kind: str = "return"


@dataclass(frozen=True)
class State:
    """E after some returns, with its parts: cost(K), shipping, and each promotion's discount gap on K."""

    entitlement: int
    cost: int
    clawback: int
    shipping_refund: int
    gap: dict[str, int]  # promotion -> its discount on K in the pricing cost(K) used - its allocation
    tie: bool  # price(K) == part(K, K + Rm): either pricing explains the cost
    subsidy: int  # the platform-funded promotions' discount on K (section 8)


def seller_debit(before: State, after: State) -> int:
    """Section 8: sellerDebit = (E_after - E_before) + (subsidy_before - subsidy_after)."""
    return (after.entitlement - before.entitlement) + (before.subsidy - after.subsidy)
