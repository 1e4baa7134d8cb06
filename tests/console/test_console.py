"""The CS console in Chromium: an agent takes returns from the queue to a decision, reads why a
refund is what it is, meets the contract's refusals in words, and does it all by keyboard."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.console.conftest import (
    INSTALL_HINT,
    LocalConsole,
    OpenPage,
    browser_missing,
    cloudfront_config_code,
    screenshot_path,
)

MISSING = browser_missing()
if MISSING:
    if os.environ.get("CONSOLE_BROWSER_REQUIRED"):
        raise RuntimeError(f"browser tests required (CONSOLE_BROWSER_REQUIRED) but {MISSING}; {INSTALL_HINT}")
    pytest.skip(
        f"browser tests of the CS console skipped: {MISSING}; {INSTALL_HINT}", allow_module_level=True
    )

from playwright.sync_api import expect  # noqa: E402

# The machine may be busy (the local stack answers one request at a time): wait up to 15 s for
# what a page shows; a passing test waits only as long as it takes.
expect.set_options(timeout=15_000)


def return_link(page: Any, return_id: str) -> Any:
    return page.locator(f'tr[data-return-id="{return_id}"] a')


def status_of(page: Any) -> Any:
    return page.locator("#return-heading .status")


def open_return(page: Any, return_id: str) -> None:
    page.goto(f"{page.url.split('#')[0]}#/returns/{return_id}")
    expect(page.locator("#return-heading")).to_contain_text(return_id)


def test_an_agent_approves_the_seed_return_from_the_queue(
    local_console: LocalConsole, open_console: OpenPage
):
    return_id = local_console.ask_return("O-SEED-1", [{"lineId": "L2", "quantity": 1}], "no_longer_needed")
    page = open_console("agent-1")
    # The queue: pending review, oldest first (the sample returns asked for at start come first).
    rows = page.locator("#queue-table tbody tr")
    expect(return_link(page, return_id)).to_be_visible()
    listed = rows.evaluate_all("rows => rows.map(r => r.dataset.returnId)")
    assert listed.index(local_console.samples[0]["returnId"]) < listed.index(return_id)
    expect(page.get_by_role("link", name="Damage review (1)")).to_be_visible()
    if path := screenshot_path("console-queue.png"):
        page.screenshot(path=str(path))

    return_link(page, return_id).click()
    expect(status_of(page)).to_have_attribute("data-status", "PENDING_REVIEW")
    page.get_by_role("button", name="Approve").click()
    message = page.locator("#decision-message")
    expect(message).to_contain_text("You approved the return, the merchant pays the return shipping")
    expect(status_of(page)).to_have_attribute("data-status", "AWAITING_RECEIPT")
    expect(page.locator("#history li").first).to_contain_text("CS agent agent-1")
    stored = local_console.cs_view(return_id)
    assert stored["status"] == "AWAITING_RECEIPT"
    assert stored["history"][-1]["actor"] == "cs:agent-1"


def test_the_promotion_clawback_is_explained(local_console: LocalConsole, open_console: OpenPage):
    order_id = local_console.fresh_order("O-SEED-1")
    return_id = local_console.ask_return(order_id, [{"lineId": "L2", "quantity": 1}], "no_longer_needed")
    page = open_console("agent-1")
    open_return(page, return_id)
    quote = page.locator("#quote-table")
    clawback = quote.locator('tr[data-kind="promotion_clawback"]')
    expect(clawback).to_contain_text("Promotion taken back")
    expect(clawback).to_contain_text("满199减100 — spend 199.00 CNY, get 100.00 CNY off")
    expect(clawback).to_contain_text("kept items (100.00) no longer reach 199.00 for 满199减100")
    expect(clawback.locator("td.num")).to_have_text("\u221250.00")
    expect(page.locator("#refund-amount")).to_have_text("0.00 CNY")
    explained = page.locator("#refund-explained")
    expect(explained).to_contain_text("50.00 \u2212 50.00 = 0.00 CNY")
    expect(explained).to_contain_text("the kept items no longer qualify")
    expect(page.locator("#payments-table")).to_contain_text("PAY-1")
    expect(page.locator("#settlement")).to_have_count(0)  # B2C: no seller to settle with
    expect(page.locator("#order-lines")).to_contain_text("Mechanical keyboard")
    expect(page.locator("#customer-figures")).to_contain_text("earlier return")
    # Chinese is set in a CJK face of the page's font stack, not left to a fallback.
    family = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Noto Sans CJK SC" in family and "WenQuanYi Zen Hei" in family
    assert page.evaluate("document.documentElement.lang") == "en"
    # Readable at 1280 px and on a smaller laptop screen: nothing wider than the window.
    for width, height in ((1280, 800), (1366, 768), (1024, 768)):
        page.set_viewport_size({"width": width, "height": height})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
    page.set_viewport_size({"width": 1280, "height": 800})
    if path := screenshot_path("console-return.png"):
        page.screenshot(path=str(path), full_page=True)


def test_an_agent_deducts_on_damaged_goods_and_sees_the_refund_once_the_customer_accepts(
    local_console: LocalConsole, open_console: OpenPage
):
    # The sample `make run` sets up: a phone case back for size_or_fit, received damaged.
    sample = next(s for s in local_console.samples if s["status"] == "PENDING_DAMAGE_REVIEW")
    return_id = sample["returnId"]
    page = open_console("agent-1")
    page.get_by_role("link", name="Damage review").click()
    return_link(page, return_id).click()
    expect(status_of(page)).to_have_attribute("data-status", "PENDING_DAMAGE_REVIEW")
    page.get_by_label("Deduct an amount for the damage").check()
    deduction = page.get_by_label("Deduction (CNY)")
    deduction.fill("9.123")
    page.get_by_role("button", name="Submit decision").click()
    expect(page.locator(".field-error")).to_have_text("CNY amounts have 2 decimals: e.g. 9.00.")
    deduction.fill("9")
    page.get_by_label("Note (optional)").fill("corner cracked")
    page.get_by_role("button", name="Submit decision").click()
    expect(page.locator("#decision-message")).to_contain_text(
        "You proposed a deduction of 9.00 CNY for the damage: the customer is asked to accept it."
    )
    # A deduction waits for the customer's answer (contract section 5a): 39.00 less the 9.00.
    expect(status_of(page)).to_have_attribute("data-status", "AWAITING_CUSTOMER")
    proposal = page.locator("#proposal")
    expect(proposal).to_contain_text("A deduction for the damage")
    expect(proposal).to_contain_text("9.00 CNY")
    expect(proposal).to_contain_text("“corner cracked”")
    expect(proposal).to_contain_text("Answer due")
    deducted = page.locator('#quote-table tr[data-kind="inspection_deduction"]')
    expect(deducted).to_contain_text("Damage deduction")
    expect(deducted.locator("td.num")).to_have_text("\u22129.00")
    expect(page.locator("#refund-amount")).to_have_text("30.00 CNY")
    # A POP order: the seller gives the 30.00 back, the platform pays nothing (no subsidy).
    settlement = page.locator("#settlement")
    expect(settlement).to_contain_text("Seller seller-778")
    expect(settlement).to_contain_text("gives back 30.00 CNY (seller debit 30.00)")
    expect(settlement).to_contain_text("pays 0.00 CNY (platform share 0.00)")

    # The customer accepts in the storefront; the page follows the return to its refund.
    client = local_console.client
    answer = {"decision": "accept", "note": "fair enough"}
    client.expect(200, "POST", f"/returns/{return_id}/proposal", answer, token=client.token("cust-1001"))
    expect(status_of(page)).to_have_attribute("data-status", "REFUNDED", timeout=30_000)
    expect(page.locator("#refund-card")).to_contain_text("Refunded 30.00 CNY")
    assert local_console.cs_view(return_id)["refund"]["refundAmount"] == "30.00"


def test_a_fee_the_customer_declines_comes_back_to_review(
    local_console: LocalConsole, open_console: OpenPage
):
    order_id = local_console.fresh_order("O-SEED-1")
    return_id = local_console.ask_return(order_id, [{"lineId": "L1", "quantity": 1}], "size_or_fit")
    page = open_console("agent-1")
    open_return(page, return_id)
    fee = page.get_by_label("Return shipping fee (CNY)")
    expect(fee).to_be_disabled()
    page.get_by_label("The customer").check()
    fee.fill("6")
    page.get_by_role("button", name="Approve").click()
    expect(page.locator("#decision-message")).to_contain_text(
        "You proposed that the customer pays 6.00 CNY return shipping: the return waits for their answer."
    )
    expect(page.locator("#proposal")).to_contain_text("Return shipping, paid by the customer")
    expect(page.locator('#quote-table tr[data-kind="return_shipping_fee"] td.num')).to_have_text("\u22126.00")
    page.get_by_role("link", name="Back to the queue").click()
    page.get_by_role("link", name="Waiting for the customer").click()
    return_link(page, return_id).click()

    client = local_console.client
    answer = {"decision": "decline", "note": "too expensive"}
    client.expect(200, "POST", f"/returns/{return_id}/proposal", answer, token=client.token("cust-1001"))
    # Back to review: the page shows the decisions again, and the history says who declined.
    expect(status_of(page)).to_have_attribute("data-status", "PENDING_REVIEW", timeout=30_000)
    declined = page.locator("#history li").first
    expect(declined).to_contain_text("by the customer (cust-1001)")
    expect(declined).to_contain_text("too expensive")
    page.get_by_role("button", name="Approve").click()
    expect(status_of(page)).to_have_attribute("data-status", "AWAITING_RECEIPT")


def test_a_second_agents_decision_gets_a_clear_conflict_message(
    local_console: LocalConsole, open_console: OpenPage
):
    order_id = local_console.fresh_order("O-SEED-1")
    return_id = local_console.ask_return(order_id, [{"lineId": "L1", "quantity": 1}], "no_longer_needed")
    first = open_console("agent-1")
    second = open_console("agent-2")
    open_return(first, return_id)
    open_return(second, return_id)
    second.get_by_role("button", name="Approve").click()
    expect(status_of(second)).to_have_attribute("data-status", "AWAITING_RECEIPT")

    first.get_by_label("Why (required)").fill("outside the policy")
    first.get_by_role("button", name="Reject").click()
    alert = first.get_by_role("alert")
    expect(alert).to_contain_text("Someone else decided first: agent-2. Your rejection was not applied.")
    expect(alert).to_contain_text("Another agent, agent-2, moved it to “Awaiting receipt” (AWAITING_RECEIPT)")
    expect(status_of(first)).to_have_attribute("data-status", "AWAITING_RECEIPT")
    expect(first.locator("#reject-form")).to_have_count(0)
    assert local_console.cs_view(return_id)["status"] == "AWAITING_RECEIPT"


def test_a_failed_refund_is_retried(local_console: LocalConsole, open_console: OpenPage):
    order_id = local_console.fresh_order("O-SEED-1")
    lines = [{"lineId": "L1", "quantity": 1}]
    return_id = local_console.ask_return(order_id, lines, "quality_issue")
    local_console.approve(return_id)
    local_console.payments.fail_next(1, permanent=True)
    local_console.receive(return_id, [{**lines[0], "condition": "intact"}])
    local_console.wait_status(return_id, "REFUND_FAILED")

    page = open_console("agent-1")
    page.get_by_role("link", name="Failed refunds").click()
    return_link(page, return_id).click()
    expect(page.locator("#retry-form")).to_contain_text("PaymentDeclined")
    page.get_by_role("button", name="Retry the refund").click()
    expect(status_of(page)).to_have_attribute("data-status", "REFUNDED", timeout=20_000)
    expect(page.locator("#refund-card")).to_contain_text("Refunded 50.00 CNY")


def test_refusals_are_shown_in_words(local_console: LocalConsole, open_console: OpenPage):
    page = open_console("agent-1")
    open_url = page.url.split("#")[0]
    # Oldest first, so "older than" ends the queue at the first younger return: none here.
    expect(page.locator("#queue-table")).to_be_visible()
    page.get_by_label("Age (since asked for)").select_option(label="Older than 1 hour")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#queue-results + div, #queue-results ~ div").first).to_have_text(
        "No returns older than 1 hour are pending review."
    )
    assert page.url.endswith("#/queue?status=PENDING_REVIEW&age=1h")
    page.goto(f"{open_url}#/returns/R-NOPE")
    expect(page.get_by_role("alert")).to_contain_text("Return R-NOPE does not exist")

    # A token the API refuses (here: signed with another key) says to sign in again.
    forged = page.evaluate(
        """() => {
          const s = JSON.parse(sessionStorage.getItem("returns-console.session"));
          const parts = s.token.split(".");
          s.token = parts[0] + "." + parts[1] + ".AAAA";
          sessionStorage.setItem("returns-console.session", JSON.stringify(s));
          return s.token;
        }"""
    )
    assert forged.endswith(".AAAA")
    page.goto(f"{open_url}#/queue?status=REFUND_FAILED")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Your sign-in has expired or was not accepted")
    alert.get_by_role("button", name="Sign in again").click()
    expect(page.get_by_role("heading", name="Sign in to the CS console")).to_be_visible()


def test_the_customers_earlier_returns_show_a_serial_returner_signal(
    local_console: LocalConsole, open_console: OpenPage
):
    customer = "cust-serial"
    return_ids = []
    for _ in range(4):
        order_id = local_console.fresh_order("O-POP-4", customerId=customer)
        lines = [{"lineId": "L1", "quantity": 1}]
        return_ids.append(local_console.ask_return(order_id, lines, "size_or_fit", customer=customer))
    page = open_console("agent-1")
    open_return(page, return_ids[-1])
    expect(page.locator("#customer-figures")).to_have_text("3 earlier returns on 3 orders.")
    expect(page.locator("#customer-card")).to_contain_text("3 in the last 30 days, 3 in the last 90 days")
    expect(page.locator("#serial-returner")).to_contain_text("Frequent returner")
    earlier = page.locator("#customer-card ul.earlier a")
    expect(earlier).to_have_count(3)
    expect(earlier.first).to_have_text(return_ids[2])


def test_keyboard_only_from_sign_in_to_a_decision(local_console: LocalConsole, open_console: OpenPage):
    order_id = local_console.fresh_order("O-SEED-1")
    return_id = local_console.ask_return(order_id, [{"lineId": "L2", "quantity": 1}], "no_longer_needed")
    page = open_console(None)

    def focused() -> dict[str, Any]:
        info: dict[str, Any] = page.evaluate(
            """() => {
              const el = document.activeElement;
              const style = getComputedStyle(el);
              return {tag: el.tagName, text: (el.innerText || el.value || "").trim().slice(0, 60),
                      id: el.id, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
            }"""
        )
        return info

    def tab_to(wanted: str, limit: int = 60) -> list[dict[str, Any]]:
        seen = []
        for _ in range(limit):
            page.keyboard.press("Tab")
            now = focused()
            seen.append(now)
            # Every stop shows where the focus is.
            assert now["outline"] != "none" and now["width"] >= 2, now
            if wanted in (now["text"], now["id"]):
                return seen
        raise AssertionError(f"never reached {wanted!r}: {[s['text'] or s['id'] for s in seen]}")

    page.get_by_role("heading", name="Sign in to the CS console").wait_for()
    first_stops = tab_to("Sign in as agent-1")
    assert first_stops[0]["text"] == "Skip to content"
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Returns queue").wait_for()
    expect(return_link(page, return_id)).to_be_visible()  # the page has loaded (as an agent would wait)
    stops = tab_to(return_id)
    kinds = [s["text"] if s["tag"] in ("A", "BUTTON") else s["tag"] for s in stops]
    assert kinds[0].startswith("Pending review")  # from the page's heading on, in reading order
    assert kinds.index("SELECT") < kinds.index("Show") < kinds.index(return_id)
    page.keyboard.press("Enter")
    expect(status_of(page)).to_have_attribute("data-status", "PENDING_REVIEW")
    expect(page.locator("#customer-figures")).to_be_visible()
    # Every control of the page has a label.
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea")]
               .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label"))
               .map(el => el.id || el.name)"""
    )
    assert unlabelled == []
    decision = [s["id"] for s in tab_to("approve-button")]
    # From the heading straight to the decision: who pays (the fee is off while the merchant
    # pays), the note, the button.
    assert [name.rsplit("-", 1)[0] for name in decision] == ["paid-by-merchant", "approve-note", "approve"]
    page.keyboard.press("Enter")
    expect(status_of(page)).to_have_attribute("data-status", "AWAITING_RECEIPT")
    expect(page.locator("#decision-message")).to_be_focused()


def test_agents_sign_in_through_the_oidc_issuer_with_pkce(local_console: LocalConsole, browser: Any):
    """The AWS sign-in (authorization code + PKCE) against a stand-in identity provider, with the
    config.json that template.yaml's CloudFront function answers: the page sends an S256
    challenge, trades the code with its verifier, and the API accepts the ID token it gets."""
    from local.server import issue_token

    service = local_console.service
    client_id = "returns-cs-console"
    assert client_id in service.audience
    seen: dict[str, Any] = {}
    # CloudFront's function, run as CloudFront runs it (a plain page: the console's CSP has no eval).
    code = cloudfront_config_code(
        {
            "ConsoleOidcClientId": client_id,
            "ConsoleAuthorizationEndpoint": "https://idp.test/oauth2/authorize",
            "ConsoleTokenEndpoint": "https://idp.test/oauth2/token",
        }
    )
    blank = browser.new_page()
    answer = blank.evaluate(
        """code => {
          const response = new Function(code + "; return handler({request: {uri: '/config.json'}});")();
          return {status: response.statusCode, type: response.headers["content-type"].value,
                  body: JSON.parse(response.body.data)};
        }""",
        code,
    )
    blank.close()
    assert (answer["status"], answer["type"]) == (200, "application/json")
    config = answer["body"]
    assert config["apiBase"] == "https://returnshttpapi-id.execute-api.us-east-1.amazonaws.com"
    assert config["auth"] == {
        "kind": "oidc",
        "clientId": client_id,
        "authorizationEndpoint": "https://idp.test/oauth2/authorize",
        "tokenEndpoint": "https://idp.test/oauth2/token",
        "scope": "openid profile",
        "logoutEndpoint": "",
    }
    config["apiBase"] = ""  # the API is the local stack's, on the console's own origin

    def authorize(route: Any) -> None:
        query = {k: v[0] for k, v in parse_qs(urlsplit(route.request.url).query).items()}
        seen["authorize"] = query
        location = f"{query['redirect_uri']}?code=CODE-1&state={query['state']}"
        route.fulfill(status=302, headers={"location": location})

    def token(route: Any) -> None:
        form = {k: v[0] for k, v in parse_qs(route.request.post_data or "").items()}
        seen["token"] = form
        digest = hashlib.sha256(form["code_verifier"].encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        ok = form["code"] == "CODE-1" and challenge == seen["authorize"]["code_challenge"]
        now = int(time.time())
        claims = {
            "sub": "oidc-0001",
            "cognito:username": "lin",
            "cognito:groups": ["cs"],
            "iss": service.issuer,
            "aud": client_id,
            "iat": now,
            "exp": now + 600,
            "nonce": seen["authorize"]["nonce"],
        }
        body = {"id_token": issue_token(claims, service.key), "token_type": "Bearer", "expires_in": 600}
        route.fulfill(
            status=200 if ok else 400,
            headers={"access-control-allow-origin": "*"},
            content_type="application/json",
            body=json.dumps(body if ok else {"error": "invalid_grant"}),
        )

    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        page.route("**/console/config.json", lambda route: route.fulfill(json=config))
        page.route("https://idp.test/oauth2/authorize**", authorize)
        page.route("https://idp.test/oauth2/token", token)
        page.goto(local_console.console_url + "#/queue?status=PENDING_REVIEW")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Signed in as cs:lin")).to_be_visible()
        expect(page.locator("#queue-results")).to_have_text("Pending review, oldest first")
        expect(page.locator("#queue-table")).to_be_visible()
        assert "code=" not in page.url and page.url.endswith("#/queue?status=PENDING_REVIEW")
    finally:
        context.close()
    asked = seen["authorize"]
    assert asked["response_type"] == "code" and asked["code_challenge_method"] == "S256"
    assert asked["client_id"] == client_id and asked["redirect_uri"] == local_console.console_url
    assert len(asked["code_challenge"]) == 43 and asked["scope"] == "openid profile"
    assert seen["token"]["grant_type"] == "authorization_code"
    assert seen["token"]["code_verifier"] != asked["code_challenge"]


def flaky_order(local_console: LocalConsole) -> str:
    """An order of 1,000 units of a dependable brand and 30 of one that breaks: 15 of those come
    back for a quality issue, far above the cohort's merchant-fault rate (the Wilson flag)."""
    order_id = local_console.fresh_order(
        "O-POP-4",
        customerId="cust-bulk",
        lines=[
            {
                "lineId": "L1",
                "sku": "SKU-CABLE-1",
                "title": "Cable",
                "brand": "Steady",
                "category": "cables",
                "unitPrice": "1.00",
                "quantity": 1000,
                "packageId": "PKG-1",
                "returnable": True,
            },
            {
                "lineId": "L2",
                "sku": "SKU-LAMP-9",
                "title": "台灯",
                "brand": "Flaky",
                "category": "lighting",
                "unitPrice": "10.00",
                "quantity": 30,
                "packageId": "PKG-1",
                "returnable": True,
            },
        ],
        shipping={"fee": "8.00", "freeThreshold": None, "charged": "0.00"},
        payments=[{"paymentId": "PAY-1", "method": "wallet", "amount": "1300.00"}],
    )
    local_console.ask_return(
        order_id, [{"lineId": "L2", "quantity": 15}], "quality_issue", customer="cust-bulk"
    )
    return order_id


def test_the_analytics_chart_shows_brands_marks_the_flagged_and_downloads_csv(
    local_console: LocalConsole, open_console: OpenPage, tmp_path
):
    flaky_order(local_console)
    page = open_console("agent-1")
    page.get_by_role("link", name="Analytics").click()
    chart = page.locator("#analytics-chart")
    expect(chart).to_be_visible()
    expect(page.get_by_label("Group by")).to_have_value("brand")
    flaky = chart.locator('tr[data-key="Flaky"]')
    expect(flaky).to_contain_text("⚑ flagged")
    expect(flaky).to_have_class("flagged")
    expect(flaky).to_contain_text("50.00%")  # 15 of 30 returned, all for a merchant fault
    expect(chart.locator('tr[data-key="Keyco"]')).to_be_visible()  # the seed order's keyboard
    assert chart.locator("tr.flagged").count() == 1
    # The bars are drawn to scale: nothing for a brand without returns.
    width = "el => el.getBoundingClientRect().width"
    assert chart.locator('tr[data-key="Steady"] .bar').evaluate(width) == 0
    assert chart.locator('tr[data-key="Flaky"] .bar').evaluate(width) > 50
    expect(page.locator("#analytics-overall")).to_contain_text("units sold")
    if path := screenshot_path("console-analytics.png"):
        page.screenshot(path=str(path), full_page=True)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    saved = tmp_path / "analytics.csv"
    download.value.save_as(saved)
    assert download.value.suggested_filename.startswith("returns-by-brand-")
    rows = saved.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith(
        "key,unitsSold,unitsReturned,returnRate,merchantFaultRate,medianHoursToRefund,flagged"
    )
    flaky_row = next(row for row in rows if row.startswith("Flaky,"))
    assert flaky_row.startswith("Flaky,30,15,0.5000,0.5000,") and ",true," in flaky_row

    # Another grouping, by keyboard-free selection: the category of the lamp.
    page.get_by_label("Group by").select_option("category")
    page.get_by_role("button", name="Show").click()
    expect(page.locator('#analytics-chart tr[data-key="lighting"]')).to_contain_text("⚑ flagged")


def cancellation_callback(local_console: LocalConsole, cancellation_id: str) -> str:
    """The signed fulfilment URL of the cancellation's `Cancellation Requested` event."""
    deadline = time.monotonic() + 15
    while True:
        for event in local_console.service.stack.events_of("Cancellation Requested"):
            if event["Detail"].get("cancellationId") == cancellation_id:
                url = urlsplit(str(event["Detail"]["callbackUrl"]))
                return f"{local_console.base_url}{url.path}?{url.query}"
        assert time.monotonic() < deadline, f"no Cancellation Requested for {cancellation_id}"
        time.sleep(0.05)


def test_a_cancellation_before_delivery_from_the_queue_to_its_refund(
    local_console: LocalConsole, open_console: OpenPage
):
    client = local_console.client
    order_id = local_console.fresh_order("O-PAID-7")
    body = {"lines": [{"lineId": "L2", "quantity": 1}], "reason": "no_longer_needed", "reasonDetail": "test"}
    created = client.expect(
        201, "POST", f"/orders/{order_id}/cancellations", body, token=client.token("cust-1001")
    )
    cancellation_id = created["cancellationId"]
    page = open_console("agent-1")
    page.get_by_role("link", name="Cancellations").first.click()
    page.get_by_role("link", name="Awaiting fulfilment").click()
    page.locator(f'tr[data-cancellation-id="{cancellation_id}"] a').click()
    heading = page.locator("#cancellation-heading")
    expect(heading.locator(".status")).to_have_attribute("data-status", "AWAITING_FULFILMENT")
    # The same engine as a return: the kept headset no longer reaches 199.00.
    clawback = page.locator('#quote-table tr[data-kind="promotion_clawback"]')
    expect(clawback).to_contain_text("满199减100 — spend 199.00 CNY, get 100.00 CNY off")
    expect(page.locator("#refund-explained")).to_contain_text("50.00 \u2212 50.00 = 0.00 CNY")
    # Fulfilment stops the unit: the page follows the cancellation to its end.
    client.expect(200, "POST", cancellation_callback(local_console, cancellation_id), {"outcome": "stopped"})
    expect(heading.locator(".status")).to_have_attribute("data-status", "COMPLETED", timeout=20_000)
    expect(page.locator("#refund-card")).to_contain_text("Refunded 0.00 CNY")
    page.get_by_role("link", name="Back to the cancellations").click()
    expect(page.locator("#cancellation-results")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("null")


def test_cs_cancels_out_of_stock_units_for_the_customer(local_console: LocalConsole, open_console: OpenPage):
    order_id = local_console.fresh_order("O-PAID-7")
    page = open_console("agent-1")
    page.goto(f"{local_console.console_url}#/cancellations/new")
    page.get_by_label("Order").fill(order_id)
    units = page.get_by_label("Units (leave empty for everything not yet cancelled or returned)")
    units.fill("L1 two")
    page.get_by_role("button", name="Cancel these units").click()
    expect(page.locator(".field-error")).to_have_text("“L1 two” is not a line and a quantity, e.g. L1 x2.")
    units.fill("L1 x1")
    page.get_by_label("Note (optional)").fill("warehouse has none left")
    page.get_by_role("button", name="Cancel these units").click()
    heading = page.locator("#cancellation-heading")
    expect(heading).to_be_visible()
    expect(page.locator("#summary-card")).to_contain_text("Out of stock (merchant fault)")
    # A merchant fault never costs the customer the promotion: 50.00 back, no clawback.
    expect(page.locator("#refund-amount")).to_have_text("50.00 CNY")
    expect(page.locator('#quote-table tr[data-kind="promotion_clawback"]')).to_have_count(0)
    expect(page.locator("#history li").last).to_contain_text("CS agent agent-1")

    # The same units again: the service refuses, in words.
    page.goto(f"{local_console.console_url}#/cancellations/new")
    page.get_by_label("Order").fill(order_id)
    page.get_by_label("Units (leave empty for everything not yet cancelled or returned)").fill("L1 x1")
    page.get_by_role("button", name="Cancel these units").click()
    expect(page.get_by_role("alert")).to_contain_text("Not allowed:")


def test_a_sellers_settlements_list_each_pop_refund_and_the_totals(
    local_console: LocalConsole, open_console: OpenPage
):
    # A phone case of seller-778 back for a quality issue: refunded in full, the seller pays it.
    order_id = local_console.fresh_order("O-POP-4")
    lines = [{"lineId": "L1", "quantity": 1}]
    return_id = local_console.ask_return(order_id, lines, "quality_issue")
    local_console.approve(return_id)
    local_console.receive(return_id, [{**lines[0], "condition": "intact"}])
    refunded = local_console.wait_status(return_id, "REFUNDED")
    refund_id = refunded["refund"]["refundId"]
    seller_debit = refunded["quote"]["settlement"]["sellerDebit"]

    page = open_console("agent-1")
    page.get_by_role("link", name="Settlements").click()
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".field-error")).to_have_text("Enter the seller's id, e.g. seller-778.")
    page.get_by_role("textbox", name="Seller").fill("seller-778")
    page.get_by_role("button", name="Show").click()
    row = page.locator(f'#settlements-table tr[data-refund-id="{refund_id}"]')
    expect(row).to_contain_text(order_id)
    expect(row).to_contain_text(f"{refunded['refund']['refundAmount']} CNY")
    expect(row.locator("td").nth(5)).to_have_text(seller_debit)
    row.get_by_role("link", name=return_id).click()
    expect(page.locator("#return-heading")).to_contain_text(return_id)
    page.go_back()
    expect(page.locator("#settlement-totals")).to_contain_text("Period total (CNY)")
    expect(page.locator("main")).not_to_contain_text("null")
    page.get_by_role("textbox", name="Seller").fill("seller-nobody")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No refund of this seller's orders was paid in this period.")).to_be_visible()
