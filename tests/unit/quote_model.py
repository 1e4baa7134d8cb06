"""A whole quote (contract sections 3 and 8) from the unit-by-unit model of refund_model.py.

The same request dict as ``returns_core.quote_request`` takes, answered unit by unit straight
from sections 2-3: E before and after this return, what earlier returns refunded, each
adjustment as the change of its part of E, the refund and its split over the payments. No
descriptions (they are words, not rules): ``without_descriptions`` strips them from an engine
quote to compare. It is the engine's reference in the property tests and in ``make bench``.
"""

from __future__ import annotations

from typing import Any

from tests.unit.refund_model import DIGITS, Back, Model, State, seller_debit, to_minor, to_text


def model_quote(request: dict[str, Any]) -> dict[str, Any]:
    """The quote of ``request`` (a valid one: the model does not check requests)."""
    order = request["order"]
    digits = DIGITS[order["currency"]]
    model = Model(order)

    def fees(text: str | None) -> int:
        return 0 if text is None else to_minor(text, digits)

    def units(entry: dict[str, Any]) -> dict[str, int]:
        return {line["lineId"]: line["quantity"] for line in entry["lines"]}

    def back(entry: dict[str, Any], fees: int) -> Back:
        return Back(units(entry), entry["reason"], fees, entry.get("kind", "return"))

    earlier = [back(r, fees(r.get("fees"))) for r in request.get("previousReturns", [])]
    this = request["return"]
    fee, deduction = fees(this.get("returnShippingFee")), fees(this.get("inspectionDeduction"))
    returns = [*earlier, back(this, fee + deduction)]
    states: dict[int, State] = {}

    def state_after(count: int) -> State:
        """E and its parts after the first ``count`` returns (each computed once)."""
        if count not in states:
            states[count] = model.state(returns[:count])
        return states[count]

    refunded = 0
    for k, entry in enumerate(request.get("previousReturns", [])):
        given = entry.get("refunded")
        if given is None:
            refunded += max(0, state_after(k + 1).entitlement - refunded)
        else:
            refunded += to_minor(given, digits)
    before, after = state_after(len(earlier)), state_after(len(returns))

    # lines[].paidAmount: alloc of the units this return takes (a line's next units, in order).
    taken: dict[str, int] = {}
    for entry in earlier:
        for line_id, qty in entry.lines.items():
            taken[line_id] = taken.get(line_id, 0) + qty
    lines: list[dict[str, Any]] = []
    for line_id, qty in units(this).items():
        i, start = model.index[line_id], taken.get(line_id, 0)
        returned = [(i, u) for u in range(start, start + qty)]
        paid = qty * model.list_price[i] - sum(a.get(u, 0) for a in model.allocated for u in returned)
        lines.append({"lineId": line_id, "quantity": qty, "paidAmount": to_text(paid, digits)})

    adjustments: list[dict[str, Any]] = []
    for promotion in order.get("promotions", []):
        pid = promotion["promotionId"]
        change = after.gap[pid] - before.gap[pid]
        if change:
            adjustments.append(
                {"kind": "promotion_clawback", "amount": to_text(change, digits), "promotionId": pid}
            )
    balance = before.entitlement - refunded
    for kind, amount in [
        ("shipping_clawback", before.clawback - after.clawback),
        ("shipping_refund", after.shipping_refund - before.shipping_refund),
        ("return_shipping_fee", -fee),
        ("inspection_deduction", -deduction),
        ("prior_shortfall", min(0, balance)),
        ("prior_balance", max(0, balance)),
    ]:
        if amount:
            adjustments.append({"kind": kind, "amount": to_text(amount, digits)})
    subtotal = sum(to_minor(x["paidAmount"], digits) for x in lines) + sum(
        to_minor(a["amount"], digits) for a in adjustments
    )
    if subtotal < 0:
        adjustments.append({"kind": "shortfall_carried", "amount": to_text(-subtotal, digits)})
    refund = max(0, subtotal)

    # Earlier refunds filled the payments in their listed order; this one goes on from there.
    payments = []
    already, due = refunded, refund
    for payment in order["payments"]:
        amount = to_minor(payment["amount"], digits)
        filled = min(already, amount)
        already -= filled
        share = min(due, amount - filled)
        due -= share
        payments.append({"paymentId": payment["paymentId"], "amount": to_text(share, digits)})
    # Section 8: a POP refund split between the seller and the platform; null on B2C.
    settlement = None
    if order.get("channel", "B2C") == "POP":
        debit = seller_debit(before, after)
        settlement = {
            "sellerId": order["sellerId"],
            "sellerDebit": to_text(debit, digits),
            "platformShare": to_text(refund - debit, digits),
        }
    return {
        "orderId": order["orderId"],
        "currency": order["currency"],
        "lines": lines,
        "adjustments": adjustments,
        "refundAmount": to_text(refund, digits),
        "payments": payments,
        "settlement": settlement,
    }


def without_descriptions(quote: dict[str, Any]) -> dict[str, Any]:
    """An engine quote without its descriptions, adjustments in the model's order, to compare."""
    order = {"promotion_clawback": 0, "shipping_clawback": 1, "shipping_refund": 2, "return_shipping_fee": 3}
    order |= {"inspection_deduction": 4, "prior_shortfall": 5, "prior_balance": 6, "shortfall_carried": 7}
    adjustments = [{k: v for k, v in a.items() if k != "description"} for a in quote["adjustments"]]
    return {**quote, "adjustments": sorted(adjustments, key=lambda a: order[a["kind"]])}
