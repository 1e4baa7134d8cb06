"""Every workflow function has a sample event in events/, and it is one its handler accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.data_classes import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel

from local.template import load_template
from returns_core.order import OrderSnapshot
from returns_service.cancellations.handlers import CancellationStep, CancellationWait
from returns_service.step_events import StepEvent, WaitEvent
from returns_service.store import outbox

ROOT = Path(__file__).resolve().parents[2]
WAITS = {
    "await_review",
    "await_receipt",
    "await_seller_receipt",
    "await_damage_review",
    "await_refund_retry",
    "await_customer_answer",
}
STEPS = {
    "auto_approve",
    "expire_return",
    "take_as_received",
    "issue_refund",
    "customer_answer_time_limit",
    "damage_review_time_limit",
}
CANCELLATION_WAITS = {"await_cancellation_answer", "await_cancellation_refund_retry"}
CANCELLATION_STEPS = {"begin_cancellation", "cancellation_time_limit", "issue_cancellation_refund"}
FUNCTIONS = (
    WAITS
    | STEPS
    | CANCELLATION_WAITS
    | CANCELLATION_STEPS
    | {"order_sync", "publish_events", "analytics_compaction"}
)


def test_every_function_that_is_not_an_api_is_listed_here() -> None:
    apis = {path.parent.name for path in (ROOT / "functions").glob("*api/app.py")}
    assert {path.parent.name for path in (ROOT / "functions").glob("*/app.py")} - apis == FUNCTIONS


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_each_function_has_a_valid_sample_event(name: str) -> None:
    assert (ROOT / "functions" / name / "app.py").is_file()
    event = json.loads((ROOT / "events" / f"{name}.json").read_text(encoding="utf-8"))
    if name == "order_sync":
        parsed = EventBridgeModel.model_validate(event)
        assert parsed.source == "shop.orders" and parsed.detail_type == "Order Updated"
        assert OrderSnapshot.model_validate(event["detail"]).status == "DELIVERED"
    elif name == "publish_events":
        record = next(iter(DynamoDBStreamEvent(event).records))
        entries = outbox.entries_of(record.dynamodb.new_image if record.dynamodb else None)
        assert [json.loads(e["detail"])["eventId"] for e in entries] == [e["eventId"] for e in entries]
    elif name in WAITS:
        assert WaitEvent.model_validate(event).taskToken
    elif name in CANCELLATION_WAITS:
        assert CancellationWait.model_validate(event).taskToken
    elif name == "analytics_compaction":  # the schedule's input (template.yaml); the day is the clock's
        schedule = load_template(ROOT / "template.yaml")["Resources"]["AnalyticsCompactionSchedule"]
        assert json.loads(schedule["Properties"]["Target"]["Input"]) == event == {}
    elif name in CANCELLATION_STEPS:
        step = CancellationStep.model_validate(event)
        assert step.cancellationId.startswith("C-")
        assert (step.waitingFor is not None) == (name == "cancellation_time_limit")
    else:
        assert StepEvent.model_validate(event).returnId.startswith("R-")
