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
from typing import Any, NamedTuple, get_args

from pydantic import ValidationError

from returns_core import money
from returns_core.order import OrderNumbers, plain_order
from returns_core.refunds.models import (
    CANCELLATION_REASONS,
    RETURN_REASONS,
    AnyReason,
    BadRequest,
    PreviousReturn,
    Quote,
    QuoteRequest,
    ReturnSpec,
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
    given_back: tuple[int, ...]
    """Per promotion: its allocation to the units this return gives back."""


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
    given_back: tuple[int, ...]
    """Per promotion: its allocation to every unit given back (Rm and Rc)."""


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


class _Spec(NamedTuple):
    """A return or cancellation as requested: ``(lineId, quantity)`` pairs, reason, kind, amounts."""

    lines: tuple[tuple[str, int], ...]
    reason: str
    kind: str
    fees: str | None = None
    refunded: str | None = None
    return_shipping_fee: str | None = None
    inspection_deduction: str | None = None


class _Request(NamedTuple):
    """A well-formed request as plain data: what the engine quotes, however it was read."""

    order: OrderNumbers
    previous: tuple[_Spec, ...]
    this: _Spec


def quote_request(request: object) -> dict[str, Any]:
    """The quote for a request as the contract's JSON, both as plain data (contract section 3).

    Raises ``BadRequest`` with a one-line message for anything the contract calls a bad request,
    shape errors included, so a caller needs no pydantic. A request that is plainly well formed
    is read without pydantic (``_plain_request``); any other goes through ``QuoteRequest``, whose
    errors are the messages.
    """
    plain = _plain_request(request)
    if plain is None:
        try:
            parsed = QuoteRequest.model_validate(request)
        except ValidationError as error:
            raise BadRequest(describe(error)) from None
        plain = _from_models(parsed)
    return _quote(plain)


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
    return Quote.model_validate(_quote(_from_models(request)))


def quote_json(request: QuoteRequest) -> dict[str, Any]:
    """The quote as the contract's JSON, built as plain data (what ``Quote.to_json`` gives)."""
    return _quote(_from_models(request))


def _from_models(request: QuoteRequest) -> _Request:
    def spec(entry: PreviousReturn | ReturnSpec) -> _Spec:
        lines = tuple([(line.lineId, line.quantity) for line in entry.lines])
        if isinstance(entry, PreviousReturn):
            return _Spec(lines, entry.reason, entry.kind, fees=entry.fees, refunded=entry.refunded)
        return _Spec(
            lines,
            entry.reason,
            entry.kind,
            return_shipping_fee=entry.returnShippingFee,
            inspection_deduction=entry.inspectionDeduction,
        )

    return _Request(request.order.numbers, tuple(map(spec, request.previousReturns)), spec(request.return_))


_REQUEST_KEYS = frozenset({"order", "previousReturns", "return"})
_PREVIOUS_KEYS = frozenset({"lines", "reason", "kind", "fees", "refunded"})
_RETURN_KEYS = frozenset({"lines", "reason", "kind", "returnShippingFee", "inspectionDeduction"})
_REASONS = frozenset(get_args(AnyReason))


def _plain_request(request: object) -> _Request | None:
    """The request read without pydantic, when every field has a shape ``QuoteRequest`` accepts.

    ``None`` for anything else (or a snapshot whose numbers are refused): pydantic then reads the
    request and words what is wrong, so a refusal says the same whichever way it came.
    """
    if type(request) is not dict or not request.keys() <= _REQUEST_KEYS or "return" not in request:
        return None
    previous_data = request.get("previousReturns", [])
    if type(previous_data) is not list:
        return None
    previous = [_plain_spec(entry, _PREVIOUS_KEYS) for entry in previous_data]
    this = _plain_spec(request["return"], _RETURN_KEYS)
    if this is None or None in previous:
        return None
    try:
        order = plain_order(request.get("order"))
    except ValueError:
        return None
    if order is None:
        return None
    return _Request(order, tuple([spec for spec in previous if spec is not None]), this)


def _plain_spec(data: object, keys: frozenset[str]) -> _Spec | None:
    """A return or earlier return with exactly the shapes ``ReturnSpec``/``PreviousReturn`` accept."""
    if type(data) is not dict or not data.keys() <= keys:
        return None
    lines, reason, kind = data.get("lines"), data.get("reason"), data.get("kind", "return")
    if type(lines) is not list or not lines or type(reason) is not str or type(kind) is not str:
        return None
    amounts = [data.get(key) for key in ("fees", "refunded", "returnShippingFee", "inspectionDeduction")]
    if (
        reason not in _REASONS
        or kind not in ("return", "cancellation")
        or not set(map(type, amounts)) <= _TEXT
    ):
        return None
    pairs = []
    for line in lines:
        if type(line) is not dict or line.keys() != {"lineId", "quantity"}:
            return None
        line_id, quantity = line["lineId"], line["quantity"]
        if type(line_id) is not str or not line_id or type(quantity) is not int or not 1 <= quantity < 2**63:
            return None
        pairs.append((line_id, quantity))
    fees, refunded, fee, deduction = amounts
    return _Spec(tuple(pairs), reason, kind, fees, refunded, fee, deduction)


_TEXT = frozenset({str, type(None)})


def _quote(request: _Request) -> dict[str, Any]:
    """The quote of a well-formed request, as the contract's JSON built as plain data."""
    order = request.order
    if not order.payments:
        # Contract section 3: an unpaid order has nothing to refund; its cancellation needs no quote.
        raise BadRequest(
            f"order: {order.order_id} is not paid (status {order.status}, no payments): "
            "the engine quotes only paid orders"
        )
    allocation = order.allocation
    cur = order.currency
    taken = [0] * len(order.quantities)
    previous = [
        _resolve(order, taken, r, _amount(cur, f"previousReturns[{i}].fees", r.fees), i)
        for i, r in enumerate(request.previous)
    ]
    this = request.this
    this_fee = _amount(cur, "return.returnShippingFee", this.return_shipping_fee)
    this_deduction = _amount(cur, "return.inspectionDeduction", this.inspection_deduction)
    current = _resolve(order, taken, this, this_fee + this_deduction, None)

    @cache
    def entitlement_after(count: int) -> _Entitlement:
        return _entitle(order, _state(order, previous[:count]))

    refunded = _refunded_so_far(order, request.previous, entitlement_after)
    before = entitlement_after(len(previous))
    after = _entitle(order, _state(order, [*previous, current]))

    paid = [allocation.paid_for(index, start, end) for index, start, end in current.segments]
    lines = [
        {"lineId": line_id, "quantity": quantity, "paidAmount": money.format(amount, cur)}
        for (line_id, quantity), amount in zip(this.lines, paid, strict=True)
    ]
    adjustments = _adjustments(order, before, after, this_fee, this_deduction, refunded)
    subtotal = sum(paid) + sum(amount for _, amount, _, _ in adjustments)
    if subtotal < 0:
        adjustments.append(
            (
                "shortfall_carried",
                -subtotal,
                f"this return would refund {money.format(subtotal, cur)}; nothing is charged: "
                f"{money.format(-subtotal, cur)} is carried to the next return of this order",
                None,
            )
        )
    refund = max(0, subtotal)
    return {
        "orderId": order.order_id,
        "currency": cur,
        "lines": lines,
        "adjustments": [_adjustment_json(adjustment, cur) for adjustment in adjustments],
        "refundAmount": money.format(refund, cur),
        "payments": _split(order, refunded, refund),
        "settlement": _settlement(order, before, after, refund) if order.channel == "POP" else None,
    }


_Adjustment = tuple[str, int, str, str | None]
"""An adjustment as the engine builds it: kind, signed amount in minor units, words, promotion."""


def _adjustment_json(adjustment: _Adjustment, currency: str) -> dict[str, Any]:
    kind, amount, description, promotion_id = adjustment
    out = {"kind": kind, "amount": money.format(amount, currency), "description": description}
    if promotion_id is not None:
        out["promotionId"] = promotion_id
    return out


# -- resolving requests ------------------------------------------------------------------------


def _amount(currency: str, what: str, text: str | None) -> int:
    if text is None:
        return 0
    try:
        return money.parse(text, currency, what=what)
    except money.MoneyError as error:
        raise BadRequest(str(error)) from None


def _resolve(
    order: OrderNumbers,
    taken: list[int],
    spec: _Spec,
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
    line_index, returnable, quantities = order.line_index, order.returnable, order.quantities
    seen: set[str] = set()
    segments = []
    for line_id, quantity in spec.lines:
        index = line_index.get(line_id)
        if index is None:
            raise BadRequest(f"{where}: unknown line {line_id!r}")
        if line_id in seen:
            raise BadRequest(f"{where}: line {line_id!r} is named twice")
        seen.add(line_id)
        if not returnable[index] and not merchant and not cancellation:
            raise BadRequest(
                f"{where}: line {line_id!r} is not returnable for {reason!r}: "
                "it can go back only for a merchant-fault reason"
            )
        left = quantities[index] - taken[index]
        if quantity > left:
            raise BadRequest(
                f"{where}: quantity {quantity} of line {line_id!r} is over the {left} left to return"
            )
        segments.append((index, taken[index], taken[index] + quantity))
        taken[index] += quantity
    allocation = order.allocation
    given_back = tuple(allocation.promotion_on(p, segments) for p in range(len(order.promotions)))
    return _Return(
        segments=tuple(segments),
        merchant_fault=merchant,
        cancellation=cancellation,
        fees=fees,
        given_back=given_back,
    )


def _state(order: OrderNumbers, returns: list[_Return]) -> _State:
    quantities = order.quantities
    taken = [0] * len(quantities)
    merchant: list[tuple[int, int, int]] = []
    customer: list[tuple[int, int, int]] = []
    given_back = [0] * len(order.promotions)
    for ret in returns:
        for segment in ret.segments:
            (merchant if ret.merchant_fault else customer).append(segment)
            taken[segment[0]] = max(taken[segment[0]], segment[2])
        given_back = [total + part for total, part in zip(given_back, ret.given_back, strict=True)]
    # One segment per line, in line order: already as normalise would give it.
    kept = tuple(
        [(i, start, end) for i, (start, end) in enumerate(zip(taken, quantities, strict=True)) if start < end]
    )
    return _State(
        kept=kept,
        merchant=normalise(merchant),
        customer=normalise(customer),
        fees=sum(r.fees for r in returns),
        returned_by_choice=any(not r.merchant_fault and not r.cancellation for r in returns),
        cancelled=any(r.cancellation for r in returns),
        returned=any(not r.cancellation for r in returns),
        given_back=tuple(given_back),
    )


# -- entitlement ---------------------------------------------------------------------------------


def _entitle(numbers: OrderNumbers, state: _State) -> _Entitlement:
    allocation = numbers.allocation
    cost, with_merchant = cost_of_kept(numbers, allocation, state.kept, state.merchant)
    pricing = cost.pricing
    count = len(numbers.promotions)
    on_kept = [0] * count if pricing is None else [pricing.discount_on(p, state.kept) for p in range(count)]
    # A promotion's allocation to K: all of it less what the units given back carry.
    contributions = tuple(
        kept - (whole - back)
        for kept, whole, back in zip(on_kept, allocation.discounts, state.given_back, strict=True)
    )
    subsidy = sum(d for d, n in zip(on_kept, numbers.promotions, strict=True) if n.platform_funded)
    threshold = numbers.free_threshold
    charged = numbers.charged
    clawback = (
        numbers.fee
        if charged == 0
        and state.kept
        and state.customer
        and threshold is not None
        and with_merchant.total < threshold
        else 0
    )
    # Nothing kept and nothing sent back by choice: the shipping paid for is given back.
    shipping_refund = charged if not state.kept and not state.returned_by_choice else 0
    amount = sum(numbers.payments) - charged - cost.amount + shipping_refund - clawback - state.fees
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
    order: OrderNumbers, earlier: tuple[_Spec, ...], entitlement_after: Callable[[int], _Entitlement]
) -> int:
    """What earlier returns refunded: as given, or what this engine gives for them in sequence."""
    refunded = 0
    for i, previous in enumerate(earlier):
        if previous.refunded is None:
            refunded += max(0, entitlement_after(i + 1).amount - refunded)
        else:
            refunded += _amount(order.currency, f"previousReturns[{i}].refunded", previous.refunded)
    paid = sum(order.payments)
    if refunded > paid:
        raise BadRequest(
            f"previousReturns: earlier refunds add up to {money.format(refunded, order.currency)}, "
            f"more than the {money.format(paid, order.currency)} paid"
        )
    return refunded


# -- explaining the refund -------------------------------------------------------------------------


def _adjustments(
    order: OrderNumbers,
    before: _Entitlement,
    after: _Entitlement,
    fee: int,
    deduction: int,
    refunded: int,
) -> list[_Adjustment]:
    cur = order.currency
    out: list[_Adjustment] = []
    for p, promotion_id in enumerate(order.promotion_ids):
        change = after.contributions[p] - before.contributions[p]
        if change:
            description = _promotion_description(order, p, before, after, change)
            out.append(("promotion_clawback", change, description, promotion_id))
    clawback_change = after.clawback - before.clawback
    if clawback_change:
        fee_text = money.format(order.fee, cur)
        threshold = money.format(order.free_threshold or 0, cur)
        kept = money.format(after.kept_with_merchant_price, cur)
        description = (
            f"kept items ({kept}) no longer reach {threshold} for free shipping: "
            f"the standard shipping fee {fee_text} is charged"
            if clawback_change > 0
            else f"the shipping fee {fee_text} charged on an earlier return is given back"
        )
        out.append(("shipping_clawback", -clawback_change, description, None))
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
        description = f"shipping ({money.format(refund_change, cur)}) is refunded: {why}"
        out.append(("shipping_refund", refund_change, description, None))
    if fee:
        description = f"return shipping ({money.format(fee, cur)}) is paid by the customer"
        out.append(("return_shipping_fee", -fee, description, None))
    if deduction:
        description = f"{money.format(deduction, cur)} deducted for damage found at inspection"
        out.append(("inspection_deduction", -deduction, description, None))
    balance = before.amount - refunded
    if balance < 0:
        description = (
            f"{money.format(-balance, cur)} refunded too much by earlier returns "
            "(a shortfall carried forward) is recovered"
        )
        out.append(("prior_shortfall", balance, description, None))
    elif balance > 0:
        description = f"{money.format(balance, cur)} still owed from earlier returns is added"
        out.append(("prior_balance", balance, description, None))
    return out


def _promotion_description(
    order: OrderNumbers, p: int, before: _Entitlement, after: _Entitlement, change: int
) -> str:
    """Say what was lost or given back, in the words a customer would use."""
    cur = order.currency
    numbers = order.promotions[p]
    label = order.promotion_labels[p]
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


def _settlement(
    order: OrderNumbers, before: _Entitlement, after: _Entitlement, refund: int
) -> dict[str, str]:
    """Section 8: the seller gives back the change in E, plus the subsidy the kept units lose.

    Only entitlements enter the seller's part, never what was actually refunded: a shortfall the
    platform did not charge the customer, or earlier refunds that differ from E, are the platform's.
    """
    debit = (after.amount - before.amount) + (before.subsidy - after.subsidy)
    return {
        "sellerId": order.seller_id,
        "sellerDebit": money.format(debit, order.currency),
        "platformShare": money.format(refund - debit, order.currency),
    }


def _split(order: OrderNumbers, refunded: int, refund: int) -> list[dict[str, str]]:
    """Refunds fill the payments in their listed order, each up to what is left of it."""
    shares = []
    already, due = refunded, refund
    for payment_id, amount in zip(order.payment_ids, order.payments, strict=True):
        filled = min(already, amount)
        already -= filled
        share = min(due, amount - filled)
        due -= share
        shares.append({"paymentId": payment_id, "amount": money.format(share, order.currency)})
    return shares
