"""GET /cs/analytics/returns over HTTP on the local stack: orders delivered today, returns made
for them through the API, and the figures of contract section 9 as the route gives them, in JSON
and CSV. The records go the way they go in AWS: the template's EventBridge rules hand them to
Firehose streams (a local folder here) and the route's query reads them (DuckDB here)."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.api.client import AGENT, CUSTOMER, OTHER_CUSTOMER, Api, new_return, one, present

ROUTE = "/cs/analytics/returns"


@pytest.fixture
def today(stack, orders, seed_order) -> str:
    """O-SEED-1 (Logitek, Keyco), O-POP-4 (Shellz, seller-778) and O-MIX-2 (Cotton&Co x5,
    Denimo, Orchard), all delivered now."""
    now = datetime.now(UTC)
    for order_id in ("O-SEED-1", "O-POP-4", "O-MIX-2"):
        seed_order(present(orders[order_id], deliveredAt=now.strftime("%Y-%m-%dT%H:%M:%SZ")))
    return now.date().isoformat()


def refunded(api: Api, return_id: str, paid_by: str = "customer") -> None:
    api.wait_status(return_id, "PENDING_REVIEW")
    review = {"decision": "approve", "returnShippingPaidBy": paid_by, "returnShippingFee": "0.00"}
    assert api.review(return_id, review).status == 200
    api.wait_status(return_id, "AWAITING_RECEIPT")
    [line] = api.cs_get(return_id).json["lines"]
    receipt = {"lines": [{**line, "condition": "intact"}], "inspector": "wh-1"}
    assert api.receipt(api.callback_url(return_id), receipt).status == 200
    api.wait_event("Refund Issued", return_id)


@pytest.fixture
def returns(stack, today: str) -> dict[str, str]:
    """A: Keyco back (no_longer_needed), refunded 0.00; B: Shellz back (quality_issue), refunded
    47.00; C: two Cotton&Co T-shirts asked back (size_or_fit), waiting for review; D: Logitek
    asked back, then cancelled by the customer."""
    api = Api(stack)
    a = api.created(new_return("O-SEED-1", one("L2"), "no_longer_needed"))["returnId"]
    refunded(api, a)
    b = api.created(new_return("O-POP-4", one("L1"), "quality_issue"))["returnId"]
    refunded(api, b, paid_by="merchant")
    c = api.created(new_return("O-MIX-2", one("L1", 2), "size_or_fit"), claims=OTHER_CUSTOMER)["returnId"]
    api.wait_event("Return Requested", c)
    d = api.created(new_return("O-SEED-1", one("L1"), "other"))["returnId"]
    api.wait_status(d, "PENDING_REVIEW")
    assert api.call("POST", f"/returns/{d}/cancel", claims=CUSTOMER).status == 200
    api.wait_event("Return Closed", d)
    return {"A": a, "B": b, "C": c, "D": d}


def figures(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["unitsSold"],
        row["unitsReturned"],
        row["returnRate"],
        row["merchantFaultRate"],
        row["byReason"],
        row["refunded"],
        row["medianHoursToRefund"],
        row["flagged"],
    )


CNY = "CNY"


def test_the_figures_of_today_s_orders(stack, today: str, returns: dict[str, str]) -> None:
    api = Api(stack)
    response = api.call("GET", ROUTE, query={"from": today, "to": today, "groupBy": "brand"}, claims=AGENT)
    assert response.status == 200, response.text
    report = response.json
    assert (report["from"], report["to"], report["groupBy"]) == (today, today, "brand")
    rows = {row["key"]: figures(row) for row in report["rows"]}
    assert [row["key"] for row in report["rows"]] == [
        "Cotton&Co",
        "Keyco",
        "Shellz",
        "Denimo",
        "Logitek",
        "Orchard",
    ]
    assert rows["Cotton&Co"] == (5, 2, "0.4000", "0.0000", {"size_or_fit": 2}, [], None, False)
    assert rows["Keyco"] == (
        1,
        1,
        "1.0000",
        "0.0000",
        {"no_longer_needed": 1},
        [{"currency": CNY, "amount": "0.00"}],
        "0.0",
        False,
    )
    assert rows["Shellz"] == (
        1,
        1,
        "1.0000",
        "1.0000",
        {"quality_issue": 1},
        [{"currency": CNY, "amount": "47.00"}],
        "0.0",
        False,
    )
    assert rows["Logitek"] == (1, 0, "0.0000", "0.0000", {}, [], None, False)  # D was cancelled
    assert report["overall"] == {
        "unitsSold": 10,
        "unitsReturned": 4,
        "returnRate": "0.4000",
        "merchantFaultRate": "0.1000",
        "byReason": {"quality_issue": 1, "no_longer_needed": 1, "size_or_fit": 2},
        "refunded": [{"currency": CNY, "amount": "47.00"}],
        "medianHoursToRefund": "0.0",
    }

    sellers = api.call("GET", ROUTE, query={"from": today, "to": today, "groupBy": "sellerId"}, claims=AGENT)
    assert [(r["key"], r["unitsSold"], r["unitsReturned"]) for r in sellers.json["rows"]] == [
        ("platform", 9, 3),
        ("seller-778", 1, 1),
    ]
    reasons = api.call("GET", ROUTE, query={"from": today, "to": today, "groupBy": "reason"}, claims=AGENT)
    assert [(r["key"], r["unitsSold"], r["unitsReturned"], r["byReason"]) for r in reasons.json["rows"]] == [
        ("size_or_fit", 10, 2, {"size_or_fit": 2}),
        ("no_longer_needed", 10, 1, {"no_longer_needed": 1}),
        ("quality_issue", 10, 1, {"quality_issue": 1}),
    ]

    yesterday = api.call(
        "GET", ROUTE, query={"from": "2020-01-01", "to": "2020-12-31", "groupBy": "sku"}, claims=AGENT
    )
    assert yesterday.status == 200 and yesterday.json["rows"] == []


def test_csv(stack, today: str, returns: dict[str, str]) -> None:
    response = Api(stack).call(
        "GET",
        f"{ROUTE}?from={today}&to={today}&groupBy=brand",
        headers={"Accept": "text/csv"},
        claims=AGENT,
    )
    assert response.status == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0] == (
        "key,unitsSold,unitsReturned,returnRate,merchantFaultRate,medianHoursToRefund,flagged,"
        "byReason.quality_issue,byReason.not_as_described,byReason.wrong_item,byReason.damaged_in_transit,"
        "byReason.no_longer_needed,byReason.size_or_fit,byReason.other,refunded.CNY"
    )
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["key"] for r in rows] == ["Cotton&Co", "Keyco", "Shellz", "Denimo", "Logitek", "Orchard"]
    assert rows[2]["refunded.CNY"] == "47.00" and rows[2]["byReason.quality_issue"] == "1"
    assert (
        rows[0]["refunded.CNY"] == ""
        and rows[0]["medianHoursToRefund"] == ""
        and rows[0]["flagged"] == "false"
    )


def test_gzip_when_the_client_accepts_it(stack, today: str, returns: dict[str, str]) -> None:
    """Compressed answers keep a month of groupBy=sku under Lambda's 6 MB response limit."""
    api = Api(stack)
    for accept in ("application/json", "text/csv"):
        query = f"{ROUTE}?from={today}&to={today}&groupBy=sku"
        plain = api.call("GET", query, headers={"Accept": accept}, claims=AGENT)
        zipped = api.call("GET", query, headers={"Accept": accept, "Accept-Encoding": "gzip"}, claims=AGENT)
        assert plain.status == zipped.status == 200
        assert "content-encoding" not in plain.headers and zipped.headers["content-encoding"] == "gzip"
        assert gzip.decompress(zipped.body) == plain.body and zipped.text == plain.text


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ({"from": "2026-05-02", "to": "2026-05-01", "groupBy": "brand"}, 422, "from"),
        ({"from": "2024-01-01", "to": "2025-01-01", "groupBy": "brand"}, 422, "to"),
        ({"from": "2026-05-01", "to": "2026-05-01", "groupBy": "colour"}, 422, "groupBy"),
        ({"from": "2026-02-30", "to": "2026-03-01", "groupBy": "brand"}, 400, "from"),
        ({"from": "20260501", "to": "2026-05-01", "groupBy": "brand"}, 400, "from"),
        ({"from": "2026-05-01", "groupBy": "brand"}, 400, "to"),
    ],
)
def test_a_bad_period_or_group_by(stack, query: dict[str, str], status: int, field: str) -> None:
    response = Api(stack).call("GET", ROUTE, query=dict(query), claims=AGENT)
    assert response.status == status, response.text
    assert [d["field"] for d in response.json["error"]["details"]] == [field]


def test_only_cs_agents(stack) -> None:
    query: dict[str, str | list[str]] = {"from": "2026-05-01", "to": "2026-05-01", "groupBy": "brand"}
    assert Api(stack).call("GET", ROUTE, query=query, claims=CUSTOMER).status == 403
    assert Api(stack).call("GET", ROUTE, query=query).status == 401
