"""The refund quote: what a return or cancellation refunds, and why it differs from what was paid.

Entitlement after a return is ``E = paidForGoods - cost(K) + shippingRefund - shippingClawback -
fees``; the return refunds ``max(0, E - refundedSoFar)``. The quote explains the difference from
the returned units' allocated paid amounts with signed adjustments that add up exactly. On a POP
order it also splits the refund between the seller and the platform (contract section 8).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import ValidationError

from returns_core import money
from returns_core.order import OrderSnapshot
from returns_core.refunds.allocation import OrderAllocation
from returns_core.refunds.models import (
    CANCELLATION_REASONS,
    RETURN_REASONS,
    Adjustment,
    BadRequest,
    PaymentShare,
    PreviousReturn,
    Quote,
    QuoteLine,
    QuoteRequest,
    ReturnSpec,
    Settlement,
    is_merchant_fault,
)
from returns_core.refunds.pricing import KeptCost, UnitSet, cost_of_kept, normalise


@dataclass(frozen=True)
class _Return:
    """A return or cancellation resolved against the order: which units of which lines, why, fees."""

    segments: UnitSet
    merchant_fault: bool
    cancellation: bool
    fees: int


@dataclass(frozen=True)
class _State:
    """How the order's units fall into K, Rm and Rc after some returns, and the fees so far."""

    kept: UnitSet
    merchant: UnitSet
    customer: UnitSet
    fees: int
    returned_by_choice: bool
    """Some unit went back by a customer-choice *return* (not a cancellation): shipping is kept."""
    cancelled: bool
    returned: bool


@dataclass(frozen=True)
class _Entitlement:
    amount: int
    cost: KeptCost
    contributions: tuple[int, ...]
    """Per promotion: its discount on K in the pricing cost(K) used, less its allocation to K."""
    subsidy: int
    """The platform-funded promotions' discount on K in the pricing cost(K) used (section 8)."""
    clawback: int
    shipping_refund: int
    kept_with_merchant_price: int
    state: _State


def quote_request(request: object) -> dict[str, Any]:
    """The quote for a request as the contract's JSON, both as plain data (contract section 3).

    Raises ``BadRequest`` with a one-line message for anything the contract calls a bad request,
    shape errors included, so a caller needs no pydantic.
    """
    try:
        parsed = QuoteRequest.model_validate(request)
    except ValidationError as error:
        raise BadRequest(describe(error)) from None
    return quote(parsed).to_json()


def describe(error: ValidationError) -> str:
    """A pydantic error as one readable line: where, then what."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "request"
        message = str(item["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


def quote(request: QuoteRequest) -> Quote:
    """Quote ``request.return_`` after ``request.previousReturns`` (pure and deterministic)."""
    order = request.order
    if not order.payments:
        # Contract section 3: an unpaid order has nothing to refund; its cancellation needs no quote.
        raise BadRequest(
            f"order: {order.orderId} is not paid (status {order.status}, no payments): "
            "the engine quotes only paid orders"
        )
    allocation = order.allocation
    cur = order.currency
    taken = [0] * len(order.lines)
    previous = [
        _resolve(order, taken, r, _amount(cur, f"previousReturns[{i}].fees", r.fees), i)
        for i, r in enumerate(request.previousReturns)
    ]
    this = request.return_
    this_fee = _amount(cur, "return.returnShippingFee", this.returnShippingFee)
    this_deduction = _amount(cur, "return.inspectionDeduction", this.inspectionDeduction)
    current = _resolve(order, taken, this, this_fee + this_deduction, None)

    @cache
    def entitlement_after(count: int) -> _Entitlement:
        return _entitle(order, allocation, _state(order, previous[:count]))

    refunded = _refunded_so_far(order, request, entitlement_after)
    before = entitlement_after(len(previous))
    after = _entitle(order, allocation, _state(order, [*previous, current]))

    lines = [
        QuoteLine(
            lineId=line.lineId,
            quantity=line.quantity,
            paidAmount=money.format(allocation.paid_for(index, start, end), cur),
        )
        for line, (index, start, end) in zip(request.return_.lines, current.segments, strict=True)
    ]
    adjustments = _adjustments(order, before, after, this_fee, this_deduction, refunded)
    subtotal = sum(money.parse(q.paidAmount, cur) for q in lines) + sum(
        money.parse(a.amount, cur, allow_negative=True) for a in adjustments
    )
    if subtotal < 0:
        adjustments.append(
            Adjustment(
                kind="shortfall_carried",
                amount=money.format(-subtotal, cur),
                description=(
                    f"this return would refund {money.format(subtotal, cur)}; nothing is charged: "
                    f"{money.format(-subtotal, cur)} is carried to the next return of this order"
                ),
            )
        )
    refund = max(0, subtotal)
    return Quote(
        orderId=order.orderId,
        currency=cur,
        lines=lines,
        adjustments=adjustments,
        refundAmount=money.format(refund, cur),
        payments=_split(order, refunded, refund),
        settlement=_settlement(order, before, after, refund) if order.channel == "POP" else None,
    )


# -- resolving requests ------------------------------------------------------------------------


def _amount(currency: str, what: str, text: str | None) -> int:
    if text is None:
        return 0
    try:
        return money.parse(text, currency, what=what)
    except money.MoneyError as error:
        raise BadRequest(str(error)) from None


def _resolve(
    order: OrderSnapshot,
    taken: list[int],
    spec: ReturnSpec | PreviousReturn,
    fees: int,
    position: int | None,
) -> _Return:
    """Take the next units of each named line (a line's first return takes its first units)."""
    where = "return" if position is None else f"previousReturns[{position}]"
    reason = spec.reason
    cancellation = spec.kind == "cancellation"
    if cancellation and reason not in CANCELLATION_REASONS:
        raise BadRequest(
            f"{where}: {reason!r} is not a cancellation reason "
            f"(one of {', '.join(sorted(CANCELLATION_REASONS))})"
        )
    if not cancellation and reason not in RETURN_REASONS:
        raise BadRequest(f"{where}: {reason!r} is a reason for cancellations only, not for a return")
    merchant = is_merchant_fault(reason)
    seen: set[str] = set()
    segments = []
    for entry in spec.lines:
        index = order.line_index(entry.lineId)
        if index is None:
            raise BadRequest(f"{where}: unknown line {entry.lineId!r}")
        if entry.lineId in seen:
            raise BadRequest(f"{where}: line {entry.lineId!r} is named twice")
        seen.add(entry.lineId)
        line = order.lines[index]
        if not line.returnable and not merchant and not cancellation:
            raise BadRequest(
                f"{where}: line {entry.lineId!r} is not returnable for {reason!r}: "
                "it can go back only for a merchant-fault reason"
            )
        left = line.quantity - taken[index]
        if entry.quantity > left:
            raise BadRequest(
                f"{where}: quantity {entry.quantity} of line {entry.lineId!r} "
                f"is over the {left} left to return"
            )
        segments.append((index, taken[index], taken[index] + entry.quantity))
        taken[index] += entry.quantity
    return _Return(segments=tuple(segments), merchant_fault=merchant, cancellation=cancellation, fees=fees)


def _state(order: OrderSnapshot, returns: list[_Return]) -> _State:
    taken = [0] * len(order.lines)
    merchant: list[tuple[int, int, int]] = []
    customer: list[tuple[int, int, int]] = []
    for ret in returns:
        for segment in ret.segments:
            (merchant if ret.merchant_fault else customer).append(segment)
            taken[segment[0]] = max(taken[segment[0]], segment[2])
    # One segment per line, in line order: already as normalise would give it.
    kept = tuple(
        (i, taken[i], line.quantity) for i, line in enumerate(order.lines) if taken[i] < line.quantity
    )
    return _State(
        kept=kept,
        merchant=normalise(merchant),
        customer=normalise(customer),
        fees=sum(r.fees for r in returns),
        returned_by_choice=any(not r.merchant_fault and not r.cancellation for r in returns),
        cancelled=any(r.cancellation for r in returns),
        returned=any(not r.cancellation for r in returns),
    )


# -- entitlement ---------------------------------------------------------------------------------


def _allocated(allocation: OrderAllocation, promotion: int, state: _State) -> int:
    """The promotion's allocation to K: all of it less what the units given back carry."""
    return allocation.discounts[promotion] - allocation.promotion_on(
        promotion, state.merchant + state.customer
    )


def _entitle(order: OrderSnapshot, allocation: OrderAllocation, state: _State) -> _Entitlement:
    cost, with_merchant = cost_of_kept(order, allocation, state.kept, state.merchant)
    pricing = cost.pricing
    on_kept = [
        pricing.discount_on(p, state.kept) if pricing is not None else 0 for p in range(len(order.promotions))
    ]
    contributions = tuple(on_kept[p] - _allocated(allocation, p, state) for p in range(len(on_kept)))
    subsidy = sum(d for d, n in zip(on_kept, order.promotion_numbers, strict=True) if n.platform_funded)
    threshold = order.free_threshold_minor
    clawback = (
        order.shipping_fee_minor
        if order.shipping_charged_minor == 0
        and state.kept
        and state.customer
        and threshold is not None
        and with_merchant.total < threshold
        else 0
    )
    # Nothing kept and nothing sent back by choice: the shipping paid for is given back.
    shipping_refund = order.shipping_charged_minor if not state.kept and not state.returned_by_choice else 0
    amount = order.paid_for_goods_minor - cost.amount + shipping_refund - clawback - state.fees
    return _Entitlement(
        amount=amount,
        cost=cost,
        contributions=contributions,
        subsidy=subsidy,
        clawback=clawback,
        shipping_refund=shipping_refund,
        kept_with_merchant_price=with_merchant.total,
        state=state,
    )


def _refunded_so_far(
    order: OrderSnapshot, request: QuoteRequest, entitlement_after: Callable[[int], _Entitlement]
) -> int:
    """What earlier returns refunded: as given, or what this engine gives for them in sequence."""
    refunded = 0
    for i, previous in enumerate(request.previousReturns):
        if previous.refunded is None:
            refunded += max(0, entitlement_after(i + 1).amount - refunded)
        else:
            refunded += _amount(order.currency, f"previousReturns[{i}].refunded", previous.refunded)
    if refunded > order.paid_minor:
        raise BadRequest(
            f"previousReturns: earlier refunds add up to {money.format(refunded, order.currency)}, "
            f"more than the {money.format(order.paid_minor, order.currency)} paid"
        )
    return refunded


# -- explaining the refund -------------------------------------------------------------------------


def _adjustments(
    order: OrderSnapshot,
    before: _Entitlement,
    after: _Entitlement,
    fee: int,
    deduction: int,
    refunded: int,
) -> list[Adjustment]:
    cur = order.currency
    out: list[Adjustment] = []
    for p, promotion in enumerate(order.promotions):
        change = after.contributions[p] - before.contributions[p]
        if change:
            out.append(
                Adjustment(
                    kind="promotion_clawback",
                    promotionId=promotion.promotionId,
                    amount=money.format(change, cur),
                    description=_promotion_description(order, p, before, after, change),
                )
            )
    clawback_change = after.clawback - before.clawback
    if clawback_change:
        fee_text = money.format(order.shipping_fee_minor, cur)
        threshold = money.format(order.free_threshold_minor or 0, cur)
        kept = money.format(after.kept_with_merchant_price, cur)
        out.append(
            Adjustment(
                kind="shipping_clawback",
                amount=money.format(-clawback_change, cur),
                description=(
                    f"kept items ({kept}) no longer reach {threshold} for free shipping: "
                    f"the standard shipping fee {fee_text} is charged"
                    if clawback_change > 0
                    else f"the shipping fee {fee_text} charged on an earlier return is given back"
                ),
            )
        )
    refund_change = after.shipping_refund - before.shipping_refund
    if refund_change:
        state = after.state
        why = (
            "the whole order was cancelled before delivery"
            if not state.returned
            else "every item was cancelled before delivery or came back for a fault of the merchant"
            if state.cancelled
            else "every item came back for a fault of the merchant"
        )
        out.append(
            Adjustment(
                kind="shipping_refund",
                amount=money.format(refund_change, cur),
                description=f"shipping ({money.format(refund_change, cur)}) is refunded: {why}",
            )
        )
    if fee:
        out.append(
            Adjustment(
                kind="return_shipping_fee",
                amount=money.format(-fee, cur),
                description=f"return shipping ({money.format(fee, cur)}) is paid by the customer",
            )
        )
    if deduction:
        out.append(
            Adjustment(
                kind="inspection_deduction",
                amount=money.format(-deduction, cur),
                description=f"{money.format(deduction, cur)} deducted for damage found at inspection",
            )
        )
    balance = before.amount - refunded
    if balance < 0:
        out.append(
            Adjustment(
                kind="prior_shortfall",
                amount=money.format(balance, cur),
                description=(
                    f"{money.format(-balance, cur)} refunded too much by earlier returns "
                    "(a shortfall carried forward) is recovered"
                ),
            )
        )
    elif balance > 0:
        out.append(
            Adjustment(
                kind="prior_balance",
                amount=money.format(balance, cur),
                description=f"{money.format(balance, cur)} still owed from earlier returns is added",
            )
        )
    return out


def _promotion_description(
    order: OrderSnapshot, p: int, before: _Entitlement, after: _Entitlement, change: int
) -> str:
    """Say what was lost or given back, in the words a customer would use."""
    cur = order.currency
    numbers = order.promotion_numbers[p]
    label = order.promotions[p].label
    amount = money.format(abs(change), cur)
    pricing = after.cost.pricing
    if pricing is None:
        if change > 0:
            return f"nothing is kept any more: the {amount} of {label} taken back earlier is given back"
        return f"nothing is kept any more: the extra {amount} off from {label} on kept items is settled"
    base = money.format(pricing.bases[p], cur)
    if change < 0:
        if numbers.kind == "threshold" and not numbers.prorate and pricing.bases[p] < numbers.threshold:
            return f"kept items ({base}) no longer reach {money.format(numbers.threshold, cur)} for {label}"
        return f"kept items ({base}) get {amount} less off from {label} than before"
    if before.contributions[p] < 0:
        if after.cost.together_with_merchant_fault:
            why = "items returned for a fault of the merchant count for it again"
        elif numbers.kind == "threshold" and not numbers.prorate and pricing.bases[p] < numbers.threshold:
            # Still below the threshold: what comes back is the share taken back on the units now returned.
            why = "the items it was taken back on have come back"
        else:
            why = f"the kept items ({base}) qualify again"
        return f"{amount} of {label} taken back earlier is given back: {why}"
    return f"kept items ({base}) get {amount} more off from {label} on their own than their share of it"


def _settlement(order: OrderSnapshot, before: _Entitlement, after: _Entitlement, refund: int) -> Settlement:
    """Section 8: the seller gives back the change in E, plus the subsidy the kept units lose.

    Only entitlements enter the seller's part, never what was actually refunded: a shortfall the
    platform did not charge the customer, or earlier refunds that differ from E, are the platform's.
    """
    debit = (after.amount - before.amount) + (before.subsidy - after.subsidy)
    return Settlement(
        sellerId=order.sellerId,
        sellerDebit=money.format(debit, order.currency),
        platformShare=money.format(refund - debit, order.currency),
    )


def _split(order: OrderSnapshot, refunded: int, refund: int) -> list[PaymentShare]:
    """Refunds fill the payments in their listed order, each up to what is left of it."""
    shares = []
    already, due = refunded, refund
    for payment, amount in zip(order.payments, order.payments_minor, strict=True):
        filled = min(already, amount)
        already -= filled
        share = min(due, amount - filled)
        due -= share
        shares.append(PaymentShare(paymentId=payment.paymentId, amount=money.format(share, order.currency)))
    return shares
