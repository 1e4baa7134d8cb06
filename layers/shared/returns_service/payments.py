"""The payment-provider port: refunds go out through it, keyed by the refund id.

``HttpPaymentProvider`` talks to the real payment API (the refund id is the idempotency key, so a
retried call never pays twice); ``FakePaymentProvider`` (tests and the local stack) records refunds
in memory and can be told to fail. ``PAYMENT_PROVIDER`` picks one.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from returns_service import aws, config


class PaymentError(Exception):
    """The refund was not paid."""


class PaymentUnavailable(PaymentError):
    """Transient (timeout, 5xx, throttled): the workflow retries with backoff."""


class PaymentDeclined(PaymentError):
    """Refused for good (4xx): retries will not help until someone looks at it."""


@dataclass(frozen=True)
class RefundOrder:
    refund_id: str
    order_id: str
    return_id: str
    currency: str
    amount: str
    payments: tuple[tuple[str, str], ...]

    def body(self) -> dict[str, Any]:
        return {
            "refundId": self.refund_id,
            "orderId": self.order_id,
            "returnId": self.return_id,
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
        self._secrets = SecretsProvider(boto3_client=aws.secretsmanager())

    def _api_key(self) -> str:
        value = self._secrets.get(self._secret_id, max_age=300)
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


class FakePaymentProvider:
    """Records refunds in memory, once per refund id; ``fail_next`` makes the next calls fail."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.refunds: dict[str, RefundOrder] = {}
        self.calls = 0
        self._failures = 0
        self._permanent = False

    def clear(self) -> None:
        """Forget every refund and pending failure (a fresh stack)."""
        with self._lock:
            self.refunds = {}
            self.calls = 0
            self._failures = 0
            self._permanent = False

    def fail_next(self, times: int, *, permanent: bool = False) -> None:
        """Fail the next ``times`` calls (transiently, or as a decline when ``permanent``)."""
        with self._lock:
            self._failures = times
            self._permanent = permanent

    def refund(self, order: RefundOrder) -> PaymentReceipt:
        with self._lock:
            self.calls += 1
            if self._failures > 0:
                self._failures -= 1
                if self._permanent:
                    raise PaymentDeclined("fake provider: declined")
                raise PaymentUnavailable("fake provider: unavailable")
            first = self.refunds.setdefault(order.refund_id, order)
            if first != order:
                raise PaymentDeclined(f"fake provider: refund {order.refund_id} reused with another body")
            return PaymentReceipt(refund_id=order.refund_id, reference=f"fake-{order.refund_id}")

    def total_paid(self, order_id: str) -> int:
        """Minor units refunded for an order (every amount has the same digits per currency)."""
        return sum(int(r.amount.replace(".", "")) for r in self.refunds.values() if r.order_id == order_id)


FAKE = FakePaymentProvider()
_http: HttpPaymentProvider | None = None
_fake_failures_applied = False


def _apply_fake_failures() -> None:
    """``FAKE_PAYMENT_FAILURES`` (``N`` or ``N:permanent``): the fake fails its first N calls.

    Lets the local stack show REFUND_FAILED and retry-refund without code; tests call fail_next.
    """
    global _fake_failures_applied
    if _fake_failures_applied:
        return
    _fake_failures_applied = True
    count, _, kind = config.fake_payment_failures().partition(":")
    if int(count or "0") > 0:
        FAKE.fail_next(int(count), permanent=kind == "permanent")


def provider() -> PaymentProvider:
    """The provider ``PAYMENT_PROVIDER`` names (the fake is one shared instance per process)."""
    global _http
    if config.payment_provider() == "fake":
        _apply_fake_failures()
        return FAKE
    if _http is None:
        _http = HttpPaymentProvider(
            config.payment_api_url(), config.payment_secret_id(), config.payment_timeout_seconds()
        )
    return _http


def reset() -> None:
    """Forget the HTTP adapter and clear the fake (tests)."""
    global _http, _fake_failures_applied
    _http = None
    _fake_failures_applied = False
    FAKE.clear()


aws.on_reset(reset)
