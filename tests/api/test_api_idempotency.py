"""``Idempotency-Key`` on ``POST /returns``: a retry gets the first answer, the same key with a
different body is 422, keys are per customer, refusals are not remembered."""

from __future__ import annotations

from typing import Any, cast

import boto3
import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service.api import idempotency
from returns_service.errors import Conflict
from tests.api.client import CUSTOMER, OTHER_CUSTOMER, Api, new_return, one, present


@pytest.fixture
def api(stack, orders, seed_order) -> Api:
    for order_id in ("O-SEED-1", "O-MIX-2"):
        seed_order(present(orders[order_id]))
    return Api(stack)


def executions(stack) -> list[str]:
    client = boto3.client("stepfunctions", region_name=stack.region)
    return [
        e["executionArn"]
        for e in client.list_executions(stateMachineArn=stack.state_machines["ReturnsStateMachine"])[
            "executions"
        ]
    ]


def test_a_retried_request_gets_the_first_answer(api, stack):
    first = api.create(new_return(lines=one("L2")), key="k-1")
    assert first.status == 201, first.text
    retry = api.create(new_return(lines=one("L2")), key="k-1")
    assert retry.status == 201
    assert retry.json == first.json, "the stored first answer, not a new return"
    listed = api.call("GET", "/returns", claims=CUSTOMER).json["items"]
    assert [r["returnId"] for r in listed] == [first.json["returnId"]]
    assert len(executions(stack)) == 1
    # Same body, no key: a genuinely new request (the unit is taken now).
    assert api.create(new_return(lines=one("L2"))).status == 422


def test_the_same_key_with_a_different_body_is_422(api):
    assert api.create(new_return(lines=one("L2")), key="k-2").status == 201
    changed = api.create(new_return(lines=one("L1")), key="k-2")
    assert changed.status == 422
    assert changed.json["error"]["code"] == "unprocessable"
    assert changed.json["error"]["details"][0]["field"] == "Idempotency-Key"
    detail_changed = api.create({**new_return(lines=one("L2")), "reasonDetail": "other words"}, key="k-2")
    assert detail_changed.status == 422
    assert len(api.call("GET", "/returns", claims=CUSTOMER).json["items"]) == 1


def test_keys_belong_to_the_customer_who_sent_them(api):
    mine = api.create(new_return(lines=one("L2")), key="shared-key")
    theirs = api.create(new_return("O-MIX-2", lines=one("L1")), claims=OTHER_CUSTOMER, key="shared-key")
    assert mine.status == theirs.status == 201
    assert mine.json["returnId"] != theirs.json["returnId"]
    assert theirs.json["customerId"] == "cust-1002"


def test_a_refused_request_is_not_remembered(api):
    refused = api.create(new_return(lines=one("L2", 5)), key="k-3")
    assert refused.status == 422
    corrected = api.create(new_return(lines=one("L2", 1)), key="k-3")
    assert corrected.status == 201, "the key was not used up by the refusal"
    again = api.create(new_return(lines=one("L2", 1)), key="k-3")
    assert again.status == 201 and again.json["returnId"] == corrected.json["returnId"]


class Context:
    """The part of the Lambda context idempotency reads: time left in the invocation."""

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def test_a_retry_while_the_first_is_still_running_is_409(stack):
    """The second request arrives while the first holds the key: Conflict, not a second return."""
    seen: list[str] = []

    def once(operation):
        return idempotency.once(
            key="k",
            caller="c",
            payload={"a": 1},
            operation=operation,
            lambda_context=cast(LambdaContext, Context()),
        )

    def first() -> dict[str, Any]:
        try:
            once(lambda: {"second": True})
        except Conflict as conflict:
            seen.append(conflict.message)
        return {"first": True}

    assert once(first) == {"first": True}
    assert seen and "still being processed" in seen[0]
    assert once(lambda: {"third": True}) == {"first": True}
