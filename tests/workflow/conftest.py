"""Helpers of the workflow tests: orders moved to the present, returns created through the
operations, and waits on the real state machine that moto runs in a background thread."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from moto import mock_aws

from local.orders import moved_to_present
from local.payments import FakePaymentProvider
from local.stack import MOTO_CONFIG, Stack, deploy
from returns_core.lifecycle import Return
from returns_service import returns
from returns_service.models import CreateReturn, ReturnView
from returns_service.store import orders as order_store
from returns_service.store import returns as return_store
from returns_service.views import to_view
from tests.fast_parameters import FAST_PARAMETERS
from tests.workflow.cancellation_flow import CancellationFlow

# Most tests decide and receive themselves: long limits, so a loaded machine cannot approve or
# expire a return under them. Tests of the limits themselves are marked `short_time_limits`.
LONG_LIMITS: dict[str, str] = {
    **FAST_PARAMETERS,
    "ReviewTimeoutSeconds": "300",
    "ReceiptTimeoutSeconds": "300",
    "FulfilmentStopTimeoutSeconds": "300",
    "InterceptionTimeoutSeconds": "300",
}


@pytest.fixture
def stack(request: pytest.FixtureRequest, payments: FakePaymentProvider) -> Iterator[Stack]:
    """template.yaml in a fresh moto; the 3 s time limits only for tests marked short_time_limits."""
    short = request.node.get_closest_marker("short_time_limits") is not None
    parameters = {**(FAST_PARAMETERS if short else LONG_LIMITS), "PaymentApiUrl": payments.url}
    if request.node.get_closest_marker("short_damage_review_limit") is not None:
        parameters["DamageReviewTimeoutSeconds"] = "3"
    with mock_aws(config=MOTO_CONFIG):
        deployed = deploy(parameters=parameters)
        try:
            yield deployed
        finally:
            deployed.close()


class Flow:
    """One test's view of the deployed stack: create returns, wait for statuses, read the rest."""

    def __init__(
        self, stack: Stack, seed: Callable[[dict[str, Any]], None], payments: FakePaymentProvider
    ) -> None:
        self.stack = stack
        self._seed = seed
        self.payments = payments

    def order(self, snapshot: dict[str, Any], *, delivered_days_ago: float = 1) -> dict[str, Any]:
        """Store ``snapshot`` (moved so it was delivered ``delivered_days_ago`` days ago)."""
        moved = moved_to_present(snapshot)
        if moved.get("deliveredAt"):
            delivered = datetime.now(UTC) - timedelta(days=delivered_days_ago)
            moved["deliveredAt"] = delivered.strftime("%Y-%m-%dT%H:%M:%SZ")
        self._seed(moved)
        return moved

    def create(
        self, order: dict[str, Any], lines: dict[str, int], reason: str = "quality_issue"
    ) -> ReturnView:
        body = CreateReturn.model_validate(
            {
                "orderId": order["orderId"],
                "lines": [{"lineId": k, "quantity": v} for k, v in lines.items()],
                "reason": reason,
                "reasonDetail": "test",
                "method": "pickup",
            }
        )
        return returns.create_return(order["customerId"], body)

    def item(self, return_id: str) -> Return:
        """The return as stored."""
        ret = return_store.load(return_id)
        assert ret is not None
        return ret

    def wait(
        self, return_id: str, status: str, *, parked: str | None = None, timeout: float = 15
    ) -> ReturnView:
        """Until the return is in ``status`` (and, if given, its token for ``parked`` is kept)."""
        deadline = time.monotonic() + timeout
        ret: Return | None = None
        while time.monotonic() < deadline:
            ret = self.item(return_id)
            waiting = ret.task.waitingFor if ret.task is not None else None
            if ret.status == status and (parked is None or waiting == parked):
                return to_view(ret)
            time.sleep(0.04)
        assert ret is not None
        raise AssertionError(f"{return_id}: still {ret.status} (task {ret.task}), not {status}")

    def wait_note(self, return_id: str, text: str, timeout: float = 15) -> ReturnView:
        """Until the return's latest history entry mentions ``text``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            view = to_view(self.item(return_id))
            if text in view.history[-1].note:
                return view
            time.sleep(0.04)
        raise AssertionError(f"{return_id}: no history note with {text!r}")

    def execution(self, return_id: str, timeout: float = 15) -> dict[str, Any]:
        """The finished execution of a return (asserting it finished)."""
        arn = (
            self.stack.state_machines["ReturnsStateMachine"].replace(":stateMachine:", ":execution:")
            + ":"
            + return_id
        )
        described = self.stack.wait_execution(arn, timeout=timeout)
        return dict(described)

    def states_entered(self, return_id: str) -> list[str]:
        """The states a return's execution went through, in order (each one a billed transition)."""
        arn = self.execution(return_id)["executionArn"]
        history = self.stack.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)
        return [
            e["stateEnteredEventDetails"]["name"]
            for e in history["events"]
            if e["type"].endswith("StateEntered")
        ]

    def finished(self, return_id: str, status: str) -> ReturnView:
        """The return ended in ``status``, its execution SUCCEEDED, and Return Closed went out."""
        view = self.wait(return_id, status)
        execution = self.execution(return_id)
        assert execution["status"] == "SUCCEEDED", execution
        closed = [e for e in self.events(return_id) if e["DetailType"] == "Return Closed"]
        assert len(closed) == 1 and closed[0]["Detail"]["status"] == status
        return view

    def events(self, return_id: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.stack.events
            if e.get("Source") == "shop.returns" and e["Detail"].get("returnId") == return_id
        ]

    def event_types(self, return_id: str) -> list[str]:
        return [e["DetailType"] for e in self.events(return_id)]

    def callback(self, return_id: str, timeout: float = 10) -> tuple[str, str]:
        """``(expires, signature)`` of the callback URL in the Return Awaiting Receipt event."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            published = [e for e in self.events(return_id) if e["DetailType"] == "Return Awaiting Receipt"]
            if published:
                query = parse_qs(urlparse(published[-1]["Detail"]["callbackUrl"]).query)
                return query["expires"][0], query["signature"][0]
            time.sleep(0.04)
        raise AssertionError(f"{return_id}: no Return Awaiting Receipt event")

    def reserved(self, order_id: str) -> dict[str, int]:
        stored = order_store.load(order_id)
        assert stored is not None
        return {k: v for k, v in stored.reserved.items()}


@pytest.fixture
def flow(stack: Stack, seed_order: Callable[[dict[str, Any]], None], payments: FakePaymentProvider) -> Flow:
    return Flow(stack, seed_order, payments)


@pytest.fixture
def cancellations(stack: Stack, payments: FakePaymentProvider) -> CancellationFlow:
    """The deployed stack seen from cancellations (tests/workflow/cancellation_flow.py)."""
    return CancellationFlow(stack, payments)
