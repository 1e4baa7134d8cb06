"""``Idempotency-Key`` for the creates (``POST /returns``, ``POST /orders/{orderId}/cancellations``):
a retried request gets the first answer back.

Powertools idempotency on the IdempotencyTable (DynamoDB). The key is the header *and* the
caller, so two customers choosing the same key never share an answer; the validated body is the
payload checked on a replay, so reusing a key for a different request is refused (422) instead
of silently answering about another return. Failures are not remembered: a request refused with
4xx can be corrected and retried under the same key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools.utilities.idempotency import (
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service.api.params import IDEMPOTENCY_HEADER
from returns_service.errors import Conflict, Unprocessable
from returns_service.store.idempotency import persistence_layer

HEADER = IDEMPOTENCY_HEADER
EXPIRES_AFTER_SECONDS = 24 * 3600


def once(
    *,
    key: str,
    caller: str,
    payload: dict[str, Any],
    operation: Callable[[], dict[str, Any]],
    lambda_context: LambdaContext | None = None,
    scope: str = "returns-create",
) -> dict[str, Any]:
    """Run ``operation`` once per (caller, key); a replay with the same payload gets its stored
    answer, a different payload 422, a replay while the first is still running 409.

    The Lambda context bounds the in-progress record by the invocation's remaining time, so a
    request cut short by a timeout does not hold its key for the whole expiry. ``scope`` names
    what is created (``returns-create``, ``cancellations-create``): one key never answers both."""
    config = IdempotencyConfig(
        event_key_jmespath="[caller, key]",
        payload_validation_jmespath="payload",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=EXPIRES_AFTER_SECONDS,
        lambda_context=lambda_context,
    )
    persistence = persistence_layer()

    def run(request: dict[str, Any]) -> dict[str, Any]:
        return operation()

    guarded = cast(
        Callable[..., dict[str, Any]],
        idempotent_function(
            run,
            data_keyword_argument="request",
            persistence_store=persistence,
            config=config,
            key_prefix=scope,
        ),
    )
    try:
        result = guarded(request={"caller": caller, "key": key, "payload": payload})
    except IdempotencyValidationError:
        raise Unprocessable(
            f"This {HEADER} was already used for a different request; use a new key for a new request.",
            [{"location": "header", "field": HEADER, "issue": "reused with a different body"}],
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            f"A request with this {HEADER} is still being processed; retry in a moment.",
            [{"location": "header", "field": HEADER, "issue": "in progress"}],
        ) from None
    return result
