"""Races: two returns for the last unit, two refunds of one order at once, two CS decisions.

Barriers make both racers read before either writes, so each race really happens; the
harness (local/stack.py) makes moto apply each DynamoDB request atomically, as DynamoDB does.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from returns_service import receipt, review
from returns_service.errors import Conflict, Unprocessable
from returns_service.models import ReceivedLine, ReturnStatus
from returns_service.store import ledger, orders
from returns_service.store import returns as return_store
from returns_service.views import to_view
from tests.workflow.conftest import Flow
from tests.workflow.orders_for_tests import split_order_with_socks
from tests.workflow.test_refunds import engine_sequence, refund_through


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run ``calls`` in threads at once; each result, or the exception it raised."""
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            results[i] = call()
        except Exception as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def both_read_first(
    monkeypatch: pytest.MonkeyPatch, module: Any, name: str, caller: str | None = None
) -> None:
    """Make the first two calls of ``module.name`` (from ``caller``) wait for each other after
    they return: both racers have read before either goes on."""
    barrier = threading.Barrier(2, timeout=10)
    original = getattr(module, name)
    arrivals: list[int] = []

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if caller is None or sys._getframe(1).f_code.co_name == caller:
            arrivals.append(1)
            if len(arrivals) <= 2:
                barrier.wait()
        return result

    monkeypatch.setattr(module, name, wrapped)


def both_decide_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the first two saves of a return wait for each other before writing: both racers have
    loaded the return and decided on the same revision, so exactly one save can win."""
    barrier = threading.Barrier(2, timeout=10)
    original = return_store.save
    arrivals: list[int] = []

    def wrapped(change: Any) -> None:
        arrivals.append(1)
        if len(arrivals) <= 2:
            barrier.wait()
        original(change)

    monkeypatch.setattr(return_store, "save", wrapped)


@pytest.fixture
def seed(flow: Flow, orders: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return flow.order(orders["O-SEED-1"])


def test_the_last_unit_goes_to_exactly_one_return(
    flow: Flow, seed: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    both_read_first(monkeypatch, orders, "load", caller="_order_of")
    results = race(
        lambda: flow.create(seed, {"L1": 1}, "quality_issue"),
        lambda: flow.create(seed, {"L1": 1, "L2": 1}, "size_or_fit"),
    )
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Unprocessable)
    expected = {"L1": 1} if len(won[0].lines) == 1 else {"L1": 1, "L2": 1}
    assert {k: v for k, v in flow.reserved(seed["orderId"]).items() if v} == expected
    flow.wait(won[0].returnId, "PENDING_REVIEW")


def test_two_refunds_of_one_order_at_once_add_up_as_one_after_the_other(
    flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = flow.order(split_order_with_socks())
    socks = refund_through(flow, order, {"D": 1}, "quality_issue")  # the ledger is at version 1
    # After D, quoted alone, B and C would each refund 60.00 (120.00); one after the other, 60.00.
    ids = {}
    for line in ("B", "C"):
        created = flow.create(order, {line: 1}, "no_longer_needed")
        assert created.quote is not None and created.quote.refundAmount == "60.00"
        ids[line] = created.returnId
    for return_id in ids.values():
        flow.wait(return_id, "PENDING_REVIEW", parked="review")
        review.submit_review(
            return_id,
            "approve",
            return_shipping_paid_by="merchant",
            return_shipping_fee=None,
            note="",
            actor="cs",
        )
        flow.wait(return_id, "AWAITING_RECEIPT", parked="receipt")
    both_read_first(monkeypatch, ledger, "load", caller="_record")
    race(
        *[
            (
                lambda rid=rid, line=line: receipt.record_receipt(
                    rid, [ReceivedLine(lineId=line, quantity=1, condition="intact")], "i", ""
                )
            )
            for line, rid in ids.items()
        ]
    )
    for return_id in ids.values():
        flow.finished(return_id, "REFUNDED")
    book = ledger.load(order["orderId"])
    assert book.version == 3
    first, second, third = book.entries
    assert first.return_id == socks
    line_of = {rid: line for line, rid in ids.items()}
    plan = [({"D": 1}, "quality_issue")] + [
        ({line_of[e.return_id]: 1}, "no_longer_needed") for e in (second, third)
    ]
    amounts = [first.refunded, second.refunded, third.refunded]
    assert amounts == engine_sequence(order, plan) == ["10.00", "60.00", "0.00"]
    assert flow.payments.total_paid(order["orderId"]) == 7000
    later = to_view(flow.item(third.return_id))
    assert later.quote is not None
    assert {a.kind: a.amount for a in later.quote.adjustments}["shortfall_carried"] == "40.00"


def test_two_cs_decisions_at_once_one_counts(flow: Flow, seed: dict[str, Any], monkeypatch) -> None:
    created = flow.create(seed, {"L1": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    both_decide_first(monkeypatch)

    def decide(decision: str) -> Callable[[], Any]:
        return lambda: review.submit_review(
            created.returnId,
            decision,
            return_shipping_paid_by="merchant",
            return_shipping_fee=None,
            note="",
            actor=decision,
        )

    results = race(decide("approve"), decide("reject"))
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1 and isinstance(next(r for r in results if isinstance(r, Exception)), Conflict)
    final = ReturnStatus.REJECTED if winners[0].status == "REJECTED" else ReturnStatus.AWAITING_RECEIPT
    view = flow.wait(created.returnId, final)
    assert [h.status for h in view.history].count(final) == 1


def test_cancel_racing_the_receipt_one_wins(flow: Flow, seed: dict[str, Any], monkeypatch) -> None:
    created = flow.create(seed, {"L2": 1}, "quality_issue")
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    review.submit_review(
        created.returnId,
        "approve",
        return_shipping_paid_by="merchant",
        return_shipping_fee=None,
        note="",
        actor="cs",
    )
    flow.wait(created.returnId, "AWAITING_RECEIPT", parked="receipt")
    from returns_service import returns

    both_decide_first(monkeypatch)
    results = race(
        lambda: returns.cancel_return(created.returnId, seed["customerId"]),
        lambda: receipt.record_receipt(
            created.returnId, [ReceivedLine(lineId="L2", quantity=1, condition="intact")], "i", ""
        ),
    )
    winners = [r for r in results if not isinstance(r, Exception)]
    assert len(winners) == 1, results
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))
    if winners[0].status == "CANCELLED":
        flow.finished(created.returnId, "CANCELLED")
        assert flow.reserved(seed["orderId"]) == {"L2": 0}
    else:
        flow.finished(created.returnId, "REFUNDED")
        assert flow.reserved(seed["orderId"]) == {"L2": 1}
