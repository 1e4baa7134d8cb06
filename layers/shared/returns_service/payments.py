"""The payment provider: refunds go out through its API, keyed by the refund id.

``HttpPaymentProvider`` talks to the payment API (the refund id is the idempotency key, so a
retried call never pays twice). The local stack and the tests point ``PAYMENT_API_URL`` at a fake
provider of their own (local/payments.py): the same code runs everywhere.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol

from returns_service import aws
from returns_service.settings import settings


class PaymentError(Exception):
    """The refund was not paid."""


class PaymentUnavailable(PaymentError):
    """Transient (timeout, 5xx, throttled): the workflow retries with backoff."""


class PaymentDeclined(PaymentError):
    """Refused for good (4xx): retries will not help until someone looks at it."""


@dataclass(frozen=True)
class RefundOrder:
    """One refund to pay. ``return_id`` is the id of what is refunded: a return, or (``kind``
    ``cancellation``) a cancellation, sent as ``returnId`` / ``cancellationId``."""

    refund_id: str
    order_id: str
    return_id: str
    currency: str
    amount: str
    payments: tuple[tuple[str, str], ...]
    kind: str = "return"

    def body(self) -> dict[str, Any]:
        case = "cancellationId" if self.kind == "cancellation" else "returnId"
        return {
            "refundId": self.refund_id,
            "orderId": self.order_id,
            case: self.return_id,
            "currency": self.currency,
            "amount": self.amount,
            "payments": [{"paymentId": p, "amount": a} for p, a in self.payments],
        }


@dataclass(frozen=True)
class PaymentReceipt:
    refund_id: str
    reference: str


class PaymentProvider(Protocol):
    def refund(self, order: RefundOrder) -> PaymentReceipt:
        """Pay ``order`` once: a repeated call with the same refund id returns the first receipt."""
        ...


class HttpPaymentProvider:
    """``POST {PAYMENT_API_URL}/refunds`` with a bearer key from Secrets Manager."""

    def __init__(self, url: str, secret_id: str, timeout: float) -> None:
        self._url = url.rstrip("/") + "/refunds"
        self._secret_id = secret_id
        self._timeout = timeout

    def _api_key(self) -> str:
        value = aws.secrets().get(self._secret_id, max_age=300)
        text = value.decode() if isinstance(value, bytes) else str(value)
        try:
            parsed = json.loads(text)
        except ValueError:
            return text
        return str(parsed.get("apiKey", text)) if isinstance(parsed, dict) else text

    def refund(self, order: RefundOrder) -> PaymentReceipt:
        request = urllib.request.Request(
            self._url,
            data=json.dumps(order.body()).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": order.refund_id,
                "Authorization": f"Bearer {self._api_key()}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            if error.code in (408, 425, 429) or error.code >= 500:
                raise PaymentUnavailable(f"payment API answered {error.code}") from None
            raise PaymentDeclined(f"payment API refused the refund ({error.code})") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise PaymentUnavailable(f"payment API unreachable: {error}") from None
        except ValueError:
            raise PaymentUnavailable("payment API answered with something that is not JSON") from None
        reference = payload.get("reference") or payload.get("id") or order.refund_id
        return PaymentReceipt(refund_id=order.refund_id, reference=str(reference))


@cache
def _http_provider(url: str, secret_id: str, timeout: int) -> HttpPaymentProvider:
    return HttpPaymentProvider(url, secret_id, timeout)


def provider() -> PaymentProvider:
    """The payment API the function's settings name (one adapter per URL, secret and timeout)."""
    return _http_provider(
        settings.payment_api_url, settings.payment_secret_id, settings.payment_timeout_seconds
    )
