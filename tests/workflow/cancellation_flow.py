"""Helpers of the cancellation workflow tests: orders as the order system would send them, requests
through the operations, fulfilment's and delivery's answers through their signed URLs, and waits
on the real state machine that moto runs in a background thread."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlparse

from local.orders import moved_to_present, publish_order
from local.payments import FakePaymentProvider
from local.stack import Stack
from returns_core.lifecycle.cancellation import Cancellation, Wait
from returns_core.refunds.models import ReturnLine
from returns_service.cancellations import callbacks, requests
from returns_service.cancellations.views import CancellationView
from returns_service.store import cancellations as store
from returns_service.store import orders as order_store

ASKED_BY = {Wait.FULFILMENT: "Cancellation Requested", Wait.INTERCEPTION: "Interception Requested"}


class CancellationFlow:
    """One test's view of the deployed stack for cancellations."""

    def __init__(self, stack: Stack, payments: FakePaymentProvider) -> None:
        self.stack = stack
        self.payments = payments

    def order(self, snapshot: dict[str, Any], **changes: Any) -> dict[str, Any]:
        """Put ``snapshot`` (moved to the present, with ``changes``) on the bus as the order system does."""
        moved = moved_to_present(snapshot)
        moved.update(changes)
        publish_order(self.stack, moved)
        return moved

    def create(
        self,
        order: dict[str, Any],
        lines: dict[str, int] | None = None,
        reason: str = "no_longer_needed",
        *,
        by: str = "customer",
    ) -> CancellationView:
        asked = None if lines is None else [ReturnLine(lineId=k, quantity=v) for k, v in lines.items()]
        if by == "cs":
            return requests.create(None, order["orderId"], asked, reason, "", by="cs", actor="cs:mei")
        customer = order["customerId"]
        return requests.create(
            customer, order["orderId"], asked, reason, "test", by="customer", actor=customer
        )

    def load(self, cancellation_id: str) -> Cancellation:
        found = store.load(cancellation_id)
        assert found is not None
        return found

    def wait(
        self, cancellation_id: str, status: str, *, parked: Wait | None = None, timeout: float = 15
    ) -> Cancellation:
        """Until the cancellation is in ``status`` (and, if given, its token for ``parked`` is kept)."""
        deadline = time.monotonic() + timeout
        found = self.load(cancellation_id)
        while time.monotonic() < deadline:
            found = self.load(cancellation_id)
            waiting = found.task.waitingFor if found.task else None
            if found.status == status and (parked is None or waiting == parked):
                return found
            time.sleep(0.04)
        raise AssertionError(f"{cancellation_id}: still {found.status} (task {found.task}), not {status}")

    def execution(self, cancellation_id: str, timeout: float = 15) -> dict[str, Any]:
        arn = self.stack.state_machines["CancellationsStateMachine"]
        execution = arn.replace(":stateMachine:", ":execution:") + ":" + cancellation_id
        return dict(self.stack.wait_execution(execution, timeout=timeout))

    def finished(self, cancellation_id: str, status: str) -> Cancellation:
        """The cancellation ended in ``status`` and its execution SUCCEEDED."""
        found = self.wait(cancellation_id, status)
        execution = self.execution(cancellation_id)
        assert execution["status"] == "SUCCEEDED", execution
        return found

    def events(self, cancellation_id: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.stack.events
            if e.get("Source") == "shop.returns" and e["Detail"].get("cancellationId") == cancellation_id
        ]

    def event_types(self, cancellation_id: str) -> list[str]:
        return [e["DetailType"] for e in self.events(cancellation_id)]

    def signed(self, cancellation_id: str, waiting: Wait, timeout: float = 10) -> dict[str, Any]:
        """The last event that asked fulfilment / delivery about this cancellation, once published."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            asked = [e for e in self.events(cancellation_id) if e["DetailType"] == ASKED_BY[waiting]]
            if asked:
                detail: dict[str, Any] = asked[-1]["Detail"]
                return detail
            time.sleep(0.04)
        raise AssertionError(f"{cancellation_id}: no {ASKED_BY[waiting]} event")

    def answer(self, cancellation_id: str, waiting: Wait, outcome: str, note: str = "") -> CancellationView:
        """Answer as fulfilment / delivery would: the URL of the event, checked, then the outcome."""
        url = urlparse(self.signed(cancellation_id, waiting)["callbackUrl"])
        query = parse_qs(url.query)
        callbacks.verify(url.path, query["expires"][0], query["signature"][0])
        assert url.path == callbacks.path_for(waiting, cancellation_id)
        return callbacks.answer(cancellation_id, waiting, outcome, note)

    def reserved(self, order_id: str) -> dict[str, int]:
        stored = order_store.load(order_id)
        assert stored is not None
        return dict(stored.reserved)
