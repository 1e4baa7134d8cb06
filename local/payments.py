"""A fake payment provider for the local stack and the tests: a real HTTP endpoint on 127.0.0.1.

The service's own adapter (returns_service.payments.HttpPaymentProvider) calls it exactly as it
calls the real provider (``POST <url>/refunds``, the refund id as ``Idempotency-Key``, a bearer
key), so nothing in the Lambda layer knows it is talking to a fake. It records each refund once
per refund id and can be told to fail: transiently (503, the workflow retries) or for good (422).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakePaymentProvider:
    """``start()`` it, give its ``url`` as the template's ``PaymentApiUrl``, ``stop()`` it after."""

    def __init__(self, failures: str = "0") -> None:
        self._lock = threading.Lock()
        self.refunds: dict[str, dict[str, Any]] = {}
        self.calls = 0
        self._failures = 0
        self._permanent = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.fail_spec(failures)

    # -- what tests and `make run` control ---------------------------------------------------
    def fail_next(self, times: int, *, permanent: bool = False) -> None:
        """Fail the next ``times`` calls (transiently, or as a decline when ``permanent``)."""
        with self._lock:
            self._failures = times
            self._permanent = permanent

    def fail_spec(self, spec: str) -> None:
        """``N`` or ``N:permanent`` (``N:transient``): how `make run` asks for failures."""
        count, _, kind = spec.partition(":")
        if not count.isdigit() or kind not in ("", "permanent", "transient"):
            raise ValueError(f"payment failures must be N or N:permanent, got {spec!r}")
        self.fail_next(int(count), permanent=kind == "permanent")

    def total_paid(self, order_id: str) -> int:
        """Minor units refunded for an order (every amount has the same digits per currency)."""
        with self._lock:
            return sum(
                int(str(r["amount"]).replace(".", ""))
                for r in self.refunds.values()
                if r["orderId"] == order_id
            )

    # -- the HTTP side -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the fake payment provider is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def start(self) -> FakePaymentProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, answer = provider.answer(self.path, dict(self.headers), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        # A short poll: stop() waits for the loop's next look, and every test stops a provider.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-payments",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def answer(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """What the provider answers a request (also callable without HTTP)."""
        with self._lock:
            self.calls += 1
            if not path.endswith("/refunds"):
                return HTTPStatus.NOT_FOUND, {"error": f"no such route {path}"}
            key = next((v for k, v in headers.items() if k.lower() == "idempotency-key"), "")
            if not key or key != body.get("refundId"):
                return HTTPStatus.BAD_REQUEST, {"error": "the Idempotency-Key must be the refund id"}
            if self._failures > 0:
                self._failures -= 1
                if self._permanent:
                    return HTTPStatus.UNPROCESSABLE_ENTITY, {"error": "fake provider: declined"}
                return HTTPStatus.SERVICE_UNAVAILABLE, {"error": "fake provider: unavailable"}
            first = self.refunds.setdefault(key, body)
            if first != body:
                return HTTPStatus.UNPROCESSABLE_ENTITY, {"error": f"refund {key} reused with another body"}
            return HTTPStatus.OK, {"reference": f"fake-{key}"}


@contextmanager
def running(failures: str = "0") -> Iterator[FakePaymentProvider]:
    """A fake provider for the length of a block (its ``url`` is the template's PaymentApiUrl)."""
    provider = FakePaymentProvider(failures).start()
    try:
        yield provider
    finally:
        provider.stop()
