"""The CS console on the local stack: its static files at /console/, its configuration, and sample
returns so that a fresh `make run` has something in the queue.

In AWS the same files sit in a private S3 bucket behind CloudFront, whose function answers
`config.json` with the OIDC settings (template.yaml); here `config.json` names the local
development tokens instead, so signing in is picking an agent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from local.httpapi import HttpResponse
from local.orders import load_example_orders, moved_to_present
from local.stack import REPO_ROOT

CONSOLE_DIR = REPO_ROOT / "console"
PREFIX = "/console"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
}
# What the page may load and call: itself; https for an OIDC provider. CloudFront sends the
# stricter production policy (template.yaml, ConsoleHeadersPolicy).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' https:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
LOCAL_AGENTS = [
    {"sub": "agent-1", "label": "agent-1"},
    {"sub": "agent-2", "label": "agent-2"},
]

# Sample returns asked for at start, on copies of the example orders (the originals stay as they
# are for `make demo` and the README walkthrough): (order, copy suffix, lines, reason, detail,
# what happens before an agent sees it).
T = TypeVar("T")
SAMPLE_SUFFIX = "-SAMPLE"
SAMPLES: list[dict[str, Any]] = [
    {
        "orderId": "O-SEED-1",
        "lines": [{"lineId": "L2", "quantity": 1}],
        "reason": "no_longer_needed",
        "reasonDetail": "bought two by mistake",
        "then": "review",
    },
    {
        "orderId": "O-MIX-2",
        "lines": [{"lineId": "L2", "quantity": 1}],
        "reason": "not_as_described",
        "reasonDetail": "the colour is not the one in the photos",
        "then": "review",
    },
    {
        "orderId": "O-POP-4",
        "lines": [{"lineId": "L1", "quantity": 1}],
        "reason": "size_or_fit",
        "reasonDetail": "does not fit my phone",
        "then": "damaged",
    },
]


def console_config(agents: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """config.json of the local console: same-origin API, sign-in with development tokens."""
    return {
        "apiBase": "",
        "auth": {"kind": "local", "tokenUrl": "/_local/tokens", "agents": agents or LOCAL_AGENTS},
    }


def serve(method: str, path: str, root: Path = CONSOLE_DIR) -> HttpResponse | None:
    """The answer for a /console path, or None when `path` is not the console's."""
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return None
    if method not in ("GET", "HEAD"):
        return _plain(405, "the console is static: GET only")
    if path == PREFIX:
        return HttpResponse.of(301, {"location": PREFIX + "/", "content-type": "text/plain"}, "")
    relative = path[len(PREFIX) + 1 :] or "index.html"
    if relative == "config.json":
        return _answer(200, ".json", json.dumps(console_config(), indent=2))
    file = _file(root, relative)
    if file is None:
        return _plain(404, f"no console file {relative}")
    return _answer(200, file.suffix, file.read_text(encoding="utf-8"))


def _file(root: Path, relative: str) -> Path | None:
    """The file under `root` for a request path; None for anything outside it or not served."""
    base = root.resolve()
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    if candidate.suffix not in CONTENT_TYPES:
        return None
    return candidate


def _answer(status: int, suffix: str, text: str) -> HttpResponse:
    return HttpResponse.of(
        status,
        {
            "content-type": CONTENT_TYPES[suffix],
            "cache-control": "no-store",
            "content-security-policy": CONTENT_SECURITY_POLICY,
            "x-content-type-options": "nosniff",
            "referrer-policy": "no-referrer",
        },
        text,
    )


def _plain(status: int, message: str) -> HttpResponse:
    return HttpResponse.of(status, {"content-type": "text/plain; charset=utf-8"}, message)


# ---------------------------------------------------------------------------------------------
# Sample returns
# ---------------------------------------------------------------------------------------------
Handle = Callable[[str, str, Mapping[str, str], bytes], HttpResponse]


class SampleError(RuntimeError):
    """A sample return could not be set up; the message says which step answered what."""


def seed_sample_returns(
    handle: Handle,
    token_for: Callable[[str, list[str]], str],
    publish: Callable[[dict[str, Any]], None],
    callback_path: Callable[[str], str | None],
    *,
    timeout: float = 20.0,
) -> list[dict[str, str]]:
    """Asks for the SAMPLES through the HTTP API, as their customers would, on copies of the example
    orders (`O-SEED-1-SAMPLE`, ...); a `damaged` sample is approved by `cs:sample` and received
    damaged by the warehouse, so it waits for a damage review. Returns [{returnId, orderId,
    status}]. `callback_path(returnId)` is the signed receipt path once published, else None."""
    examples = load_example_orders()
    agent = token_for("sample", ["cs"])
    seeded = []
    for sample in SAMPLES:
        snapshot = moved_to_present({**examples[sample["orderId"]]})
        snapshot["orderId"] = sample["orderId"] + SAMPLE_SUFFIX
        publish(snapshot)
        customer = token_for(str(snapshot["customerId"]), [])
        body = {
            "orderId": snapshot["orderId"],
            "lines": sample["lines"],
            "reason": sample["reason"],
            "reasonDetail": sample["reasonDetail"],
            "method": "pickup",
        }
        created = _call(handle, "POST", "/returns", customer, body, 201)
        return_id = str(created["returnId"])
        _wait(handle, return_id, agent, "PENDING_REVIEW", timeout)
        if sample["then"] == "damaged":
            review = {"decision": "approve", "returnShippingPaidBy": "merchant", "note": "sample: approved"}
            _call(handle, "POST", f"/cs/returns/{return_id}/review", agent, review, 200)
            path = _until(partial(callback_path, return_id), timeout, f"{return_id}: no receipt URL")
            receipt = {
                "lines": [{**line, "condition": "damaged"} for line in sample["lines"]],
                "inspector": "wh-sample",
                "note": "sample: the case is cracked",
            }
            _call(handle, "POST", path, None, receipt, 200)
            _wait(handle, return_id, agent, "PENDING_DAMAGE_REVIEW", timeout)
        status = _call(handle, "GET", f"/cs/returns/{return_id}", agent, None, 200)["status"]
        seeded.append({"returnId": return_id, "orderId": str(snapshot["orderId"]), "status": str(status)})
    return seeded


def _call(handle: Handle, method: str, target: str, token: str | None, body: Any, expected: int) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    raw = b"" if body is None else json.dumps(body).encode()
    answer = handle(method, target, headers, raw)
    if answer.status != expected:
        raise SampleError(f"{method} {target.split('?')[0]}: {answer.status} {answer.text[:300]}")
    return answer.json


def _wait(handle: Handle, return_id: str, token: str, status: str, timeout: float) -> None:
    def reached() -> bool | None:
        now = _call(handle, "GET", f"/cs/returns/{return_id}", token, None, 200)["status"]
        return True if now == status else None

    _until(reached, timeout, f"{return_id} did not reach {status}")


def _until(probe: Callable[[], T | None], timeout: float, failure: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise SampleError(failure)
        time.sleep(0.05)
