"""What a real deployment needs to be operated (template.yaml): order sync's dead-letter queue,
alarms on failed refunds and on that queue, log groups with a retention for every function; and
the local stack delivering a snapshot order sync cannot store to that queue, as Lambda would."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from typing import Any

import boto3
import pytest

from local.orders import load_example_orders, publish_order
from local.stack import REPO_ROOT
from local.template import load_template
from returns_service.steps import await_refund_retry

TEMPLATE = load_template(REPO_ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def of_type(kind: str) -> dict[str, dict[str, Any]]:
    return {name: spec for name, spec in RESOURCES.items() if spec["Type"] == kind}


def test_every_function_logs_into_a_group_with_the_retention_parameter() -> None:
    groups = {
        json.dumps(spec["Properties"]["LogGroupName"]): spec["Properties"]
        for spec in of_type("AWS::Logs::LogGroup").values()
    }
    for function in of_type("AWS::Serverless::Function"):
        name = json.dumps({"Fn::Sub": f"/aws/lambda/${{{function}}}"})
        assert name in groups, f"{function} has no log group"
        assert groups[name]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert RESOURCES["HttpApiAccessLogs"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert TEMPLATE["Parameters"]["LogRetentionDays"]["Default"] == 30


def test_order_sync_failures_go_to_an_alarmed_dead_letter_queue() -> None:
    queue = {"Fn::GetAtt": ["OrderSyncDeadLetterQueue", "Arn"]}
    sync = RESOURCES["OrderSyncFunction"]["Properties"]
    assert sync["EventInvokeConfig"]["DestinationConfig"]["OnFailure"] == {
        "Type": "SQS",
        "Destination": queue,
    }
    assert sync["Events"]["OrderUpdated"]["Properties"]["DeadLetterConfig"] == {"Arn": queue}
    alarm = RESOURCES["OrderSyncDeadLettersAlarm"]["Properties"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["OrderSyncDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_the_refunds_failed_alarm_watches_the_metric_the_step_emits(stack, monkeypatch) -> None:
    alarm = RESOURCES["RefundsFailedAlarm"]["Properties"]
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    monkeypatch.setattr(await_refund_retry, "await_refund_retry", lambda *args: None)
    printed = io.StringIO()
    with redirect_stdout(printed):
        stack.invoke("AwaitRefundRetryFunction", {"returnId": "R-1", "taskToken": "t", "state": {}})
    [emf] = [json.loads(line) for line in printed.getvalue().splitlines() if '"CloudWatchMetrics"' in line]
    [directive] = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == alarm["Namespace"]
    assert [m["Name"] for m in directive["Metrics"]] == [alarm["MetricName"]]
    assert [{"Name": d, "Value": emf[d]} for d in directive["Dimensions"][0]] == alarm["Dimensions"]


def test_a_snapshot_order_sync_cannot_store_lands_in_the_dead_letter_queue(stack) -> None:
    broken = {**load_example_orders()["O-SEED-1"], "payments": []}  # its numbers no longer add up
    with pytest.raises(RuntimeError, match="OrderSyncFunction failed"):
        publish_order(stack, broken)
    sqs = boto3.client("sqs")
    url = stack.physical_id("OrderSyncDeadLetterQueue")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    [record] = [json.loads(m["Body"]) for m in messages]
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3, "the first try and Lambda's 2 retries"
    assert record["requestContext"]["functionArn"].startswith(stack.attribute("OrderSyncFunction", "Arn"))
    assert record["requestPayload"]["detail-type"] == "Order Updated"
    assert record["requestPayload"]["detail"] == broken
    assert record["responsePayload"]["errorType"] == "ValidationError"
