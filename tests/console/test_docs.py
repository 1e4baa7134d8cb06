"""/docs in a real browser (Debian's Chromium through Playwright, no network): Swagger UI renders
openapi.json from the assets the local server serves itself, and without JavaScript the page
still leads to /openapi.json. Skipped without Chromium as the console's tests are (required in CI)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from moto import mock_aws

from local.server import LocalService, make_server
from local.stack import MOTO_CONFIG, deploy
from tests.console.conftest import INSTALL_HINT, browser_missing

MISSING = browser_missing()
if MISSING:
    if os.environ.get("CONSOLE_BROWSER_REQUIRED"):
        raise RuntimeError(f"browser tests required (CONSOLE_BROWSER_REQUIRED) but {MISSING}; {INSTALL_HINT}")
    pytest.skip(f"browser tests of /docs skipped: {MISSING}; {INSTALL_HINT}", allow_module_level=True)

FIXTURE = Path(__file__).parents[1] / "local" / "fixture" / "template.yaml"


@pytest.fixture(scope="module")
def docs_url() -> Iterator[str]:
    with mock_aws(config=MOTO_CONFIG):
        stack = deploy(template=FIXTURE)
        server = make_server(LocalService(stack, "http://127.0.0.1"), "127.0.0.1", 0)
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        serving.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}/docs"
        finally:
            server.shutdown()
            server.server_close()
            stack.close()


def test_swagger_ui_renders_the_api_from_local_assets_only(browser, docs_url) -> None:
    page = browser.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    try:
        page.goto(docs_url)
        title = page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
        assert title is not None and "Returns service HTTP API" in title.inner_text()
        assert page.locator(".opblock").count() >= 12, "every route is listed"
        assert hosts == {urlsplit(docs_url).netloc}, f"requests left the local server: {hosts}"
    finally:
        page.close()


def test_without_javascript_the_page_still_leads_to_the_document(browser, docs_url) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(docs_url)
        link = page.locator("#docs-fallback a")
        assert link.get_attribute("href") == "/openapi.json"
        assert "did not run" in page.locator("#docs-fallback").inner_text()
    finally:
        context.close()
