"""Hypothesis: the invariants of contract sections 2 and 3 hold for random orders and return sequences.

Random valid snapshots (currencies with 0, 2 and 3 digits, 1-6 lines, threshold and percentage
promotions with repeat, maxDiscount and prorate, shipping with and without freeThreshold, payments
in 1-3 parts) are given back in random sequences mixing returns and cancellations (section 7), with
random reasons and fees; every quote and every sequence is checked against the contract's own
sentences, quoted above each check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from returns_core.refunds.models import QuoteRequest
from returns_core.refunds.quote import quote
from tests.unit.refund_model import (
    ADJUSTMENT_KINDS,
    CANCELLATION_CUSTOMER_CHOICE,
    CANCELLATION_MERCHANT_FAULT,
    CUSTOMER_CHOICE,
    DIGITS,
    MERCHANT_FAULT,
    Back,
    Model,
    allocate,
    amount_pattern,
    merchant_fault,
    request,
    seller_debit,
    snapshot,
    to_minor,
    to_text,
)

CURRENCIES = ["CNY", "JPY", "KWD"]
PERCENTS = ["5", "10", "12.5", "20", "33.3", "50", "7.25", "90"]
FAST = settings(max_examples=150, deadline=None)


@dataclass(frozen=True)
class Step:
    """One return (or cancellation) of a sequence: units per line, reason, its fees in minor units."""

    lines: dict[str, int]
    reason: str
    fee: int
    deduction: int
    kind: str = "return"

    @property
    def back(self) -> Back:
        """The step as the model takes it."""
        return Back(self.lines, self.reason, self.fee + self.deduction, self.kind)

    @property
    def by_choice_return(self) -> bool:
        """A customer-choice *return*: after one, the order's shipping is never refunded."""
        return self.kind == "return" and not merchant_fault(self.reason)


@st.composite
def orders(draw: st.DrawFn) -> dict[str, Any]:
    currency = draw(st.sampled_from(CURRENCIES))
    scale = 10 ** DIGITS[currency]
    count = draw(st.integers(1, 6))
    lines = [
        (
            draw(st.integers(1, 500 * scale)),
            draw(st.one_of(st.integers(1, 3), st.integers(1, 50))),
            draw(st.sampled_from([True, True, True, False])),
        )
        for _ in range(count)
    ]
    list_total = sum(price * qty for price, qty, _ in lines)
    promotions: list[dict[str, Any]] = []
    for k in range(draw(st.integers(0, 3))):
        chosen = draw(st.lists(st.integers(0, count - 1), min_size=1, max_size=count, unique=True))
        promotion: dict[str, Any] = {"promotionId": f"P{k + 1}", "lineIds": [f"L{i + 1}" for i in chosen]}
        policy = draw(st.sampled_from([None, "reprice", "prorate"]))
        if policy is not None:
            promotion["refundPolicy"] = policy
        if draw(st.booleans()):
            eligible = sum(lines[i][0] * lines[i][1] for i in chosen)
            threshold = draw(st.integers(1, eligible + eligible // 4 + 1))
            discount = draw(st.integers(1, threshold))
            promotion.update(kind="threshold", threshold=to_text(threshold, DIGITS[currency]))
            promotion["discount"] = to_text(discount, DIGITS[currency])
            if draw(st.booleans()):
                promotion["repeat"] = True
                if draw(st.booleans()):
                    promotion["maxDiscount"] = to_text(
                        draw(st.integers(discount, 4 * discount)), DIGITS[currency]
                    )
        else:
            promotion.update(kind="percentage", percent=draw(st.sampled_from(PERCENTS)))
        funded_by = draw(st.sampled_from([None, "platform", "seller"]))
        if funded_by is not None:
            promotion["fundedBy"] = funded_by
        promotions.append(promotion)
    fee = draw(st.integers(0, 20 * scale))
    free_threshold = draw(st.none() | st.integers(1, list_total + scale))
    charged = draw(st.sampled_from([0, fee]))
    cuts = draw(st.lists(st.integers(1, 999), max_size=2))
    channel = draw(st.sampled_from(["B2C", "POP"]))
    order = snapshot(
        currency, lines, promotions, fee=fee, free_threshold=free_threshold, charged=charged, channel=channel
    )
    total = to_minor(order["payments"][0]["amount"], DIGITS[currency])
    return snapshot(
        currency,
        lines,
        promotions,
        fee=fee,
        free_threshold=free_threshold,
        charged=charged,
        payment_cuts=[total * c // 1000 for c in cuts],
        channel=channel,
    )


def fees(draw: st.DrawFn, scale: int) -> int:
    return draw(st.one_of(st.just(0), st.just(0), st.integers(0, 30 * scale)))


def reason_for(
    draw: st.DrawFn,
    order: dict[str, Any],
    lines: dict[str, int],
    kind: str | None = None,
    *,
    cancellation: bool = False,
) -> str:
    """A random reason; for a return, merchant fault only when a non-returnable line is in it
    (section 2); a cancellation's reasons are its own, and returnable does not restrict them."""
    if cancellation:
        kind = kind or draw(st.sampled_from(["merchant", "customer"]))
        return draw(
            st.sampled_from(
                CANCELLATION_MERCHANT_FAULT if kind == "merchant" else CANCELLATION_CUSTOMER_CHOICE
            )
        )
    returnable = {line["lineId"]: line.get("returnable", True) for line in order["lines"]}
    if kind is None:
        kind = (
            "merchant"
            if not all(returnable[k] for k in lines)
            else draw(st.sampled_from(["merchant", "customer"]))
        )
    return draw(st.sampled_from(MERCHANT_FAULT if kind == "merchant" else CUSTOMER_CHOICE))


def step_for(draw: st.DrawFn, order: dict[str, Any], lines: dict[str, int]) -> Step:
    """A return with random fees, or a cancellation (without fees: nothing went out or came back)."""
    if draw(st.integers(0, 2)) == 0:
        return Step(lines, reason_for(draw, order, lines, cancellation=True), 0, 0, "cancellation")
    scale = 10 ** DIGITS[order["currency"]]
    return Step(lines, reason_for(draw, order, lines), fees(draw, scale), fees(draw, scale))


@st.composite
def sequences(draw: st.DrawFn) -> tuple[dict[str, Any], list[Step], bool]:
    """An order, a sequence of 1-4 returns and cancellations of some or all of its units, and
    whether all go back."""
    order = draw(orders())
    count = draw(st.integers(1, 4))
    everything = draw(st.booleans())
    parts: list[dict[str, int]] = [{} for _ in range(count)]
    for line in order["lines"]:
        left = line["quantity"] if everything else draw(st.integers(0, line["quantity"]))
        for j in range(count):
            qty = left if j == count - 1 else draw(st.integers(0, left))
            if qty:
                parts[j][line["lineId"]] = qty
                left -= qty
    parts = [p for p in parts if p] or [{"L1": 1}]
    steps = [step_for(draw, order, p) for p in parts]
    return order, steps, everything


def run(req: dict[str, Any]) -> dict[str, Any]:
    return quote(QuoteRequest.model_validate(req)).to_json()


def step_request(order: dict[str, Any], done: list[tuple[Step, str]], step: Step, *, give_refunded: bool):
    """The request for ``step`` after the returns ``done`` (each with what it refunded)."""
    digits = DIGITS[order["currency"]]
    previous = []
    for earlier, refunded in done:
        entry: dict[str, Any] = {
            "lines": [{"lineId": k, "quantity": q} for k, q in earlier.lines.items()],
            "reason": earlier.reason,
        }
        if earlier.kind != "return" or give_refunded:  # "kind": "return" is the default
            entry["kind"] = earlier.kind
        if earlier.fee or earlier.deduction or give_refunded:  # missing fees mean zero
            entry["fees"] = to_text(earlier.fee + earlier.deduction, digits)
        if give_refunded:
            entry["refunded"] = refunded
        previous.append(entry)
    req = request(
        order,
        step.lines,
        step.reason,
        previous=previous,
        fee=to_text(step.fee, digits) if step.fee or give_refunded else None,
        deduction=to_text(step.deduction, digits) if step.deduction or give_refunded else None,
    )
    if step.kind != "return" or give_refunded:
        req["return"]["kind"] = step.kind
    return req


def check_quote(
    order: dict[str, Any], done: list[tuple[Step, str]], step: Step, result: dict[str, Any]
) -> int:
    """Every per-quote rule of sections 2-3; gives the refund in minor units."""
    digits = DIGITS[order["currency"]]
    pattern = amount_pattern(digits)

    def minor(text: str) -> int:
        # "Money is always a decimal string with exactly the currency's ISO 4217 minor-unit digits".
        assert pattern.match(text), f"{text!r} has not {digits} digits"
        return to_minor(text, digits)

    assert result["orderId"] == order["orderId"]
    assert result["currency"] == order["currency"]
    refund = minor(result["refundAmount"])
    # "no refund is negative"
    assert refund >= 0

    # "lines[].paidAmount is alloc of the returned units"; "a line's first return takes its first units".
    units, _ = allocate(order)
    index = {line["lineId"]: i for i, line in enumerate(order["lines"])}
    before = {k: sum(s.lines.get(k, 0) for s, _ in done) for k in index}
    got_lines = {ln["lineId"]: (ln["quantity"], minor(ln["paidAmount"])) for ln in result["lines"]}
    want_lines = {k: (q, sum(units[index[k]][before[k] : before[k] + q])) for k, q in step.lines.items()}
    assert got_lines == want_lines

    # Adjustments: signed, explained, never zero, of the contract's kinds.
    promotion_ids = {p["promotionId"] for p in order["promotions"]}
    by_kind: dict[str, int] = {}
    for adj in result["adjustments"]:
        amount = minor(adj["amount"])
        assert adj["kind"] in ADJUSTMENT_KINDS
        assert amount != 0, "zero-amount adjustments are left out"
        assert adj["description"].strip()
        if adj["kind"] == "promotion_clawback":
            assert adj["promotionId"] in promotion_ids
        else:
            assert adj["kind"] not in by_kind, f"two {adj['kind']} adjustments"
        by_kind[adj["kind"]] = by_kind.get(adj["kind"], 0) + amount
    assert by_kind.get("return_shipping_fee", 0) == -step.fee
    assert by_kind.get("inspection_deduction", 0) == -step.deduction
    assert by_kind.get("shortfall_carried", 1) > 0
    assert by_kind.get("prior_shortfall", -1) < 0
    assert by_kind.get("shipping_refund", 1) > 0
    if refund > 0:
        assert "shortfall_carried" not in by_kind

    # "refundAmount equals the sum of lines[].paidAmount and adjustments[].amount".
    assert refund == sum(p for _, p in got_lines.values()) + sum(by_kind.values())

    # "payments[] lists every payment of the order ... earlier refunds are taken to have filled the
    # payments in their listed order"; refunds go back "each up to what is left of it".
    refunded_before = sum(to_minor(r, digits) for _, r in done)
    want_payments = []
    to_place = refund
    for payment in order["payments"]:
        amount = to_minor(payment["amount"], digits)
        left = amount - min(amount, refunded_before)
        refunded_before -= amount - left
        share = min(left, to_place)
        to_place -= share
        want_payments.append((payment["paymentId"], share))
    assert [(p["paymentId"], minor(p["amount"])) for p in result["payments"]] == want_payments
    assert to_place == 0

    # Section 3: "On a POP order the quote also holds settlement ...; on a B2C order settlement is
    # null"; section 8: "platformShare = refundAmount - sellerDebit, both signed".
    settlement = result["settlement"]
    if order.get("channel") == "POP":
        assert settlement["sellerId"] == order["sellerId"]
        assert minor(settlement["sellerDebit"]) + minor(settlement["platformShare"]) == refund
    else:
        assert settlement is None
    return refund


def seller_debits(results: list[dict[str, Any]], digits: int) -> list[int]:
    return [to_minor(r["settlement"]["sellerDebit"], digits) for r in results]


def platform_shares(results: list[dict[str, Any]], digits: int) -> list[int]:
    return [to_minor(r["settlement"]["platformShare"], digits) for r in results]


def play(order: dict[str, Any], steps: list[Step], *, give_refunded: bool) -> list[dict[str, Any]]:
    """Quote every step in turn, each knowing the earlier ones; checks each quote on the way."""
    done: list[tuple[Step, str]] = []
    results = []
    for step in steps:
        result = run(step_request(order, done, step, give_refunded=give_refunded))
        check_quote(order, done, step, result)
        done.append((step, result["refundAmount"]))
        results.append(result)
    return results


@FAST
@given(sequences())
def test_sequences_of_returns_keep_every_invariant(case: tuple[dict[str, Any], list[Step], bool]) -> None:
    order, steps, everything = case
    digits = DIGITS[order["currency"]]
    paid = sum(to_minor(p["amount"], digits) for p in order["payments"])
    results = play(order, steps, give_refunded=True)
    refunds = [to_minor(r["refundAmount"], digits) for r in results]

    # "the refunds of an order never add up to more than it paid"
    for k in range(len(refunds)):
        assert sum(refunds[: k + 1]) <= paid

    # "refunded may be omitted (then the engine uses what it would itself have refunded)" and the
    # engine is deterministic: the same requests give the same quotes.
    assert play(order, steps, give_refunded=False) == results

    # "A merchant-fault return never costs the customer a promotion": a first return (or
    # cancellation) for merchant fault, without fees, refunds at least what its units were paid.
    first = steps[0]
    if merchant_fault(first.reason) and first.fee == first.deduction == 0:
        assert refunds[0] >= sum(to_minor(ln["paidAmount"], digits) for ln in results[0]["lines"])

    if not everything:
        return
    # "once every unit is back (and no fee was larger than what was left to refund), the refunds add
    # up to exactly what was paid, less the shipping it kept and the fees". A fee is no larger than
    # what was left when it is no larger than the same return's refund without fees.
    done: list[tuple[Step, str]] = []
    fees_fit = True
    for step, result in zip(steps, results, strict=True):
        if step.fee or step.deduction:
            free = Step(step.lines, step.reason, 0, 0, step.kind)
            without = run(step_request(order, done, free, give_refunded=True))
            fees_fit &= step.fee + step.deduction <= to_minor(without["refundAmount"], digits)
        done.append((step, result["refundAmount"]))
    # "When K is empty and no unit went back by a customer-choice *return* ... shipping.charged
    # is refunded": the final entitlement is what was paid less the shipping kept and the fees.
    by_choice = any(s.by_choice_return for s in steps)
    shipping_kept = to_minor(order["shipping"]["charged"], digits) if by_choice else 0
    final_entitlement = paid - shipping_kept - sum(s.fee + s.deduction for s in steps)
    if fees_fit:
        assert sum(refunds) == final_entitlement
    if order["channel"] == "POP":
        # Section 8: once every unit is back, the seller's debits add up to the final entitlement
        # plus the subsidy the whole order had (E before the first is 0, the subsidy after the last
        # is 0 with K empty) -- whatever the fees and shortfalls; when the refunds add up to that
        # entitlement too, the platform has taken back exactly its whole subsidy.
        whole_subsidy = Model(order).whole_subsidy
        assert sum(seller_debits(results, digits)) == final_entitlement + whole_subsidy
        if fees_fit:
            assert sum(platform_shares(results, digits)) == -whole_subsidy


@FAST
@given(sequences())
def test_each_refund_is_what_section_2_gives(case: tuple[dict[str, Any], list[Step], bool]) -> None:
    # An independent unit-by-unit reading of section 2 (tests/unit/refund_model.Model): each refund
    # is max(0, E - refundedSoFar), and the adjustments are the changes of E's parts:
    # promotion_clawback the change of (discount on K in the pricing cost(K) used - allocation to K)
    # per promotion, shipping_clawback / shipping_refund the change of those terms.
    order, steps, _ = case
    digits = DIGITS[order["currency"]]
    model = Model(order)
    results = play(order, steps, give_refunded=True)
    before = model.state([])
    refunded = 0
    for k, result in enumerate(results):
        after = model.state([s.back for s in steps[: k + 1]])
        refund = to_minor(result["refundAmount"], digits)
        assert refund == max(0, after.entitlement - refunded), f"return {k + 1}"
        refunded += refund
        adjustments: dict[tuple[str, str | None], int] = {}
        for adj in result["adjustments"]:
            adjustments[adj["kind"], adj.get("promotionId")] = to_minor(adj["amount"], digits)
        clawbacks = {p: a for (kind, p), a in adjustments.items() if kind == "promotion_clawback"}
        assert sum(clawbacks.values()) == sum(after.gap.values()) - sum(before.gap.values())
        if not (before.tie or after.tie):
            changes = {p: after.gap[p] - before.gap[p] for p in after.gap}
            assert clawbacks == {p: change for p, change in changes.items() if change}
        assert adjustments.get(("shipping_clawback", None), 0) == before.clawback - after.clawback
        assert adjustments.get(("shipping_refund", None), 0) == after.shipping_refund - before.shipping_refund
        # Section 8: sellerDebit = (E_after - E_before) + (subsidy_before - subsidy_after), with E
        # and the subsidy of the model's unit-by-unit pricing ("E before the first one is 0").
        if k == 0:
            assert before.entitlement == 0
        if model.pop:
            settlement = result["settlement"]
            assert to_minor(settlement["sellerDebit"], digits) == seller_debit(before, after), (
                f"return {k + 1}"
            )
            assert to_minor(settlement["platformShare"], digits) == refund - seller_debit(before, after)
        before = after


@FAST
@given(sequences(), st.data())
def test_refunds_count_from_what_earlier_returns_actually_refunded(
    case: tuple[dict[str, Any], list[Step], bool], data: st.DataObject
) -> None:
    # "This return's refund is max(0, E - refundedSoFar)" with refundedSoFar what the earlier
    # returns say they refunded, and "earlier refunds are taken to have filled the payments in their
    # listed order" -- whatever those amounts were (a refund may have been settled differently).
    order, steps, _ = case
    assume(len(steps) >= 2)
    digits = DIGITS[order["currency"]]
    model = Model(order)
    paid = model.paid
    done: list[tuple[Step, str]] = []
    for step in steps[:-1]:
        refunded = data.draw(st.integers(0, max(0, paid - sum(to_minor(r, digits) for _, r in done))))
        done.append((step, to_text(refunded, digits)))
    last = steps[-1]
    result = run(step_request(order, done, last, give_refunded=True))
    check_quote(order, done, last, result)
    after = model.state([s.back for s in steps])
    refunded_so_far = sum(to_minor(r, digits) for _, r in done)
    refund = to_minor(result["refundAmount"], digits)
    assert refund == max(0, after.entitlement - refunded_so_far)
    # Reading of section 8: the seller's part follows the entitlements alone, never what earlier
    # refunds actually were; a refund above or below E (prior_balance, prior_shortfall) is the
    # platform's.
    if model.pop:
        debit = seller_debit(model.state([s.back for s in steps[:-1]]), after)
        assert to_minor(result["settlement"]["sellerDebit"], digits) == debit
        assert to_minor(result["settlement"]["platformShare"], digits) == refund - debit


@st.composite
def splits(draw: st.DrawFn) -> tuple[dict[str, Any], list[Step], Step, Step, Step]:
    """Earlier returns, then the same units in one go or in two returns (or cancellations) with the
    same fees and kind of reason."""
    order, earlier, _ = draw(sequences())
    earlier = earlier[: draw(st.integers(0, 1))]
    scale = 10 ** DIGITS[order["currency"]]
    left = {
        line["lineId"]: line["quantity"] - sum(s.lines.get(line["lineId"], 0) for s in earlier)
        for line in order["lines"]
    }
    whole = {k: draw(st.integers(0, q)) for k, q in left.items()}
    whole = {k: q for k, q in whole.items() if q}
    if sum(whole.values()) < 2:
        earlier, whole = [], {line["lineId"]: line["quantity"] for line in order["lines"]}
    assume(sum(whole.values()) >= 2)
    first = {k: draw(st.integers(0, q)) for k, q in whole.items()}
    # Both parts must hold units: move one unit between them when one is empty.
    key = next(iter(whole))
    if sum(first.values()) == 0:
        first[key] = 1
    elif first == whole:
        first[key] -= 1
    first = {k: q for k, q in first.items() if q}
    second = {k: q - first.get(k, 0) for k, q in whole.items() if q - first.get(k, 0)}
    # The same kind (return or cancellation) and the same kind of reason for the three.
    cancellation = draw(st.booleans())
    returnable = {line["lineId"]: line.get("returnable", True) for line in order["lines"]}
    forced = not cancellation and not all(returnable[k] for k in whole)
    kind = "merchant" if forced else draw(st.sampled_from(["merchant", "customer"]))
    fee, deduction = (0, 0) if cancellation else (fees(draw, scale), fees(draw, scale))
    fee_1, deduction_1 = draw(st.integers(0, fee)), draw(st.integers(0, deduction))
    step_kind = "cancellation" if cancellation else "return"

    def step(lines: dict[str, int], fee: int, deduction: int) -> Step:
        reason = reason_for(draw, order, lines, kind, cancellation=cancellation)
        return Step(lines, reason, fee, deduction, step_kind)

    one_go = step(whole, fee, deduction)
    part_1 = step(first, fee_1, deduction_1)
    part_2 = step(second, fee - fee_1, deduction - deduction_1)
    return order, earlier, one_go, part_1, part_2


@FAST
@given(splits())
def test_one_go_or_split_gives_the_same_total_unless_a_shortfall_was_carried(
    case: tuple[dict[str, Any], list[Step], Step, Step, Step],
) -> None:
    # "the same units returned in one go or across several returns, with the same fees and the same
    # kind of reason, give the same total unless one of those returns carried a shortfall ... It is
    # bounded by the shortfall, which every quote shows (shortfall_carried)".
    order, earlier, one_go, part_1, part_2 = case
    assert part_1.lines and part_2.lines
    digits = DIGITS[order["currency"]]
    together = play(order, [*earlier, one_go], give_refunded=True)[-1]
    apart = play(order, [*earlier, part_1, part_2], give_refunded=True)[-2:]
    total_together = to_minor(together["refundAmount"], digits)
    total_apart = sum(to_minor(r["refundAmount"], digits) for r in apart)
    carried = sum(
        to_minor(a["amount"], digits)
        for r in apart
        for a in r["adjustments"]
        if a["kind"] == "shortfall_carried"
    )
    if carried == 0:
        assert total_apart == total_together
    else:
        assert 0 <= total_apart - total_together <= carried
    if order["channel"] == "POP":
        # Section 8, exactly: the seller's debits over the two equal its debit in one go, always --
        # they telescope to the change in E and in the subsidy between the same two states, and a
        # shortfall never reaches the seller. What a carried shortfall changes is the platform's
        # share alone: by exactly what the split refunds more (0 when nothing was carried).
        assert sum(seller_debits(apart, digits)) == seller_debits([together], digits)[0]
        more = sum(platform_shares(apart, digits)) - platform_shares([together], digits)[0]
        assert more == total_apart - total_together


@st.composite
def cancellations_of_everything(draw: st.DrawFn) -> tuple[dict[str, Any], list[Step]]:
    """An order and 1-4 cancellations (any cancellation reason) that take every unit between them,
    some of them perhaps merchant-fault returns instead (no fees: nothing is kept back)."""
    order = draw(orders())
    count = draw(st.integers(1, 4))
    parts: list[dict[str, int]] = [{} for _ in range(count)]
    for line in order["lines"]:
        left = line["quantity"]
        for j in range(count):
            qty = left if j == count - 1 else draw(st.integers(0, left))
            if qty:
                parts[j][line["lineId"]] = qty
                left -= qty
    with_faults = draw(st.booleans())
    steps = []
    for part in (p for p in parts if p):
        if with_faults and draw(st.booleans()):
            steps.append(Step(part, draw(st.sampled_from(MERCHANT_FAULT)), 0, 0))
        else:
            steps.append(Step(part, reason_for(draw, order, part, cancellation=True), 0, 0, "cancellation"))
    return order, steps


@FAST
@given(cancellations_of_everything())
def test_cancelling_everything_refunds_exactly_what_was_paid(case: tuple[dict[str, Any], list[Step]]) -> None:
    # Section 2: "When K is empty and no unit went back by a customer-choice *return* (every unit was
    # returned for a merchant fault or cancelled before delivery), shipping.charged is refunded" --
    # so cancelling everything refunds exactly what was paid, to each payment all of it.
    order, steps = case
    digits = DIGITS[order["currency"]]
    results = play(order, steps, give_refunded=True)
    paid = {p["paymentId"]: to_minor(p["amount"], digits) for p in order["payments"]}
    back = dict.fromkeys(paid, 0)
    for result in results:
        for share in result["payments"]:
            back[share["paymentId"]] += to_minor(share["amount"], digits)
    assert back == paid
    assert sum(to_minor(r["refundAmount"], digits) for r in results) == sum(paid.values())


@st.composite
def cancellations_and_returns_alike(draw: st.DrawFn) -> tuple[dict[str, Any], list[Step], Step, Step]:
    """Earlier returns and cancellations, then the same units cancelled, or returned for the same
    kind of reason with the same fees (customer choice: the same reason, on returnable lines)."""
    order, earlier, _ = draw(sequences())
    earlier = earlier[: draw(st.integers(0, 3))]
    left = {
        line["lineId"]: line["quantity"] - sum(s.lines.get(line["lineId"], 0) for s in earlier)
        for line in order["lines"]
    }
    merchant = draw(st.booleans())
    returnable = {line["lineId"]: line.get("returnable", True) for line in order["lines"]}
    # Often all that is left: the shipping rules differ only when nothing is kept.
    rest = draw(st.booleans())
    units = {k: q if rest else draw(st.integers(0, q)) for k, q in left.items() if merchant or returnable[k]}
    units = {k: q for k, q in units.items() if q}
    assume(units)
    cancel_reason = reason_for(draw, order, units, "merchant" if merchant else "customer", cancellation=True)
    return_reason = draw(st.sampled_from(MERCHANT_FAULT)) if merchant else cancel_reason
    scale = 10 ** DIGITS[order["currency"]]
    fee, deduction = fees(draw, scale), fees(draw, scale)
    cancelled = Step(units, cancel_reason, fee, deduction, "cancellation")
    return order, earlier, cancelled, Step(units, return_reason, fee, deduction)


@FAST
@given(cancellations_and_returns_alike())
def test_a_cancellation_never_refunds_more_than_the_same_return_plus_shipping(
    case: tuple[dict[str, Any], list[Step], Step, Step],
) -> None:
    # A cancellation is priced as a return of the same units (sections 2, 7); only the shipping rule
    # tells them apart (a customer-choice cancellation does not keep the shipping from coming back).
    order, earlier, cancelled, returned = case
    digits = DIGITS[order["currency"]]
    charged = to_minor(order["shipping"]["charged"], digits)
    by_cancelling = play(order, [*earlier, cancelled], give_refunded=True)[-1]
    by_returning = play(order, [*earlier, returned], give_refunded=True)[-1]
    refund_c = to_minor(by_cancelling["refundAmount"], digits)
    refund_r = to_minor(by_returning["refundAmount"], digits)
    assert refund_r <= refund_c <= refund_r + charged
    if not any(a["kind"] == "shipping_refund" for a in by_cancelling["adjustments"]):

        def amounts(result: dict[str, Any]) -> tuple[object, ...]:
            adjustments = sorted(
                (a["kind"], a["amount"], a.get("promotionId", "")) for a in result["adjustments"]
            )
            return result["lines"], adjustments, result["refundAmount"], result["payments"]

        assert amounts(by_cancelling) == amounts(by_returning)


@settings(max_examples=100, deadline=None)
@given(orders())
def test_allocations_add_up_to_what_was_paid_for_goods(order: dict[str, Any]) -> None:
    # "the allocated paid amounts of all units add up exactly to what was paid for goods": every
    # unit in one return (merchant fault, so non-returnable lines may go too).
    digits = DIGITS[order["currency"]]
    everything = {line["lineId"]: line["quantity"] for line in order["lines"]}
    result = run(request(order, everything, "wrong_item"))
    check_quote(order, [], Step(everything, "wrong_item", 0, 0), result)
    paid = sum(to_minor(p["amount"], digits) for p in order["payments"])
    goods = paid - to_minor(order["shipping"]["charged"], digits)
    assert sum(to_minor(ln["paidAmount"], digits) for ln in result["lines"]) == goods
    # Everything back for merchant fault: the shipping charged comes back too, so all that was paid.
    assert to_minor(result["refundAmount"], digits) == paid


def big_order(quantity: int) -> dict[str, Any]:
    """One line of ``quantity`` units at 1.00 (12.5% off, prorate) and a 99.99 line, 每满100减5 up to 300."""
    return {
        "orderId": "O-BIG",
        "customerId": "c",
        "version": 1,
        "currency": "CNY",
        "status": "DELIVERED",
        "lines": [
            {"lineId": "L1", "unitPrice": "1.00", "quantity": quantity},
            {"lineId": "L2", "unitPrice": "99.99", "quantity": 1},
        ],
        "promotions": [
            {
                "promotionId": "P-PCT",
                "kind": "percentage",
                "percent": "12.5",
                "lineIds": ["L1"],
                "refundPolicy": "prorate",
            },
            {
                "promotionId": "P-EVERY",
                "kind": "threshold",
                "threshold": "100.00",
                "discount": "5.00",
                "repeat": True,
                "maxDiscount": "300.00",
                "lineIds": ["L1", "L2"],
            },
        ],
        "shipping": {"fee": "0.00", "freeThreshold": None, "charged": "0.00"},
        "payments": [{"paymentId": "PAY-1", "amount": "874799.99"}],
    }


def test_a_million_units_on_one_line_answer_at_once_and_exactly() -> None:
    # 1,000,000 x 1.00 + 99.99. 12.5% of 1,000,000.00 = 125,000.00: 12.5 cents a unit, so the first
    # 500,000 units take 13 and the rest 12 (ties go to the earlier unit) -> 0.87 / 0.88.
    # 每满100减5 on 875,099.99 -> capped at 300.00 over units of 0.87, 0.88 and 99.99 (of 87,509,999
    # cents): L2 3.43 -> 3 + 1 (largest remainder), then the 29,996 cents left go to the first 29,996
    # units at 0.88 (remainder .030 beats .029). So unit 1 pays 0.87, the last unit 0.88, L2 99.95,
    # L1 in all 875,000.00 - 299.96 = 874,700.04; paid 874,799.99.
    started = time.perf_counter()
    one = run(request(big_order(1_000_000), {"L1": 1}, "no_longer_needed"))
    assert one["lines"] == [{"lineId": "L1", "quantity": 1, "paidAmount": "0.87"}]
    # All but the last unit: K = {last unit of L1, L2}: 1.00 - 0.12 (prorate) + 99.99 = 100.87 still
    # reaches 100.00 -> 5.00 off: price(K) = 95.87. E = 874,799.99 - 95.87 = 874,704.12.
    # Lines 874,700.04 - 0.88 = 874,699.16; 每满100减5 on K 5.00 against its allocation 0.04: +4.96.
    rest = run(request(big_order(1_000_000), {"L1": 999_999}, "no_longer_needed"))
    elapsed = time.perf_counter() - started
    assert rest["lines"] == [{"lineId": "L1", "quantity": 999_999, "paidAmount": "874699.16"}]
    assert [(a["kind"], a["amount"], a["promotionId"]) for a in rest["adjustments"]] == [
        ("promotion_clawback", "4.96", "P-EVERY")
    ]
    assert rest["refundAmount"] == "874704.12"
    # Cost grows with lines and promotions, not with units: a unit-by-unit engine takes seconds here.
    assert elapsed < 1.0, f"two quotes on a 1,000,000-unit line took {elapsed:.2f} s"
