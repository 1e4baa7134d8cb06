"""Shared fixtures: a fresh moto with template.yaml deployed into it for every test, the example
orders, and seeding an order through the order-sync path (as the order system would)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

# Before anything builds a boto3 client: never reach a real account from a test.
for _name, _value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}.items():
    os.environ[_name] = _value

import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

from local.orders import load_example_orders, publish_order  # noqa: E402
from local.payments import FakePaymentProvider, running  # noqa: E402
from local.stack import MOTO_CONFIG, Stack, deploy  # noqa: E402
from tests.fast_parameters import FAST_PARAMETERS  # noqa: E402

SeedOrder = Callable[[dict[str, Any]], None]


@pytest.fixture
def payments() -> Iterator[FakePaymentProvider]:
    """The payment provider the stack refunds through (a fake on 127.0.0.1, local/payments.py)."""
    with running() as provider:
        yield provider


@pytest.fixture
def stack(payments: FakePaymentProvider) -> Iterator[Stack]:
    """template.yaml deployed into a fresh moto, with the fast time limits of FAST_PARAMETERS."""
    with mock_aws(config=MOTO_CONFIG):
        deployed = deploy(parameters={**FAST_PARAMETERS, "PaymentApiUrl": payments.url})
        try:
            yield deployed
        finally:
            deployed.close()


@pytest.fixture
def orders() -> dict[str, dict[str, Any]]:
    """The example snapshots of events/orders/ by orderId (fresh copies per test)."""
    return load_example_orders()


@pytest.fixture
def seed_order(stack: Stack) -> SeedOrder:
    """Store a snapshot through order-sync: `seed_order(orders["O-SEED-1"])`."""

    def seed(snapshot: dict[str, Any]) -> None:
        publish_order(stack, snapshot)

    return seed
