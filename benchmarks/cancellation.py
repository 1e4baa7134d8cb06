"""What one paid cancellation costs to run (contract section 7), as ``benchmarks.workflow`` does for
a return: the customer cancels one unit of a paid order over HTTP, fulfilment answers ``stopped``
on the signed URL of ``Cancellation Requested``, the workflow refunds and completes it. Counts per
cancellation: state transitions, Lambda invocations, DynamoDB requests and units, events; prices
1,000 cancellations at the same published prices."""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

from benchmarks.workflow import (
    ASSUMED_LAMBDA_MS,
    LAMBDA_MEMORY_GB,
    PRICES,
    _counting,
    _wait,
    dynamodb_figures,
    print_dynamodb,
    print_prices,
)

CANCELLATIONS = 10


def run(cancellations: int = CANCELLATIONS) -> dict[str, Any]:
    """Run ``cancellations`` paid cancellations (stopped by fulfilment); per-cancellation figures."""
    import boto3
    from moto import mock_aws

    from local.orders import load_example_orders, moved_to_present, publish_order
    from local.payments import running
    from local.stack import MOTO_CONFIG, deploy
    from returns_service.store import cancellations as store

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    with running() as payments, mock_aws(config=MOTO_CONFIG):
        stack = deploy(parameters={"PaymentApiUrl": payments.url, "CallbackBaseUrl": "https://returns.bench"})
        template = load_example_orders()["O-PAID-7"]
        orders = []
        for i in range(cancellations):
            order = moved_to_present({**template, "orderId": f"O-BENCH-C{i}"})
            publish_order(stack, order)
            orders.append(order)
        executions: list[str] = []
        started = time.perf_counter()
        with _counting(stack) as counts:
            for order in orders:
                created = stack.http(
                    "POST",
                    f"/orders/{order['orderId']}/cancellations",
                    body={"lines": [{"lineId": "L1", "quantity": 1}], "reason": "no_longer_needed"},
                    headers={"content-type": "application/json"},
                    claims={"sub": order["customerId"]},
                )
                if created.status != 201:
                    raise RuntimeError(f"benchmark: create answered {created.status}: {created.text[:200]}")
                cancellation_id = created.json["cancellationId"]

                def asked(cid: str = cancellation_id) -> str | None:
                    found = store.load(cid)
                    if found is None or found.task is None:
                        return None
                    return next(
                        (
                            e["Detail"]["callbackUrl"]
                            for e in stack.events
                            if e["DetailType"] == "Cancellation Requested"
                            and e["Detail"]["cancellationId"] == cid
                        ),
                        None,
                    )

                url = _wait(asked, "the fulfilment wait")
                parts = urlsplit(url)
                answered = stack.http(
                    "POST",
                    parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    body={"outcome": "stopped", "note": ""},
                    headers={"content-type": "application/json"},
                )
                if answered.status != 200:
                    raise RuntimeError(f"benchmark: answer {answered.status}: {answered.text[:200]}")
                machine = stack.state_machines["CancellationsStateMachine"]
                arn = machine.replace(":stateMachine:", ":execution:") + ":" + cancellation_id
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
        units = dynamodb_figures(counts["meter"], cancellations)
        events = sum(1 for e in stack.events if e.get("Source") == "shop.returns")
        requests: Counter[tuple[str, str]] = counts["requests"]
        ddb = sum(n for (service, _), n in requests.items() if service == "dynamodb")
        secrets = sum(n for (service, _), n in requests.items() if service == "secretsmanager")
        lambdas = sum(counts["lambda"].values())
    n = cancellations
    per: dict[str, Any] = {
        "cancellations": n,
        "seconds_in_moto": elapsed / n,
        "state_transitions": transitions / n,
        "lambda_invocations": lambdas / n,
        "lambda_by_function": {k: v / n for k, v in sorted(counts["lambda"].items())},
        "dynamodb_requests": ddb / n,
        "dynamodb_by_operation": {
            op: c / n for (service, op), c in sorted(requests.items()) if service == "dynamodb"
        },
        "dynamodb": units,
        "dynamodb_wru": units["wru"],
        "dynamodb_rru": units["rru"],
        "events": events / n,
        "http_requests": 2.0,
        "secrets_calls": secrets / n,
    }
    cost = {
        "Step Functions": per["state_transitions"] * PRICES["sfn_transition"],
        "Lambda": per["lambda_invocations"]
        * (
            PRICES["lambda_request"]
            + ASSUMED_LAMBDA_MS / 1000 * LAMBDA_MEMORY_GB * PRICES["lambda_gb_second_arm"]
        ),
        "DynamoDB": per["dynamodb_wru"] * PRICES["ddb_wru"] + per["dynamodb_rru"] * PRICES["ddb_rru"],
        "EventBridge": per["events"] * PRICES["eventbridge_event"],
        "HTTP API": per["http_requests"] * PRICES["http_api_request"],
        "Secrets Manager": per["secrets_calls"] * PRICES["secrets_call"],
    }
    per["cost_per_1000"] = {k: v * 1000 for k, v in cost.items()}
    return per


def main() -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        figures = run()
    print(
        f"Cancellations: {figures['cancellations']} paid ones (create, fulfilment stopped, refund, completed)"
    )
    print(f"  state transitions per cancellation   {figures['state_transitions']:.1f}")
    print(f"  Lambda invocations per cancellation  {figures['lambda_invocations']:.1f}")
    for name, count in figures["lambda_by_function"].items():
        print(f"      {name:<36} {count:.1f}")
    print(f"  DynamoDB requests per cancellation   {figures['dynamodb_requests']:.1f}")
    for name, count in figures["dynamodb_by_operation"].items():
        print(f"      {name:<36} {count:.1f}")
    print_dynamodb(figures["dynamodb"], "cancellation")
    print(f"  EventBridge events per cancellation  {figures['events']:.1f}")
    total = sum(figures["cost_per_1000"].values())
    print(f"Cost per 1,000 cancellations: ${total:.2f}")
    print_prices()
    for name, value in figures["cost_per_1000"].items():
        print(f"  {name:<18} ${value:.4f}")


if __name__ == "__main__":
    main()
