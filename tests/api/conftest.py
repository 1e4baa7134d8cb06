"""The API tests act on returns themselves and never wait out a time limit: give them long limits,
so a loaded machine cannot approve or expire a return before the test gets to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from local.payments import FakePaymentProvider
from local.stack import MOTO_CONFIG, Stack, deploy
from tests.api.client import API_PARAMETERS


@pytest.fixture
def stack(payments: FakePaymentProvider) -> Iterator[Stack]:
    """template.yaml in a fresh moto, with the fast retries but long review and receipt limits."""
    with mock_aws(config=MOTO_CONFIG):
        deployed = deploy(parameters={**API_PARAMETERS, "PaymentApiUrl": payments.url})
        try:
            yield deployed
        finally:
            deployed.close()
