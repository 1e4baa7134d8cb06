"""Lifecycle tests: the pure core only (no moto, no clock): orders from events/orders/."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from returns_core.lifecycle import Actor, Role
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.model import Return
from returns_core.lifecycle.quoting import QuoteContext
from returns_core.lifecycle.rules import Windows
from returns_core.order import OrderSnapshot
from returns_core.refunds.models import ReturnLine

ORDERS = Path(__file__).resolve().parents[2] / "events" / "orders"
WINDOWS = Windows(customer_choice_days=7, merchant_fault_days=15)
CUSTOMER = Actor(Role.CUSTOMER, "cust-1001")
AGENT = Actor(Role.CS, "agent-7")
WAREHOUSE = Actor(Role.RECEIVER, "inspector-3")
ANSWER = 259200  # CustomerAnswerTimeoutSeconds' default: 3 days
DAY1 = "2026-11-23T10:00:00.000Z"  # O-SEED-1 was delivered 2026-11-22


def order(order_id: str = "O-SEED-1", **changes: Any) -> OrderSnapshot:
    raw = json.loads((ORDERS / f"{order_id}.json").read_text(encoding="utf-8"))
    return OrderSnapshot.model_validate({**raw, **changes})


def at(minute: int) -> str:
    return f"2026-11-23T10:{minute:02d}:00.000Z"


Create = Callable[..., Return]


@pytest.fixture
def create() -> Create:
    """A return as the storefront creates it (REQUESTED, units held)."""

    def make(
        lines: dict[str, int],
        reason: str = "quality_issue",
        snapshot: OrderSnapshot | None = None,
        when: str = DAY1,
    ) -> Return:
        snapshot = snapshot or order()
        change = decide.request(
            return_id="R-TEST",
            customer=Actor(Role.CUSTOMER, snapshot.customerId),
            order=snapshot,
            reserved={},
            context=QuoteContext(snapshot),
            lines=[ReturnLine(lineId=k, quantity=v) for k, v in lines.items()],
            reason=reason,
            reason_detail="",
            method="pickup",
            windows=WINDOWS,
            at=when,
        )
        return change.after

    return make
