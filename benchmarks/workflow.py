"""The workflow's bill of materials: what one happy-path return costs to run.

Runs returns through the HTTP routes and the real state machine in moto (``local.stack``): the
storefront creates the return, CS approves it, the warehouse posts its receipt, the workflow
refunds and closes it. Counts per return: state transitions (Step Functions history), Lambda
invocations (API and workflow functions), DynamoDB requests and the capacity units they would
use, EventBridge entries, and prices 1,000 returns at published us-east-1 prices (see PRICES).
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

RETURNS = 10

# us-east-1 list prices (USD), as published on the AWS pricing pages (checked November 2026):
PRICES = {
    "sfn_transition": 0.025 / 1_000,  # Step Functions Standard: $0.025 per 1,000 state transitions
    "lambda_request": 0.20 / 1_000_000,  # Lambda: $0.20 per 1M requests
    "lambda_gb_second_arm": 0.0000133334,  # Lambda arm64: $0.0000133334 per GB-second
    "ddb_wru": 0.625 / 1_000_000,  # DynamoDB on-demand: $0.625 per 1M write request units
    "ddb_rru": 0.125 / 1_000_000,  # DynamoDB on-demand: $0.125 per 1M read request units
    "eventbridge_event": 1.00 / 1_000_000,  # EventBridge custom events: $1.00 per 1M
    "http_api_request": 1.00 / 1_000_000,  # API Gateway HTTP API: $1.00 per 1M (first 300M)
    "secrets_call": 0.05 / 10_000,  # Secrets Manager: $0.05 per 10,000 API calls
}
LAMBDA_MEMORY_GB = 0.5  # template Globals MemorySize: 512
ASSUMED_LAMBDA_MS = 100  # billed duration assumed per warm invocation (moto timings are not AWS's)

WRITES = {"PutItem", "UpdateItem", "DeleteItem"}
READS = {"GetItem"}
QUERIES = {"Query", "Scan"}


@contextmanager
def _counting() -> Iterator[dict[str, Any]]:
    """Count Lambda invocations and the AWS requests (by service and operation) they make."""
    import boto3

    from local import stack as local_stack
    from returns_service import aws

    counts: dict[str, Any] = {"requests": Counter(), "lambda": Counter(), "lambda_ms": 0.0, "items": []}
    # Only what the functions ask AWS for is the service's cost: the benchmark's own polling (is
    # the return parked yet?) runs outside any invocation and is not counted.
    inside = threading.local()

    def before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
        if not getattr(inside, "depth", 0):
            return
        service = model.service_model.service_name
        counts["requests"][(service, model.name)] += 1
        if service == "dynamodb":
            counts["items"].append((model.name, dict(params)))

    session = boto3._get_default_session()
    session.events.register("before-parameter-build", before_call)
    for getter in (aws.dynamodb, aws.dynamodb_client, aws.stepfunctions, aws.events, aws.secretsmanager):
        getter.cache_clear()  # clients made from now on carry the counting hook
    original = local_stack.LocalFunction.call

    def call(self: Any, event: Any) -> Any:
        counts["lambda"][self.logical_id] += 1
        started = time.perf_counter()
        inside.depth = getattr(inside, "depth", 0) + 1
        try:
            return original(self, event)
        finally:
            inside.depth -= 1
            counts["lambda_ms"] += (time.perf_counter() - started) * 1000

    local_stack.LocalFunction.call = call  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        local_stack.LocalFunction.call = original  # type: ignore[method-assign]
        session.events.unregister("before-parameter-build", before_call)


def _item_sizes(table_names: list[str]) -> dict[str, float]:
    """Average stored item size (KB, as JSON) per table at the end of the run."""
    import boto3

    client = boto3.client("dynamodb")
    sizes: dict[str, float] = {}
    for name in table_names:
        items = client.scan(TableName=name).get("Items", [])
        total = sum(len(json.dumps(item)) for item in items)
        sizes[name] = (total / len(items) / 1024) if items else 1.0
    return sizes


def _capacity(
    items: list[tuple[str, dict[str, Any]]], sizes: dict[str, float], returns_table: str
) -> tuple[float, float]:
    """Write and read request units the DynamoDB requests would use (on-demand)."""
    wru = rru = 0.0
    for operation, params in items:
        if operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                action = next(iter(entry.values()))
                table = action["TableName"]
                units = 2 * math.ceil(sizes.get(table, 1.0))
                wru += units * (3 if table == returns_table else 1)  # two GSIs, projection ALL
        elif operation in WRITES:
            table = params["TableName"]
            units = math.ceil(sizes.get(table, 1.0))
            wru += units * (3 if table == returns_table else 1)
        elif operation in READS:
            strong = params.get("ConsistentRead", False)
            rru += math.ceil(sizes.get(params["TableName"], 1.0) / 4) * (1 if strong else 0.5)
        elif operation in QUERIES:
            rru += 0.5 * max(1, math.ceil(sizes.get(params["TableName"], 1.0) / 4))
    return wru, rru


def _wait(predicate: Any, what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise RuntimeError(f"benchmark: timed out waiting for {what}")


def run(returns: int = RETURNS) -> dict[str, Any]:
    """Run ``returns`` happy-path returns; the per-return figures and the cost per 1,000."""
    import boto3
    from moto import mock_aws

    from local.orders import load_example_orders, moved_to_present, publish_order
    from local.payments import running
    from local.stack import MOTO_CONFIG, deploy
    from returns_service.store import returns as return_store

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    with running() as payments, mock_aws(config=MOTO_CONFIG):
        parameters = {"PaymentApiUrl": payments.url, "CallbackBaseUrl": "https://returns.bench"}
        stack = deploy(parameters=parameters)
        template = load_example_orders()["O-SEED-1"]
        orders = []
        for i in range(returns):
            order = moved_to_present({**template, "orderId": f"O-BENCH-{i}"})
            publish_order(stack, order)
            orders.append(order)
        executions: list[str] = []
        started = time.perf_counter()
        with _counting() as counts:
            for order in orders:
                customer = {"sub": order["customerId"]}
                created = stack.http(
                    "POST",
                    "/returns",
                    body={
                        "orderId": order["orderId"],
                        "lines": [{"lineId": "L1", "quantity": 1}],
                        "reason": "quality_issue",
                        "reasonDetail": "",
                        "method": "pickup",
                    },
                    headers={"content-type": "application/json"},
                    claims=customer,
                )
                if created.status != 201:
                    raise RuntimeError(f"benchmark: create answered {created.status}: {created.text[:200]}")
                return_id = created.json["returnId"]

                def parked(waiting_for: str, rid: str = return_id) -> bool:
                    ret = return_store.load(rid)
                    return ret is not None and ret.task is not None and ret.task.waitingFor == waiting_for

                _wait(lambda: parked("review"), "the review wait")
                reviewed = stack.http(
                    "POST",
                    f"/cs/returns/{return_id}/review",
                    body={"decision": "approve", "returnShippingPaidBy": "merchant", "note": "ok"},
                    headers={"content-type": "application/json"},
                    claims={"sub": "agent-1", "cognito:groups": ["cs"]},
                )
                if reviewed.status != 200:
                    raise RuntimeError(f"benchmark: review answered {reviewed.status}: {reviewed.text[:200]}")
                _wait(lambda: parked("receipt"), "the receipt wait")
                url = _wait(
                    lambda rid=return_id: next(
                        (
                            e["Detail"]["callbackUrl"]
                            for e in stack.events
                            if e["DetailType"] == "Return Awaiting Receipt" and e["Detail"]["returnId"] == rid
                        ),
                        None,
                    ),
                    "the callback URL",
                )
                parts = urlsplit(url)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                received = stack.http(
                    "POST",
                    parts.path,
                    query=query,
                    body={
                        "lines": [{"lineId": "L1", "quantity": 1, "condition": "intact"}],
                        "inspector": "w",
                        "note": "",
                    },
                    headers={"content-type": "application/json"},
                )
                if received.status != 200:
                    raise RuntimeError(
                        f"benchmark: receipt answered {received.status}: {received.text[:200]}"
                    )
                machine = stack.state_machines["ReturnsStateMachine"]
                arn = machine.replace(":stateMachine:", ":execution:") + ":" + return_id
                finished = stack.wait_execution(arn, timeout=20)
                if finished["status"] != "SUCCEEDED":
                    raise RuntimeError(f"benchmark: execution {finished['status']}")
                executions.append(arn)
            elapsed = time.perf_counter() - started
        sfn = boto3.client("stepfunctions")
        transitions = 0
        for arn in executions:
            history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
            transitions += sum(1 for e in history if e["type"].endswith("StateEntered"))
        tables = [str(stack.physical_id(t)) for t in ("OrdersTable", "ReturnsTable", "IdempotencyTable")]
        sizes = _item_sizes(tables)
        wru, rru = _capacity(counts["items"], sizes, tables[1])
        events = sum(1 for e in stack.events if e.get("Source") == "shop.returns")
        requests: Counter[tuple[str, str]] = counts["requests"]
        ddb = sum(n for (service, _), n in requests.items() if service == "dynamodb")
        secrets = sum(n for (service, _), n in requests.items() if service == "secretsmanager")
        lambdas = sum(counts["lambda"].values())
        http_requests = 3 * returns
    per = {
        "returns": returns,
        "seconds_per_return_in_moto": elapsed / returns,
        "state_transitions": transitions / returns,
        "lambda_invocations": lambdas / returns,
        "lambda_by_function": {k: v / returns for k, v in sorted(counts["lambda"].items())},
        "lambda_ms_in_moto": counts["lambda_ms"] / max(lambdas, 1),
        "dynamodb_requests": ddb / returns,
        "dynamodb_by_operation": {
            op: n / returns for (service, op), n in sorted(requests.items()) if service == "dynamodb"
        },
        "dynamodb_wru": wru / returns,
        "dynamodb_rru": rru / returns,
        "events": events / returns,
        "http_requests": http_requests / returns,
        "secrets_calls": secrets / returns,
    }
    cost = {
        "Step Functions": per["state_transitions"] * PRICES["sfn_transition"],
        "Lambda requests": per["lambda_invocations"] * PRICES["lambda_request"],
        "Lambda duration": per["lambda_invocations"]
        * (ASSUMED_LAMBDA_MS / 1000)
        * LAMBDA_MEMORY_GB
        * PRICES["lambda_gb_second_arm"],
        "DynamoDB": per["dynamodb_wru"] * PRICES["ddb_wru"] + per["dynamodb_rru"] * PRICES["ddb_rru"],
        "EventBridge": per["events"] * PRICES["eventbridge_event"],
        "HTTP API": per["http_requests"] * PRICES["http_api_request"],
        "Secrets Manager": per["secrets_calls"] * PRICES["secrets_call"],
    }
    per["cost_per_1000"] = {k: v * 1000 for k, v in cost.items()}
    return per


def main() -> None:
    # The functions log every request (JSON lines on stdout): keep them out of the figures.
    with contextlib.redirect_stdout(io.StringIO()):
        figures = run()
    print(f"Workflow: {figures['returns']} happy-path returns (create, CS approve, receipt, refund, close)")
    print(f"  state transitions per return     {figures['state_transitions']:.1f}")
    print(f"  Lambda invocations per return    {figures['lambda_invocations']:.1f}")
    for name, n in figures["lambda_by_function"].items():
        print(f"      {name:<32} {n:.1f}")
    print(f"  DynamoDB requests per return     {figures['dynamodb_requests']:.1f}")
    for name, n in figures["dynamodb_by_operation"].items():
        print(f"      {name:<32} {n:.1f}")
    wru, rru = figures["dynamodb_wru"], figures["dynamodb_rru"]
    print(f"  DynamoDB units per return        {wru:.1f} WRU, {rru:.1f} RRU (estimated, see _capacity)")
    print(f"  EventBridge events per return    {figures['events']:.1f}")
    print(f"  HTTP API requests per return     {figures['http_requests']:.1f}")
    print(f"  Secrets Manager calls per return {figures['secrets_calls']:.2f} (cached in each function)")
    seconds, ms = figures["seconds_per_return_in_moto"], figures["lambda_ms_in_moto"]
    print(f"  in moto: {seconds:.2f} s per return, {ms:.0f} ms per invocation")
    billed = f"Lambda billed {ASSUMED_LAMBDA_MS} ms at 512 MB arm64"
    print(f"Cost per 1,000 returns (us-east-1 list prices; {billed}):")
    total = 0.0
    for name, value in figures["cost_per_1000"].items():
        total += value
        print(f"  {name:<18} ${value:.4f}")
    print(f"  {'total':<18} ${total:.4f}  (logs, X-Ray traces and storage not included)")


if __name__ == "__main__":
    main()
