"""An independent model of contract section 1-2's allocation, for building and checking test orders.

Written from docs/CONTRACT.md, not from the engine: the property tests need valid random snapshots
(whose payments must equal lines less the promotions' discounts plus shipping) and an exact
``alloc`` to hold ``lines[].paidAmount`` against. Unit by unit, with exact fractions: slow but plain.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

ORDERS_DIR = Path(__file__).resolve().parents[2] / "events" / "orders"

DIGITS = {"CNY": 2, "USD": 2, "EUR": 2, "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3}
MERCHANT_FAULT = ("quality_issue", "not_as_described", "wrong_item", "damaged_in_transit")
CUSTOMER_CHOICE = ("no_longer_needed", "size_or_fit", "other")
ADJUSTMENT_KINDS = {
    "promotion_clawback",
    "shipping_clawback",
    "shipping_refund",
    "return_shipping_fee",
    "inspection_deduction",
    "prior_shortfall",
    "prior_balance",
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
) -> dict[str, Any]:
    """A valid snapshot: lines as (unit price in minor units, quantity, returnable).

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
