"""Events are never lost: a change and its events are stored together, and the table's stream
publishes them afterwards, again and again until the bus takes them, with the same eventId."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from moto.events.models import EventsBackend

from local.stack import Stack
from returns_core.lifecycle.cancellation import Wait
from returns_service import returns, review
from tests.workflow.cancellation_flow import CancellationFlow
from tests.workflow.conftest import Flow
from tests.workflow.helpers import approve, receive

REFUSALS = 3  # every event is refused this many times before the bus takes it


class FlakyBus:
    """EventBridge refusing each of the service's events the first REFUSALS times it is put
    (an entry with ErrorCode, as EventBridge answers a failed entry)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.refused: Counter[str] = Counter()
        self.refused_entries: dict[str, dict[str, Any]] = {}

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = EventsBackend.put_events

        def put_events(backend: Any, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
            answers: list[dict[str, Any] | None] = []
            passing = []
            for entry in entries:
                detail = json.loads(entry["Detail"])
                event_id = str(detail.get("eventId", "")) if entry.get("Source") == "shop.returns" else ""
                with self.lock:
                    refuse = bool(event_id) and self.refused[event_id] < REFUSALS
                    if refuse:
                        self.refused[event_id] += 1
                        self.refused_entries[event_id] = {"DetailType": entry["DetailType"], "Detail": detail}
                if refuse:
                    answers.append({"ErrorCode": "InternalFailure", "ErrorMessage": "the bus is down"})
                else:
                    answers.append(None)
                    passing.append(entry)
            taken = iter(original(backend, passing) if passing else [])
            return [answer if answer is not None else next(taken) for answer in answers]

        monkeypatch.setattr(EventsBackend, "put_events", put_events)

    def check_every_event_arrived(
        self, stack: Stack, events_of: Callable[[str], list[dict[str, Any]]], expected: dict[str, list[str]]
    ) -> None:
        """Once the bus takes them: every event of ``expected`` (aggregate id -> the kinds of its
        events in order) was refused REFUSALS times, then arrived with the id and content it was
        stored with, in order; nothing arrived unrefused."""

        def arrived() -> dict[str, list[dict[str, Any]]]:  # by eventId: a redelivery is there twice
            by_id: dict[str, list[dict[str, Any]]] = {}
            for event in stack.events_of(source="shop.returns"):
                by_id.setdefault(event["Detail"]["eventId"], []).append(event)
            return by_id

        def kinds_arrived(aggregate_id: str) -> list[str]:
            return list(dict.fromkeys(e["DetailType"] for e in events_of(aggregate_id)))

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if set(self.refused) <= set(arrived()) and all(
                kinds_arrived(aggregate_id) == kinds for aggregate_id, kinds in expected.items()
            ):
                break
            time.sleep(0.1)
        taken = arrived()
        assert set(self.refused) and all(count == REFUSALS for count in self.refused.values()), self.refused
        assert set(self.refused) == set(taken), "an event arrived without being refused first, or never"
        for event_id, refused in self.refused_entries.items():
            for delivered in taken[event_id]:
                assert delivered["DetailType"] == refused["DetailType"]
                assert delivered["Detail"] == refused["Detail"]  # same eventId, occurredAt and content
        for aggregate_id, kinds in expected.items():
            first_arrivals = list(dict.fromkeys(e["Detail"]["eventId"] for e in events_of(aggregate_id)))
            assert [taken[i][0]["DetailType"] for i in first_arrivals] == kinds, aggregate_id
        kinds_refused = {entry["DetailType"] for entry in self.refused_entries.values()}
        assert kinds_refused == {kind for kinds in expected.values() for kind in kinds}


def test_every_event_arrives_once_publishing_works_again(
    flow: Flow, orders: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    bus = FlakyBus()
    bus.install(monkeypatch)
    seed = flow.order(orders["O-SEED-1"])
    mix = flow.order(orders["O-MIX-2"])
    # Every kind of event the service emits: a refunded return, a rejected one, a proposed fee.
    refunded = flow.create(seed, {"L1": 1}, "quality_issue").returnId
    rejected = flow.create(mix, {"L1": 1}, "quality_issue").returnId
    proposed = flow.create(mix, {"L2": 1}, "quality_issue").returnId
    flow.wait(refunded, "PENDING_REVIEW", parked="review")
    approve(refunded)
    flow.wait(rejected, "PENDING_REVIEW", parked="review")
    review.submit_review(
        rejected, "reject", return_shipping_paid_by="merchant", return_shipping_fee=None, note="", actor="a"
    )
    flow.wait(proposed, "PENDING_REVIEW", parked="review")
    approve(proposed, fee="6.00")
    flow.wait(proposed, "AWAITING_CUSTOMER", parked="fee_answer")
    returns.answer_proposal(proposed, mix["customerId"], "decline", "too dear")
    flow.wait(refunded, "AWAITING_RECEIPT", parked="receipt")
    flow.callback(refunded, timeout=60)  # the receiver's URL is in an event: it arrives late
    receive(flow, refunded, ("L1", 1, "intact"))
    assert flow.execution(refunded, timeout=60)["status"] == "SUCCEEDED"

    # The returns went their way whatever the bus did: publishing is not part of the change.
    assert flow.item(refunded).status == "REFUNDED"
    assert [h.status for h in flow.item(refunded).history] == [
        "REQUESTED",
        "PENDING_REVIEW",
        "AWAITING_RECEIPT",
        "REFUNDING",
        "REFUNDED",
    ]
    assert flow.item(rejected).status == "REJECTED"
    flow.wait(proposed, "PENDING_REVIEW", parked="review")  # declined: back to CS
    assert flow.reserved(seed["orderId"]) == {"L1": 1}
    assert flow.reserved(mix["orderId"])["L1"] == 0  # released with the rejection

    # Every event was refused several times, then arrived with the id and content it was stored with.
    expected = {
        refunded: [
            "Return Requested",
            "Return Approved",
            "Return Awaiting Receipt",
            "Return Received",
            "Refund Issued",
            "Return Closed",
        ],
        rejected: ["Return Requested", "Return Rejected", "Return Closed"],
        proposed: ["Return Requested", "Return Proposal Made", "Return Proposal Answered"],
    }

    bus.check_every_event_arrived(flow.stack, flow.events, expected)


def test_every_cancellation_event_arrives_once_publishing_works_again(
    cancellations: CancellationFlow, orders: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for cancellations (contract section 7): one stopped by fulfilment and refunded, one
    the delivery could not intercept (FAILED): every kind of cancellation event, each refused
    REFUSALS times, arrives with the id and content it was stored with, and the cancellations end
    as they would with a working bus."""
    bus = FlakyBus()
    bus.install(monkeypatch)
    paid = cancellations.order(orders["O-PAID-7"])
    shipped = cancellations.order(orders["O-SHIP-5"])
    stopped = cancellations.create(paid, {"L1": 1, "L2": 1}).cancellationId
    delivered = cancellations.create(shipped).cancellationId
    cancellations.wait(stopped, "AWAITING_FULFILMENT", parked=Wait.FULFILMENT)
    cancellations.answer(stopped, Wait.FULFILMENT, "stopped")  # its URL arrives late: signed() waits
    cancellations.wait(delivered, "AWAITING_INTERCEPTION", parked=Wait.INTERCEPTION)
    cancellations.answer(delivered, Wait.INTERCEPTION, "delivered")
    assert cancellations.finished(stopped, "COMPLETED").refund is not None
    assert cancellations.finished(delivered, "FAILED").refund is None

    expected = {
        stopped: ["Cancellation Requested", "Refund Issued", "Cancellation Completed"],
        delivered: ["Interception Requested", "Cancellation Failed"],
    }
    bus.check_every_event_arrived(cancellations.stack, cancellations.events, expected)
