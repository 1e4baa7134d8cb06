"""Races of cancellations: two cancellations for the last unit, a cancellation and a return for
the same unit (the order's reservation counters are shared: a unit is cancelled or returned once),
and an answer racing the time limit. Barriers make both racers read before either writes."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from returns_core.lifecycle.cancellation import Wait
from returns_service.cancellations import decisions
from returns_service.cancellations.steps.time_limit import time_limit
from returns_service.errors import Conflict, Unprocessable
from returns_service.store import orders as order_store
from tests.workflow.cancellation_flow import CancellationFlow
from tests.workflow.conftest import Flow
from tests.workflow.test_concurrency import both_read_first, race


def test_two_cancellations_for_the_last_unit_one_wins(
    cancellations: CancellationFlow, orders: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    order = cancellations.order(orders["O-PAID-7"])
    both_read_first(monkeypatch, order_store, "load", caller="_order_of")
    results = race(
        lambda: cancellations.create(order, {"L1": 1}),
        lambda: cancellations.create(order),  # every unit left: L1 and L2
    )
    won = [r for r in results if not isinstance(r, Exception)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Unprocessable) and "no longer left to cancel" in lost[0].message
    expected = {line.lineId: line.quantity for line in won[0].lines}
    assert {k: v for k, v in cancellations.reserved(order["orderId"]).items() if v} == expected
    cancellations.wait(won[0].cancellationId, "AWAITING_FULFILMENT")


def test_a_cancellation_and_a_return_for_the_same_unit_one_wins(
    cancellations: CancellationFlow, flow: Flow, orders: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The customer cancels while the parcel is on its way; the order system says it is delivered
    and the customer asks for a return: each checked the order as it was, both units are the same."""
    shipped = cancellations.order(orders["O-SHIP-5"])
    delivered = {**orders["O-SHIP-5"], "version": 4, "status": "DELIVERED"}
    delivered["deliveredAt"] = "2026-11-28T09:00:00Z"
    cancel_read = threading.Event()
    both_read = threading.Barrier(2, timeout=10)
    original = order_store.load

    def load(order_id: str) -> Any:
        found = original(order_id)
        if threading.current_thread().name in ("canceller", "returner"):
            if threading.current_thread().name == "canceller":
                cancel_read.set()
            both_read.wait()
        return found

    monkeypatch.setattr(order_store, "load", load)
    results: dict[str, Any] = {}

    def run(name: str, call: Any) -> threading.Thread:
        def target() -> None:
            try:
                results[name] = call()
            except Exception as error:
                results[name] = error

        thread = threading.Thread(target=target, name=name)
        thread.start()
        return thread

    canceller = run("canceller", lambda: cancellations.create(shipped))
    assert cancel_read.wait(10)
    present = flow.order(delivered)  # the order is delivered after the cancellation read it
    returner = run("returner", lambda: flow.create(present, {"L1": 1}, "no_longer_needed"))
    for thread in (canceller, returner):
        thread.join(30)
    won = [k for k, v in results.items() if not isinstance(v, Exception)]
    lost = [v for v in results.values() if isinstance(v, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert isinstance(lost[0], Unprocessable)
    assert cancellations.reserved(shipped["orderId"]) == {"L1": 1}


def test_an_answer_racing_the_time_limit_one_decides(
    cancellations: CancellationFlow, orders: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    order = cancellations.order(orders["O-PAID-7"])
    created = cancellations.create(order, {"L2": 1})
    cancellation_id = created.cancellationId
    cancellations.wait(cancellation_id, "AWAITING_FULFILMENT", parked=Wait.FULFILMENT)
    cancellations.signed(cancellation_id, Wait.FULFILMENT)
    both_read_first(monkeypatch, decisions, "load", caller="apply")
    answered, limited = race(
        lambda: cancellations.answer(cancellation_id, Wait.FULFILMENT, "stopped"),
        lambda: time_limit(cancellation_id, Wait.FULFILMENT),
    )
    assert not isinstance(limited, Exception), limited
    stored = cancellations.load(cancellation_id)
    if isinstance(answered, Exception):
        assert isinstance(answered, Conflict)
        assert stored.status == "FAILED" and limited["next"] == "Done"
        assert cancellations.reserved(order["orderId"]) == {"L2": 0}
    else:
        assert stored.status in ("REFUNDING", "COMPLETED") and limited["next"] in ("IssueRefund", "Done")
        cancellations.finished(cancellation_id, "COMPLETED")
        assert cancellations.reserved(order["orderId"]) == {"L2": 1}
    decided = [str(h.status) for h in stored.history]
    assert decided.count("FAILED") + decided.count("REFUNDING") == 1
