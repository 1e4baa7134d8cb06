"""The CS console in a real browser: Playwright for Python driving Debian's Chromium
(`/usr/bin/chromium`, never a downloaded browser) against the local stack served in-process.

One browser for the session and one stack for the module (tests/console/test_console.py): the stack
is template.yaml in moto behind the same HTTP server `make run` uses, on a free port, with the
example orders and the console's sample returns, so a test only adds the returns it acts on.
Without Chromium or a CJK font the tests are skipped with how to get them; CI (`.ci/run`) installs
both and sets CONSOLE_BROWSER_REQUIRED=1, so there they fail instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from local.demo import Client
from local.orders import load_example_orders, moved_to_present
from local.payments import FakePaymentProvider, running
from local.server import LocalService, make_server
from local.stack import MOTO_CONFIG, REPO_ROOT, TEMPLATE_PATH, deploy
from local.template import Resolver, load_template, parameter_values
from tests.fast_parameters import FAST_PARAMETERS

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
INSTALL_HINT = (
    "get them with `sudo apt-get update && sudo apt-get install -y chromium fonts-noto-cjk`"
    " (`.ci/run` does this in CI)"
)
SCREENSHOTS = REPO_ROOT / "docs" / "img"
# The tests decide themselves: long review and receipt limits, fast retries, the fake payments.
# The agents' tests decide and answer themselves: no time limit may race them on a loaded machine
# (a 3 s fulfilment stop once failed a cancellation before the test's "stopped" arrived).
CONSOLE_PARAMETERS = {
    **FAST_PARAMETERS,
    "ReviewTimeoutSeconds": "600",
    "ReceiptTimeoutSeconds": "600",
    "FulfilmentStopTimeoutSeconds": "600",
    "InterceptionTimeoutSeconds": "600",
}


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (`make install`)"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM}"
    if shutil.which("fc-list"):
        fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False)
        if not fonts.stdout.strip():
            return "no Chinese font for Chromium (fonts-noto-cjk)"
    return None


def screenshot_path(name: str) -> Path | None:
    """Where to write a README screenshot, when CONSOLE_SCREENSHOTS is set (`make screenshots`)."""
    if not os.environ.get("CONSOLE_SCREENSHOTS"):
        return None
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name


class _Ids:
    """Physical ids for resolving the template outside a deployment: `Ref X` is `x-id`."""

    def ref(self, logical_id: str) -> str:
        return f"{logical_id.lower()}-id"

    def get_att(self, logical_id: str, attribute: str) -> str:
        return f"{logical_id.lower()}-{attribute.lower()}"


def cloudfront_config_code(parameters: dict[str, str] | None = None) -> str:
    """The JavaScript of template.yaml's ConsoleConfigFunction with `parameters` filled in, as
    CloudFront runs it (the API's id is `returnshttpapi-id`)."""
    template = load_template(TEMPLATE_PATH)
    pseudo = {
        "AWS::Region": "us-east-1",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::AccountId": "123456789012",
        "AWS::Partition": "aws",
        "AWS::StackName": "returns-service",
    }
    resolver = Resolver(template, parameter_values(template, parameters), pseudo, _Ids())
    code = resolver.resolve(template["Resources"]["ConsoleConfigFunction"]["Properties"]["FunctionCode"])
    return str(code)


@dataclass
class LocalConsole:
    """The running local stack: its URL, an HTTP client for the customer's and the warehouse's
    side, and the service (for tokens signed as the stack's authorizer expects)."""

    base_url: str
    client: Client
    service: LocalService
    samples: list[dict[str, str]]
    payments: FakePaymentProvider

    @property
    def console_url(self) -> str:
        return f"{self.base_url}/console/"

    def fresh_order(self, example: str, **changes: Any) -> str:
        """A copy of an example order under a new id, delivered a day ago, put on the bus."""
        order_id = f"{example}-T{uuid.uuid4().hex[:6].upper()}"
        snapshot = moved_to_present({**load_example_orders()[example], "orderId": order_id, **changes})
        self.client.expect(202, "POST", "/_local/orders", snapshot)
        return order_id

    def ask_return(
        self, order_id: str, lines: list[dict[str, Any]], reason: str, customer: str = "cust-1001"
    ) -> str:
        """The customer asks for a return; answers once it waits for review."""
        body = {
            "orderId": order_id,
            "lines": lines,
            "reason": reason,
            "reasonDetail": "test",
            "method": "pickup",
        }
        created = self.client.expect(201, "POST", "/returns", body, token=self.client.token(customer))
        return_id = str(created["returnId"])
        self.wait_status(return_id, "PENDING_REVIEW")
        return return_id

    def agent_token(self, name: str = "api-agent") -> str:
        return self.client.token(name, ["cs"])

    def cs_view(self, return_id: str) -> dict[str, Any]:
        view: dict[str, Any] = self.client.expect(
            200, "GET", f"/cs/returns/{return_id}", token=self.agent_token()
        )
        return view

    def wait_status(self, return_id: str, status: str, timeout: float = 15.0) -> dict[str, Any]:
        import time

        deadline = time.monotonic() + timeout
        while True:
            view = self.cs_view(return_id)
            if view["status"] == status:
                return view
            if time.monotonic() > deadline:
                raise AssertionError(f"{return_id} is {view['status']}, not {status}")
            time.sleep(0.05)

    def approve(self, return_id: str) -> None:
        body = {"decision": "approve", "returnShippingPaidBy": "merchant", "note": "approved by the test"}
        self.client.expect(200, "POST", f"/cs/returns/{return_id}/review", body, token=self.agent_token())
        self.wait_status(return_id, "AWAITING_RECEIPT")

    def receive(self, return_id: str, lines: list[dict[str, Any]]) -> None:
        """The warehouse calls the signed URL of the return's `Return Awaiting Receipt` event."""
        import time

        deadline = time.monotonic() + 15
        while (path := self.service.callback_path(return_id)) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"no receipt URL for {return_id}")
            time.sleep(0.05)
        body = {"lines": lines, "inspector": "wh-test", "note": "inspected"}
        self.client.expect(200, "POST", f"{self.base_url}{path}", body)


@pytest.fixture(scope="module")
def local_console() -> Iterator[LocalConsole]:
    """template.yaml in moto behind `make run`'s HTTP server, on a free port, for one test module
    (moto is process-wide: a stack must not outlive the module that uses it)."""
    with running() as payments, mock_aws(config=MOTO_CONFIG):
        stack = deploy(parameters={**CONSOLE_PARAMETERS, "PaymentApiUrl": payments.url})
        service = LocalService(stack, "http://127.0.0.1")
        server = make_server(service, "127.0.0.1", 0)
        base_url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        thread.start()
        try:
            service.seed_examples()
            samples = service.seed_sample_returns()
            yield LocalConsole(base_url, Client(base_url), service, samples, payments)
        finally:
            server.shutdown()
            server.server_close()
            stack.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One Chromium for the whole session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


OpenPage = Callable[..., Any]


@pytest.fixture
def open_console(browser: Any, local_console: LocalConsole) -> Iterator[OpenPage]:
    """`open_console("agent-1")`: a fresh browser context (its own sessionStorage) at the console,
    signed in as that local agent; `open_console(None)` stays on the sign-in page. Page errors fail
    the test."""
    contexts = []
    errors: list[str] = []

    def open_page(agent: str | None = "agent-1", width: int = 1280, height: int = 800) -> Any:
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="en-GB", timezone_id="Asia/Shanghai"
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{agent}: {error}"))
        page.goto(local_console.console_url)
        if agent is not None:
            page.get_by_role("button", name=f"Sign in as {agent}").click()
            page.get_by_role("heading", name="Returns queue").wait_for()
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, errors
