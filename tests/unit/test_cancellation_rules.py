"""Contract section 7 as pure rules: what a request may cancel, where each cancellation goes, who
may move it, what each move announces and which moves give the units back."""

from __future__ import annotations

from typing import Any

import pytest

from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import (
    CancellationAction as A,
)
from returns_core.lifecycle.cancellation import (
    CancellationStatus as S,
)
from returns_core.lifecycle.cancellation import (
    Invalid,
    NotAllowed,
    NotPermitted,
    OrderLine,
    OrderTerms,
    Role,
    Step,
    Wait,
)
from returns_core.refunds.models import PaymentShare, ReturnLine

AT = "2026-11-28T10:00:00.000Z"
LATER = "2026-11-28T10:05:00.000Z"
ORDERED = (OrderLine("L1", 2), OrderLine("L2", 1), OrderLine("L3", 3))
GOODS = [
    rules.GoodsLine(lineId="L1", sku="SKU-1", brand="Soundy", category="audio", packageId="PKG-1"),
    rules.GoodsLine(lineId="L2", sku="SKU-2", brand="Soundy", category="cables", packageId="PKG-2"),
    rules.GoodsLine(lineId="L3", sku="SKU-3", brand="Lumo", category="home", packageId="PKG-2"),
]


def terms(status: str = "PAID", fulfilled_by: str = "platform", channel: str = "B2C") -> OrderTerms:
    return OrderTerms.model_validate(
        {
            "status": status,
            "fulfilledBy": fulfilled_by,
            "channel": channel,
            "sellerId": "S-1" if channel == "POP" else "",
            "lines": GOODS,
        }
    )


def lines(**quantities: int) -> list[ReturnLine]:
    return [ReturnLine(lineId=k, quantity=v) for k, v in quantities.items()]


def plan(
    status: str = "PAID",
    fulfilled_by: str = "platform",
    left: dict[str, int] | None = None,
    asked: list[ReturnLine] | None = None,
    reason: str = "no_longer_needed",
    by: Any = "customer",
) -> rules.Plan:
    available = {"L1": 2, "L2": 1, "L3": 3} if left is None else left
    return rules.plan_request("O-1", terms(status, fulfilled_by), ORDERED, available, asked, reason, by)


def requested(status: str = "PAID", fulfilled_by: str = "platform", **quantities: int) -> rules.Cancellation:
    chosen = plan(status, fulfilled_by, asked=lines(**quantities) if quantities else None)
    change = rules.request(
        "C-1",
        order_id="O-1",
        customer_id="cust-1",
        currency="CNY",
        terms=terms(status, fulfilled_by),
        plan=chosen,
        reason="no_longer_needed",
        reason_detail="changed my mind",
        by="customer",
        actor="cust-1",
        quote=None,
        at=AT,
    )
    assert change.before is None and change.events == () and not change.released
    return change.after


def begun(status: str = "PAID", fulfilled_by: str = "platform", **quantities: int) -> rules.Cancellation:
    return rules.begin(requested(status, fulfilled_by, **quantities), AT).after


def waiting(c: rules.Cancellation, wait: Wait = Wait.FULFILMENT) -> rules.Cancellation:
    return rules.wait(
        c, wait, "token-1", "https://x/cb?expires=1&signature=s", "2026-12-13T10:00:00Z", AT
    ).after


# -- the request -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "fulfilled_by", "why"),
    [
        ("DELIVERED", "platform", "return the goods instead"),
        ("CANCELLED", "platform", "nothing is left to cancel"),
        ("SHIPPED", "seller", "third-party carrier"),
    ],
)
def test_orders_that_cannot_be_cancelled_are_a_conflict(status: str, fulfilled_by: str, why: str) -> None:
    with pytest.raises(NotAllowed) as refused:
        plan(status, fulfilled_by)
    assert type(refused.value) is NotAllowed and why in refused.value.message


@pytest.mark.parametrize("status", ["PLACED", "PAID", "SHIPPED"])
def test_lines_left_out_mean_every_unit_left(status: str) -> None:
    assert plan(status, left={"L1": 1, "L2": 0, "L3": 3}).lines == (("L1", 1), ("L3", 3))


def test_nothing_left_is_a_conflict() -> None:
    with pytest.raises(NotAllowed, match="nothing is left to cancel"):
        plan(left={"L1": 0, "L2": 0, "L3": 0})


def test_named_lines_come_back_in_the_order_of_the_order() -> None:
    assert plan(asked=lines(L3=2, L1=1)).lines == (("L1", 1), ("L3", 2))


def test_lines_that_do_not_fit_are_unprocessable_one_detail_each() -> None:
    asked = [*lines(L1=3, L9=1), ReturnLine(lineId="L2", quantity=1), ReturnLine(lineId="L2", quantity=1)]
    with pytest.raises(Invalid) as refused:
        plan(left={"L1": 2, "L2": 1, "L3": 3}, asked=asked)
    problems = {(d["lineId"], d["problem"]) for d in refused.value.details}
    assert problems == {
        ("L1", "3 asked, 2 left to cancel"),
        ("L9", "not a line of this order"),
        ("L2", "named more than once"),
    }


@pytest.mark.parametrize(
    ("reason", "by", "ok"),
    [
        ("no_longer_needed", "customer", True),
        ("other", "customer", True),
        ("out_of_stock", "customer", False),  # merchant fault: CS only
        ("quality_issue", "customer", False),  # a return reason
        ("out_of_stock", "cs", True),
        ("no_longer_needed", "cs", False),
    ],
)
def test_who_may_give_which_reason(reason: str, by: str, ok: bool) -> None:
    if ok:
        assert plan(reason=reason, by=by).lines
    else:
        with pytest.raises(Invalid, match="is not a cancellation reason"):
            plan(reason=reason, by=by)


def test_the_status_is_checked_before_the_lines_and_the_reason() -> None:
    with pytest.raises(NotAllowed) as refused:
        plan("DELIVERED", asked=lines(L9=1), reason="quality_issue")
    assert type(refused.value) is NotAllowed


# -- the first step ----------------------------------------------------------------------------


def test_an_unpaid_order_completes_at_once_with_nothing_to_refund() -> None:
    change = rules.begin(requested("PLACED", L1=1), AT)
    assert change.after.status == S.COMPLETED and change.after.refund is None
    assert not change.released, "cancelled units stay taken"
    [completed] = change.events
    assert completed.detail_type == "Cancellation Completed"
    assert completed.detail["refund"] is None and completed.detail["units"] == 1
    assert completed.detail["lines"] == [
        {"lineId": "L1", "quantity": 1, "sku": "SKU-1", "title": "", "brand": "Soundy", "category": "audio"}
    ]
    assert completed.detail["eventId"] == "C-1.2.0" and completed.detail["occurredAt"] == AT
    assert rules.step_for(change.after.status) == Step.DONE


@pytest.mark.parametrize(
    ("status", "expected", "step"),
    [
        ("PAID", S.AWAITING_FULFILMENT, Step.AWAIT_FULFILMENT),
        ("SHIPPED", S.AWAITING_INTERCEPTION, Step.AWAIT_INTERCEPTION),
    ],
)
def test_a_paid_order_asks_fulfilment_or_delivery(status: str, expected: S, step: Step) -> None:
    change = rules.begin(requested(status), AT)
    assert change.after.status == expected and change.events == ()
    assert rules.step_for(expected) == step
    assert change.after.history[-1].actor == "system"


def test_waiting_hands_out_the_signed_url_and_keeps_the_token() -> None:
    c = begun("SHIPPED", L1=1, L3=2)
    change = rules.wait(c, Wait.INTERCEPTION, "tok", "https://x/cb", "2026-12-13T10:00:00Z", AT)
    assert change.after.task is not None and change.after.task.token == "tok"
    assert change.after.history == c.history, "parking a token is not a step of the story"
    [asked] = change.events
    assert asked.detail_type == "Interception Requested"
    assert asked.detail["callbackUrl"] == "https://x/cb" and asked.detail["packageIds"] == ["PKG-1", "PKG-2"]
    assert asked.detail["lines"] == [{"lineId": "L1", "quantity": 1}, {"lineId": "L3", "quantity": 2}]
    paid = rules.wait(begun("PAID"), Wait.FULFILMENT, "tok", "https://x/cb", "2026-12-13T10:00:00Z", AT)
    assert paid.events[0].detail_type == "Cancellation Requested"
    with pytest.raises(NotAllowed):
        rules.wait(c, Wait.FULFILMENT, "tok", "u", "e", AT)


# -- the answers -------------------------------------------------------------------------------


def test_stopped_goes_to_the_refund_and_uses_the_token() -> None:
    change = rules.answer_fulfilment(waiting(begun()), "stopped", "picked back", LATER)
    assert change.after.status == S.REFUNDING and change.after.task is None
    assert change.after.history[-1].actor == "fulfilment" and "picked back" in change.after.history[-1].note
    assert change.events == () and not change.released


def test_shipped_by_the_platform_asks_delivery_to_intercept() -> None:
    change = rules.answer_fulfilment(waiting(begun()), "shipped", "", LATER)
    assert change.after.status == S.AWAITING_INTERCEPTION and change.after.task is None
    assert rules.step_for(change.after.status) == Step.AWAIT_INTERCEPTION


def test_shipped_by_the_seller_fails_and_gives_the_units_back() -> None:
    change = rules.answer_fulfilment(waiting(begun("PAID", "seller", L1=2)), "shipped", "", LATER)
    assert change.after.status == S.FAILED and change.released == {"L1": 2}
    assert change.after.reservation.state == "released"
    assert change.after.failure is not None and change.after.failure.action == A.SHIPPED_BY_SELLER
    [failed] = change.events
    assert failed.detail_type == "Cancellation Failed" and "return the goods" in failed.detail["why"]


def test_intercepted_refunds_and_delivered_fails_telling_the_customer_to_return() -> None:
    c = waiting(begun("SHIPPED", L3=1), Wait.INTERCEPTION)
    assert rules.answer_interception(c, "intercepted", "", LATER).after.status == S.REFUNDING
    delivered = rules.answer_interception(c, "delivered", "left at the door", LATER)
    assert delivered.after.status == S.FAILED and delivered.released == {"L3": 1}
    assert "return the goods instead" in delivered.after.history[-1].note
    assert "left at the door" in delivered.after.history[-1].note
    assert delivered.events[0].detail["failure"] == "delivered"


def test_a_second_answer_or_an_answer_to_the_wrong_question_is_a_conflict() -> None:
    stopped = rules.answer_fulfilment(waiting(begun()), "stopped", "", LATER).after
    with pytest.raises(NotAllowed) as second:
        rules.answer_fulfilment(stopped, "shipped", "", LATER)
    assert type(second.value) is NotAllowed
    with pytest.raises(NotAllowed):
        rules.answer_interception(waiting(begun()), "intercepted", "", LATER)


def test_an_outcome_the_callback_does_not_know_is_unprocessable() -> None:
    with pytest.raises(Invalid):
        rules.answer_fulfilment(waiting(begun()), "delivered", "", LATER)
    with pytest.raises(Invalid):
        rules.answer_interception(waiting(begun("SHIPPED"), Wait.INTERCEPTION), "stopped", "", LATER)


@pytest.mark.parametrize(
    ("status", "wait", "who"),
    [("PAID", Wait.FULFILMENT, "fulfilment"), ("SHIPPED", Wait.INTERCEPTION, "delivery")],
)
def test_time_limits_fail_with_why_and_give_the_units_back(status: str, wait: Wait, who: str) -> None:
    c = waiting(begun(status, L1=1), wait)
    change = rules.time_limit_passed(c, wait, 600, LATER)
    assert change.after.status == S.FAILED and change.released == {"L1": 1}
    assert change.after.history[-1].note == f"{who} did not answer within 600s"
    assert change.after.task is None
    with pytest.raises(NotAllowed):  # answered meanwhile: the limit changes nothing
        rules.time_limit_passed(
            rules.answer_fulfilment(waiting(begun()), "stopped", "", AT).after, wait, 1, LATER
        )


def test_a_cancellation_that_could_not_start_fails_and_gives_back() -> None:
    change = rules.fail_to_start(requested(L2=1), AT)
    assert change.after.status == S.FAILED and change.released == {"L2": 1}


# -- the refund --------------------------------------------------------------------------------


def refunding() -> rules.Cancellation:
    return rules.answer_fulfilment(waiting(begun(L1=1)), "stopped", "", AT).after


PENDING = rules.PendingRefund(
    refundId="RF-C-1", refundAmount="50.00", payments=[PaymentShare(paymentId="PAY-1", amount="50.00")]
)


def test_paid_completes_with_refund_issued_then_cancellation_completed() -> None:
    from returns_core.refunds.models import Quote

    quote = Quote(orderId="O-1", currency="CNY", lines=[], adjustments=[], refundAmount="50.00", payments=[])
    recorded = rules.record_refund(refunding(), PENDING, quote, AT)
    assert recorded.after.status == S.REFUNDING and recorded.after.history == refunding().history
    change = rules.mark_refunded(recorded.after, LATER)
    assert change.after.status == S.COMPLETED and change.after.pendingRefund is None
    assert change.after.refund is not None and change.after.refund.paidAt == LATER
    assert [e.detail_type for e in change.events] == ["Refund Issued", "Cancellation Completed"]
    issued, completed = change.events
    assert issued.detail["refundAmount"] == "50.00" and issued.detail["cancellationId"] == "C-1"
    assert completed.detail["refund"]["refundId"] == "RF-C-1"
    assert {issued.event_id, completed.event_id} == {
        f"C-1.{change.after.revision}.0",
        f"C-1.{change.after.revision}.1",
    }
    assert not change.released and issued.detail["settlement"] is None  # a B2C order
    with pytest.raises(NotAllowed):
        rules.mark_refunded(refunding(), LATER)  # nothing recorded to mark


def test_a_pop_refund_issued_carries_the_sellers_and_the_platforms_parts() -> None:
    from returns_core.refunds.models import Quote, Settlement

    split = Settlement(sellerId="S-1", sellerDebit="60.00", platformShare="-10.00")
    quote = Quote(
        orderId="O-1",
        currency="CNY",
        lines=[],
        adjustments=[],
        refundAmount="50.00",
        payments=[],
        settlement=split,
    )
    recorded = rules.record_refund(refunding(), PENDING, quote, AT).after
    issued = rules.mark_refunded(recorded, LATER).events[0]
    assert issued.detail["settlement"] == {
        "sellerId": "S-1",
        "sellerDebit": "60.00",
        "platformShare": "-10.00",
    }


def test_a_failed_refund_waits_for_cs_and_only_cs_retries_it() -> None:
    failed = rules.fail_refund(refunding(), "PaymentDeclined: card closed", "tok-9", LATER).after
    assert failed.status == S.REFUND_FAILED and failed.task is not None and failed.task.token == "tok-9"
    assert rules.step_for(failed.status) == Step.AWAIT_REFUND_RETRY
    retried = rules.retry_refund(failed, "cs:mei", LATER).after
    assert retried.status == S.REFUNDING and retried.task is None and retried.history[-1].actor == "cs:mei"
    with pytest.raises(NotAllowed):
        rules.retry_refund(retried, "cs:mei", LATER)
    with pytest.raises(NotPermitted):
        rules.CANCELLATIONS.target(S.REFUND_FAILED, A.RETRY_REFUND, Role.CUSTOMER)


# -- the table ---------------------------------------------------------------------------------


def test_the_table_moves_as_section_7_says() -> None:
    assert rules.CANCELLATIONS.moves() == {
        (S.REQUESTED, S.COMPLETED),
        (S.REQUESTED, S.AWAITING_FULFILMENT),
        (S.REQUESTED, S.AWAITING_INTERCEPTION),
        (S.REQUESTED, S.FAILED),
        (S.AWAITING_FULFILMENT, S.REFUNDING),
        (S.AWAITING_FULFILMENT, S.AWAITING_INTERCEPTION),
        (S.AWAITING_FULFILMENT, S.FAILED),
        (S.AWAITING_INTERCEPTION, S.REFUNDING),
        (S.AWAITING_INTERCEPTION, S.FAILED),
        (S.REFUNDING, S.COMPLETED),
        (S.REFUNDING, S.REFUND_FAILED),
        (S.REFUND_FAILED, S.REFUNDING),
    }
    for status in S:
        assert rules.step_for(status) is not None
    for t in rules.CANCELLATIONS:
        assert t.source not in rules.FINAL


def test_the_outside_systems_may_only_answer_their_own_question() -> None:
    with pytest.raises(NotPermitted):
        rules.CANCELLATIONS.target(S.AWAITING_FULFILMENT, A.STOPPED, Role.DELIVERY)
    with pytest.raises(NotPermitted):
        rules.CANCELLATIONS.target(S.AWAITING_INTERCEPTION, A.DELIVERED, Role.CUSTOMER)


def test_every_revision_is_one_more_and_event_ids_name_it() -> None:
    c = requested(L1=1)
    revisions = [c.revision]
    c = rules.begin(c, AT).after
    revisions.append(c.revision)
    c = waiting(c)
    revisions.append(c.revision)
    change = rules.answer_fulfilment(c, "shipped", "", AT)
    revisions.append(change.after.revision)
    assert revisions == [1, 2, 3, 4]


def test_the_readme_draws_exactly_the_cancellation_table() -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Cancelling before delivery") :]
    block = re.search(r"```mermaid\nstateDiagram-v2\n(.*?)```", section, re.S)
    assert block, "the cancellation section has no mermaid state diagram"
    drawn = set(re.findall(r"^\s*(\[\*\]|[A-Z_]+) --> (\[\*\]|[A-Z_]+)", block.group(1), re.M))
    expected = {(str(a), str(b)) for a, b in rules.CANCELLATIONS.moves()}
    expected.add(("[*]", str(rules.CANCELLATIONS.initial)))
    expected |= {(str(status), "[*]") for status in rules.FINAL}
    assert drawn == expected


def test_a_cancellation_keeps_the_facts_of_its_own_lines_only() -> None:
    c = requested("SHIPPED", L3=1)
    assert [line.lineId for line in c.order.lines] == ["L3"]
    asked = rules.wait(rules.begin(c, AT).after, Wait.INTERCEPTION, "tok", "u", "e", AT).events[0]
    assert asked.detail["packageIds"] == ["PKG-2"]
