"""The workflow's bill of materials: what one happy-path return costs to run.

Runs returns through the HTTP routes and the real state machine in moto (``local.stack``): the
storefront creates the return, CS approves it, the warehouse posts its receipt, the workflow
refunds and closes it. Counts per return, from the requests the service's functions make (never
the benchmark's own polling): state transitions (Step Functions history), Lambda invocations by
function, DynamoDB requests by kind with the request units DynamoDB would bill for them
(``benchmarks.capacity``: from the items' sizes and the tables' indexes), EventBridge entries, and
prices 1,000 returns at published us-east-1 prices (see PRICES).
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from benchmarks.capacity import Meter, item_size

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
PUBLISHER = "PublishEventsFunction"  # the outbox: one invocation per stream record in moto
TABLES = ("OrdersTable", "ReturnsTable", "IdempotencyTable", "CancellationsTable")


@contextmanager
def _counting(stack: Any | None = None) -> Iterator[dict[str, Any]]:
    """Count Lambda invocations and the AWS requests (by service and operation) they make, and
    meter their DynamoDB requests (``counts["meter"]``, when the stack is given)."""
    import boto3
    import botocore.session

    from local import stack as local_stack
    from returns_service import aws

    counts: dict[str, Any] = {"requests": Counter(), "lambda": Counter(), "lambda_ms": 0.0, "meter": None}
    # Only what the functions ask AWS for is the service's cost: the benchmark's own polling (is
    # the return parked yet?) runs outside any invocation and is not counted.
    inside = threading.local()

    def counting() -> bool:
        return bool(getattr(inside, "depth", 0))

    def before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
        if counting():
            counts["requests"][(model.service_model.service_name, model.name)] += 1

    session = boto3._get_default_session()
    session.events.register("before-parameter-build", before_call)
    meter: Meter | None = None
    if stack is not None:
        side = botocore.session.Session().create_client(
            "dynamodb", region_name=os.environ["AWS_DEFAULT_REGION"]
        )
        names = {str(stack.physical_id(t)): t for t in TABLES if stack.physical_id(t)}
        meter = Meter(side, counting, names)
        session.events.register("before-call.dynamodb", meter.before_call)
        session.events.register("after-call.dynamodb", meter.after_call)
        counts["meter"] = meter
    for getter in (aws.dynamodb_client, aws.stepfunctions, aws.events, aws.secretsmanager):
        getter.cache_clear()  # clients made from now on carry the counting hooks
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
        if meter is not None:
            session.events.unregister("before-call.dynamodb", meter.before_call)
            session.events.unregister("after-call.dynamodb", meter.after_call)


def dynamodb_figures(meter: Meter, per: int) -> dict[str, Any]:
    """Per case: each request kind's count, write units (table, each index) and read units."""
    kinds = {}
    for (operation, table), kind in sorted(meter.kinds.items(), key=lambda entry: (entry[0][1], entry[0][0])):
        kinds[f"{table} {operation}"] = {
            "requests": kind.requests / per,
            "kb": kind.kb_written / kind.requests if kind.requests else 0.0,
            "table_wru": kind.table_wru / per,
            "index_wru": {name: units / per for name, units in sorted(kind.index_wru.items())},
            "rru": kind.rru / per,
        }
    return {
        "kinds": kinds,
        "wru": sum(k.wru for k in meter.kinds.values()) / per,
        "index_wru": sum(sum(k.index_wru.values()) for k in meter.kinds.values()) / per,
        "rru": sum(k.rru for k in meter.kinds.values()) / per,
    }


def print_dynamodb(figures: dict[str, Any], what: str) -> None:
    print(f"  DynamoDB per {what}, by request kind (units as DynamoDB on-demand bills them):")
    print(f"      {'table / operation':<44} {'n':>4} {'KB':>5} {'WRU table':>9} {'WRU index':>9} {'RRU':>5}")
    for name, kind in figures["kinds"].items():
        index = sum(kind["index_wru"].values())
        by_index = ", ".join(f"{k} {v:.1f}" for k, v in kind["index_wru"].items() if v)
        kb = f"{kind['kb']:.1f}" if kind["table_wru"] else ""
        print(
            f"      {name:<44} {kind['requests']:>4.1f} {kb:>5} {kind['table_wru']:>9.1f} {index:>9.1f}"
            f" {kind['rru']:>5.1f}" + (f"  ({by_index})" if by_index else "")
        )
    print(
        f"      {'total':<44} {'':>4} {'':>5} {figures['wru'] - figures['index_wru']:>9.1f}"
        f" {figures['index_wru']:>9.1f} {figures['rru']:>5.1f}"
    )


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
        started, cpu_started = time.perf_counter(), time.process_time()
        with _counting(stack) as counts:
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
            cpu = time.process_time() - cpu_started
        sfn = boto3.client("stepfunctions")
        transitions = 0
        for arn in executions:
            history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
            transitions += sum(1 for e in history if e["type"].endswith("StateEntered"))
        dynamodb = boto3.client("dynamodb")
        returns_table = str(stack.physical_id("ReturnsTable"))
        stored = [
            item_size(
                dynamodb.get_item(TableName=returns_table, Key={"returnId": {"S": arn.rsplit(":", 1)[1]}})[
                    "Item"
                ]
            )
            for arn in executions
        ]
        events = sum(1 for e in stack.events if e.get("Source") == "shop.returns")
        requests: Counter[tuple[str, str]] = counts["requests"]
        ddb = sum(n for (service, _), n in requests.items() if service == "dynamodb")
        secrets = sum(n for (service, _), n in requests.items() if service == "secretsmanager")
        lambdas = sum(counts["lambda"].values())
        http_requests = 3 * returns
    per: dict[str, Any] = {
        "returns": returns,
        "seconds_per_return_in_moto": elapsed / returns,
        "cpu_seconds_per_return_in_moto": cpu / returns,
        "state_transitions": transitions / returns,
        "lambda_invocations": lambdas / returns,
        "lambda_by_function": {k: v / returns for k, v in sorted(counts["lambda"].items())},
        "lambda_ms_in_moto": counts["lambda_ms"] / max(lambdas, 1),
        "dynamodb_requests": ddb / returns,
        "dynamodb_by_operation": {
            op: n / returns for (service, op), n in sorted(requests.items()) if service == "dynamodb"
        },
        "dynamodb": dynamodb_figures(counts["meter"], returns),
        "return_item_kb": sum(stored) / len(stored) / 1024,
        "events": events / returns,
        "http_requests": http_requests / returns,
        "secrets_calls": secrets / returns,
    }
    per["dynamodb_wru"] = per["dynamodb"]["wru"]
    per["dynamodb_rru"] = per["dynamodb"]["rru"]
    per["cost_per_1000"] = {k: v * 1000 for k, v in cost(per).items()}
    return per


def cost(per: dict[str, Any]) -> dict[str, float]:
    """What one case costs at PRICES, by service."""
    return {
        "Step Functions": per["state_transitions"] * PRICES["sfn_transition"],
        "Lambda requests": per["lambda_invocations"] * PRICES["lambda_request"],
        "Lambda duration": per["lambda_invocations"]
        * (ASSUMED_LAMBDA_MS / 1000)
        * LAMBDA_MEMORY_GB
        * PRICES["lambda_gb_second_arm"],
        "DynamoDB writes": per["dynamodb_wru"] * PRICES["ddb_wru"],
        "DynamoDB reads": per["dynamodb_rru"] * PRICES["ddb_rru"],
        "EventBridge": per["events"] * PRICES["eventbridge_event"],
        "HTTP API": per["http_requests"] * PRICES["http_api_request"],
        "Secrets Manager": per["secrets_calls"] * PRICES["secrets_call"],
    }


def print_prices() -> None:
    print(
        "  prices (us-east-1 list): Step Functions Standard $0.025 per 1,000 transitions; Lambda $0.20"
        " per 1M requests"
    )
    print(
        f"  and $0.0000133334 per GB-s (arm64, {ASSUMED_LAMBDA_MS} ms at 512 MB assumed per invocation);"
        " DynamoDB on-demand $0.625 per 1M WRU,"
    )
    print(
        "  $0.125 per 1M RRU; EventBridge $1.00 per 1M events; HTTP API $1.00 per 1M requests;"
        " Secrets Manager $0.05 per 10,000 calls"
    )


def main() -> None:
    # The functions log every request (JSON lines on stdout): keep them out of the figures.
    with contextlib.redirect_stdout(io.StringIO()):
        figures = run()
    print(f"Workflow: {figures['returns']} happy-path returns (create, CS approve, receipt, refund, close)")
    print("  only the requests the service's functions make are counted (not the benchmark's polling)")
    print(f"  state transitions per return     {figures['state_transitions']:.1f}")
    print(f"  Lambda invocations per return    {figures['lambda_invocations']:.1f}")
    for name, n in figures["lambda_by_function"].items():
        note = "  (one per stream record in moto; Lambda batches them in AWS)" if name == PUBLISHER else ""
        print(f"      {name:<32} {n:.1f}{note}")
    print(f"  DynamoDB requests per return     {figures['dynamodb_requests']:.1f}")
    for name, n in figures["dynamodb_by_operation"].items():
        print(f"      {name:<32} {n:.1f}")
    print(f"  the return's item at the end     {figures['return_item_kb']:.1f} KB")
    print_dynamodb(figures["dynamodb"], "return")
    print(f"  EventBridge events per return    {figures['events']:.1f}")
    print(f"  HTTP API requests per return     {figures['http_requests']:.1f}")
    print(f"  Secrets Manager calls per return {figures['secrets_calls']:.2f} (cached in each function)")
    seconds, ms = figures["seconds_per_return_in_moto"], figures["lambda_ms_in_moto"]
    cpu = figures["cpu_seconds_per_return_in_moto"]
    print(f"  in moto: {seconds:.2f} s per return (wall), {cpu:.2f} s CPU, {ms:.0f} ms per invocation")
    print("Cost per 1,000 returns:")
    print_prices()
    total = 0.0
    for name, value in figures["cost_per_1000"].items():
        total += value
        print(f"  {name:<18} ${value:.4f}")
    print(f"  {'total':<18} ${total:.4f}  (logs, X-Ray traces and storage not included)")


if __name__ == "__main__":
    main()
