"""A caller of the HTTP API for the API tests: the storefront, CS and warehouse as they would call
it, through the routes and the JWT gate of template.yaml (``stack.http``).

Every answer is checked on the way: it carries a correlation id and leaks nothing internal
(stack traces, table names, ARNs, task tokens), whatever the route and whatever the status.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from moto import mock_aws

from local.httpapi import HttpResponse
from local.orders import load_example_orders, moved_to_present, publish_order
from local.payments import FakePaymentProvider, running
from local.stack import MOTO_CONFIG, Stack, deploy
from returns_service import signing
from tests.fast_parameters import FAST_PARAMETERS

CUSTOMER: dict[str, Any] = {"sub": "cust-1001", "cognito:username": "cust-1001"}
OTHER_CUSTOMER: dict[str, Any] = {"sub": "cust-1002", "cognito:username": "cust-1002"}
AGENT: dict[str, Any] = {"sub": "agent-7", "cognito:username": "mei", "cognito:groups": ["cs"]}
LEAK_MARKERS = ("Traceback", "taskToken", "task_token", "arn:aws:", 'File "', "botocore", "boto3")

# The API tests decide and receive themselves; they never wait out a time limit.
API_PARAMETERS: dict[str, str] = {
    **FAST_PARAMETERS,
    "ReviewTimeoutSeconds": "300",
    "ReceiptTimeoutSeconds": "300",
    "FulfilmentStopTimeoutSeconds": "300",
    "InterceptionTimeoutSeconds": "300",
}


class Api:
    """``stack.http`` with the checks every response must pass."""

    def __init__(self, stack: Stack, payments: FakePaymentProvider | None = None) -> None:
        self.stack = stack
        self.payments = payments  # the provider it refunds through, when the test holds it
        self.secrets = sorted(
            {
                value
                for name, value in stack.env.items()
                if len(value) >= 8
                and not name.startswith("POWERTOOLS_")
                and any(part in name for part in ("TABLE", "ARN", "BUS", "SECRET", "QUEUE"))
            }
        )

    def call(
        self,
        method: str,
        path: str,
        *,
        claims: dict[str, Any] | None = None,
        body: Any = None,
        raw_body: str | bytes | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str | list[str]] | None = None,
    ) -> HttpResponse:
        response = self.stack.http(
            method, path, body=body, raw_body=raw_body, headers=headers, query=query, claims=claims
        )
        self.check(response)
        return response

    def check(self, response: HttpResponse) -> None:
        """No internals in any answer; the function's answers carry a correlation id and, when
        refused, the contract's error body."""
        for marker in (*LEAK_MARKERS, *self.secrets):
            assert marker not in response.text, f"response leaks {marker!r}: {response.text[:300]}"
        if response.json == {"message": "Unauthorized"} or response.json == {"message": "Not Found"}:
            return  # API Gateway's own answer (no token / no route): the function never ran
        assert response.headers.get("x-correlation-id"), response.headers
        if response.status >= 400:
            error = response.json["error"]
            assert set(error) == {"code", "message", "details"}, error
            assert isinstance(error["message"], str) and error["message"]
            assert isinstance(error["details"], list)

    # -- storefront ------------------------------------------------------------------------
    def quote(self, order_id: str, body: Any, claims: dict[str, Any] | None = None) -> HttpResponse:
        return self.call("POST", f"/orders/{order_id}/return-quotes", body=body, claims=claims or CUSTOMER)

    def create(self, body: Any, claims: dict[str, Any] | None = None, key: str | None = None) -> HttpResponse:
        headers = {"Idempotency-Key": key} if key is not None else None
        return self.call("POST", "/returns", body=body, claims=claims or CUSTOMER, headers=headers)

    def created(self, body: Any, claims: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.create(body, claims)
        assert response.status == 201, response.text
        result: dict[str, Any] = response.json
        return result

    def get(self, return_id: str, claims: dict[str, Any] | None = None) -> HttpResponse:
        return self.call("GET", f"/returns/{return_id}", claims=claims or CUSTOMER)

    # -- CS ---------------------------------------------------------------------------------
    def cs_get(self, return_id: str) -> HttpResponse:
        return self.call("GET", f"/cs/returns/{return_id}", claims=AGENT)

    def review(self, return_id: str, body: Any, claims: dict[str, Any] | None = None) -> HttpResponse:
        return self.call("POST", f"/cs/returns/{return_id}/review", body=body, claims=claims or AGENT)

    def wait_status(self, return_id: str, *statuses: str, timeout: float = 10.0) -> dict[str, Any]:
        """Poll the CS view until the workflow has moved the return into one of ``statuses``."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.cs_get(return_id)
            assert response.status == 200, response.text
            if response.json["status"] in statuses:
                result: dict[str, Any] = response.json
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{return_id} is {response.json['status']}, not one of {statuses}")
            time.sleep(0.02)

    def approved(self, return_id: str) -> dict[str, Any]:
        """Wait for review, approve, wait until the goods are awaited."""
        self.wait_status(return_id, "PENDING_REVIEW")
        response = self.review(return_id, {"decision": "approve", "note": "ok"})
        assert response.status == 200, response.text
        return self.wait_status(return_id, "AWAITING_RECEIPT")

    # -- warehouse --------------------------------------------------------------------------
    def wait_event(
        self, detail_type: str, return_id: str, timeout: float = 10.0, key: str = "returnId"
    ) -> dict[str, Any]:
        """The ``detail`` of the service's event of this type for this return (or, with ``key``
        ``cancellationId``, this cancellation), once published."""
        deadline = time.monotonic() + timeout
        while True:
            for event in reversed(self.stack.events_of(detail_type)):
                if event["Detail"].get(key) == return_id:
                    detail: dict[str, Any] = event["Detail"]
                    return detail
            if time.monotonic() > deadline:
                raise AssertionError(f"no {detail_type} event for {return_id}")
            time.sleep(0.02)

    def callback_url(self, return_id: str) -> str:
        """The signed URL of the ``Return Awaiting Receipt`` event of this return (the workflow
        publishes it once its receipt step waits, shortly after the status changed)."""
        return str(self.wait_event("Return Awaiting Receipt", return_id)["callbackUrl"])

    def receipt(self, url: str, body: Any = None, *, raw_body: str | bytes | None = None) -> HttpResponse:
        """POST to a callback URL as the warehouse does (no JWT)."""
        parts = urlsplit(url)
        query: dict[str, str | list[str]] = {k: v[0] for k, v in parse_qs(parts.query).items()}
        return self.call("POST", parts.path, body=body, raw_body=raw_body, query=query, claims=None)


@contextmanager
def shared_stack(*order_ids: str, parameters: dict[str, str] | None = None) -> Iterator[Api]:
    """One deployed stack for a module of tests that only read or are refused (validation, auth),
    or that each work on their own orders: deploying costs about a second, so they share one.
    ``parameters`` override template parameters (e.g. a short time limit)."""
    with running() as payments, mock_aws(config=MOTO_CONFIG):
        stack = deploy(parameters={**API_PARAMETERS, **(parameters or {}), "PaymentApiUrl": payments.url})
        try:
            orders = load_example_orders()
            for order_id in order_ids:
                publish_order(stack, present(orders[order_id]))
            yield Api(stack, payments)
        finally:
            stack.close()


def signed_url(return_id: str, expires: int = 4_102_444_800) -> str:
    """A receipt URL signed with the deployed key, as the service signs them (default expiry
    2100-01-01)."""
    signature = signing.signature(return_id, expires)
    return f"/warehouse/returns/{return_id}/receipt?expires={expires}&signature={signature}"


def present(snapshot: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """An example order delivered a day ago (inside every return window), with ``changes``."""
    moved = moved_to_present(snapshot)
    moved.update(changes)
    return moved


def one(line_id: str = "L2", quantity: int = 1) -> list[dict[str, Any]]:
    return [{"lineId": line_id, "quantity": quantity}]


def new_return(
    order_id: str = "O-SEED-1", lines: list[dict[str, Any]] | None = None, reason: str = "no_longer_needed"
) -> dict[str, Any]:
    return {
        "orderId": order_id,
        "lines": lines or one(),
        "reason": reason,
        "reasonDetail": "changed my mind",
        "method": "pickup",
    }
