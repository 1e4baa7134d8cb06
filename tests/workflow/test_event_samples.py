"""Every workflow function has a sample event in events/, and it is one its handler accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from returns_core.order import OrderSnapshot
from returns_service.step_events import StepEvent, WaitEvent

ROOT = Path(__file__).resolve().parents[2]
WAITS = {"await_review", "await_receipt", "await_damage_review", "await_refund_retry"}
STEPS = {"check_eligibility", "auto_approve", "expire_return", "issue_refund", "close_return"}


@pytest.mark.parametrize("name", sorted(WAITS | STEPS | {"order_sync"}))
def test_each_function_has_a_valid_sample_event(name: str) -> None:
    assert (ROOT / "functions" / name / "app.py").is_file()
    event = json.loads((ROOT / "events" / f"{name}.json").read_text(encoding="utf-8"))
    if name == "order_sync":
        parsed = EventBridgeModel.model_validate(event)
        assert parsed.source == "shop.orders" and parsed.detail_type == "Order Updated"
        assert OrderSnapshot.model_validate(event["detail"]).status == "DELIVERED"
    elif name in WAITS:
        assert WaitEvent.model_validate(event).taskToken
    else:
        assert StepEvent.model_validate(event).returnId.startswith("R-")
