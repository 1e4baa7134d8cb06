"""The analytics SQL on DuckDB and the shaping, against figures worked out by hand (section 9)."""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import pytest

from returns_service.analytics.report import to_csv
from tests.analytics.records import Records, line

PERIOD = ("2026-05-01", "2026-05-02")


@pytest.fixture
def shop(tmp_path: Path) -> Records:
    """Three orders delivered in the period, one after it, and returns in every state.

    O1 (B2C): L1 Acme x10, L2 Bolt x4; an older version said brand "Old" (the latest wins).
    O2 (POP, seller S-9, delivered 2026-04-30T20:00-08:00 = 2026-05-01T04:00Z): L1 Acme x6,
       L2 Cargo x3, all three cancelled before delivery (Cargo sold nothing: no row).
    O3 (delivered 2026-05-03T00:30+08:00 = 2026-05-02T16:30Z): L1 Bolt x2.
    O4 (delivered 2026-05-03T01:00Z, after the period): L1 Acme x5.
    """
    records = Records(tmp_path)
    records.order("O1", [line("L1", "Old", 10), line("L2", "Old", 4)], version=3, day="2026-05-01")
    records.order("O1", [line("L1", "Acme", 10), line("L2", "Bolt", 4)], version=5, day="2026-05-01")
    records.order(
        "O2",
        [line("L1", "Acme", 6), line("L2", "Cargo", 3)],
        channel="POP",
        seller_id="S-9",
        delivered_at="2026-04-30T20:00:00-08:00",
    )
    records.cancelled("O2", [{"lineId": "L2", "quantity": 3}])
    records.order("O3", [line("L1", "Bolt", 2)], delivered_at="2026-05-03T00:30:00+08:00")
    records.order("O4", [line("L1", "Acme", 5)], delivered_at="2026-05-03T01:00:00Z")

    # R1: 3 asked, 2 received (one a wrong item: every condition counts), refunded 24 h later.
    records.requested("R1", "O1", [("L1", 3)], "quality_issue", "2026-05-02T00:00:00Z")
    records.received("R1", "O1", [("L1", 1, "intact"), ("L1", 1, "wrong_item")], day="2026-05-02")
    records.refunded("R1", "O1", "30.01", "2026-05-03T00:00:00Z", [("L1", 1, "20.00")])
    records.closed("R1", "O1", "REFUNDED", day="2026-05-03")
    # R2: nothing received yet: the units asked for.
    records.requested("R2", "O1", [("L2", 2)], "no_longer_needed", "2026-05-02T01:00:00Z")
    # R3: rejected by CS.
    records.requested("R3", "O1", [("L1", 1)], "size_or_fit", "2026-05-02T02:00:00Z")
    records.event("Return Rejected", "R3", "O1", "REJECTED", "2026-05-02", decision="reject")
    # R4: delivered twice (same eventId), refunded 10 h after it was made (refund delivered twice).
    asked = records.requested("R4", "O2", [("L1", 2)], "not_as_described", "2026-05-02T08:00:00Z")
    records.again("Return Requested", asked, "2026-05-02")
    records.received("R4", "O2", [("L1", 2, "intact")], day="2026-05-02")
    paid = records.refunded("R4", "O2", "45.00", "2026-05-02T18:00:00Z", [("L1", 2, "45.00")])
    records.again("Refund Issued", paid, "2026-05-03")
    # R5: cancelled by the customer (only Return Closed says so).
    records.requested("R5", "O2", [("L1", 1)], "other", "2026-05-02T09:00:00Z")
    records.closed("R5", "O2", "CANCELLED", day="2026-05-04")
    # R6: nothing acceptable arrived: RETURNED_TO_CUSTOMER on the receipt itself.
    records.requested("R6", "O3", [("L1", 1)], "damaged_in_transit", "2026-05-03T00:00:00Z")
    records.received("R6", "O3", [("L1", 1, "wrong_item")], day="2026-05-03", status="RETURNED_TO_CUSTOMER")
    # R7: an order delivered after the period.
    records.requested("R7", "O4", [("L1", 5)], "quality_issue", "2026-05-03T05:00:00Z")
    return records


def test_by_brand(shop: Records) -> None:
    report = shop.report(*PERIOD, "brand")
    assert (report["from"], report["to"], report["groupBy"]) == (*PERIOD, "brand")
    assert report["rows"] == [
        {
            "key": "Acme",
            "unitsSold": 16,  # O1.L1 10 + O2.L1 6 (O4 is after the period)
            "unitsReturned": 4,  # R1 received 2 (of 3 asked) + R4 2 (counted once)
            "returnRate": "0.2500",
            "merchantFaultRate": "0.2500",
            "byReason": {"quality_issue": 2, "not_as_described": 2},
            "refunded": [{"currency": "CNY", "amount": "75.01"}],
            "medianHoursToRefund": "17.0",  # 24 h and 10 h
            "flagged": False,
        },
        {
            "key": "Bolt",
            "unitsSold": 6,
            "unitsReturned": 2,  # R2: asked for, nothing received yet
            "returnRate": "0.3333",
            "merchantFaultRate": "0.0000",
            "byReason": {"no_longer_needed": 2},
            "refunded": [],
            "medianHoursToRefund": None,
            "flagged": False,
        },
    ]  # Cargo: every unit cancelled, nothing sold, no row
    assert report["overall"] == {
        "unitsSold": 22,
        "unitsReturned": 6,
        "returnRate": "0.2727",
        "merchantFaultRate": "0.1818",
        "byReason": {"quality_issue": 2, "not_as_described": 2, "no_longer_needed": 2},
        "refunded": [{"currency": "CNY", "amount": "75.01"}],
        "medianHoursToRefund": "17.0",
    }


def test_by_seller_and_category(shop: Records) -> None:
    sellers = {
        row["key"]: (row["unitsSold"], row["unitsReturned"])
        for row in shop.report(*PERIOD, "sellerId")["rows"]
    }
    assert sellers == {"platform": (16, 4), "S-9": (6, 2)}  # B2C orders are the platform's
    categories = shop.report(*PERIOD, "category")["rows"]
    assert [(r["key"], r["unitsSold"], r["unitsReturned"]) for r in categories] == [("misc", 22, 6)]


def test_by_reason(shop: Records) -> None:
    report = shop.report(*PERIOD, "reason")
    rows = {row["key"]: row for row in report["rows"]}
    assert [row["key"] for row in report["rows"]] == ["no_longer_needed", "not_as_described", "quality_issue"]
    assert all(row["unitsSold"] == 22 and row["flagged"] is False for row in report["rows"])
    assert rows["quality_issue"]["byReason"] == {"quality_issue": 2}
    assert rows["quality_issue"]["merchantFaultRate"] == "0.0909"
    assert rows["quality_issue"]["refunded"] == [{"currency": "CNY", "amount": "30.01"}]
    assert rows["quality_issue"]["medianHoursToRefund"] == "24.0"
    assert rows["not_as_described"]["medianHoursToRefund"] == "10.0"
    assert rows["no_longer_needed"]["merchantFaultRate"] == "0.0000"
    assert rows["no_longer_needed"]["returnRate"] == "0.0909"
    assert report["overall"]["unitsReturned"] == 6


def test_the_period_is_of_utc_delivery_dates(shop: Records) -> None:
    first_day = shop.report("2026-05-01", "2026-05-01")["overall"]
    assert first_day["unitsSold"] == 20  # O1 and O2 (04:00Z); O3 is delivered on 2026-05-02 UTC
    later = shop.report("2026-05-03", "2026-05-03")["overall"]
    assert (later["unitsSold"], later["unitsReturned"], later["byReason"]) == (5, 5, {"quality_issue": 5})
    assert shop.report("2026-06-01", "2026-06-30")["rows"] == []


def test_nothing_in_the_period(tmp_path: Path) -> None:
    report = Records(tmp_path).report(*PERIOD)
    assert report["rows"] == []
    assert report["overall"] == {
        "unitsSold": 0,
        "unitsReturned": 0,
        "returnRate": None,
        "merchantFaultRate": None,
        "byReason": {},
        "refunded": [],
        "medianHoursToRefund": None,
    }


def test_an_order_that_is_no_longer_delivered_in_the_period_leaves(tmp_path: Path) -> None:
    records = Records(tmp_path)
    records.order("O1", [line("L1", "Acme", 3)], version=1, delivered_at="2026-05-01T10:00:00Z")
    records.order("O1", [line("L1", "Acme", 3)], version=2, delivered_at="2026-05-09T10:00:00Z")
    assert records.report(*PERIOD)["overall"]["unitsSold"] == 0
    assert records.report("2026-05-09", "2026-05-09")["overall"]["unitsSold"] == 3


def test_a_snapshot_delivered_twice_counts_once(tmp_path: Path) -> None:
    """Firehose and EventBridge deliver at least once: the same record twice (same envelope id),
    or the same version sent again as a new record, is still one order's lines."""
    records = Records(tmp_path)
    for _ in range(2):
        records.order("O1", [line("L1", "Acme", 3)], envelope_id="11111111-record-of-O1")
        records.order("O2", [line("L1", "Acme", 2)])
    assert records.report(*PERIOD)["overall"]["unitsSold"] == 5


def test_refunds_split_over_lines_by_paid_amount(tmp_path: Path) -> None:
    """1.00 over three lines paid 1.00 each: 0.33 each and the extra cent to the earlier line; a
    refund over lines paid nothing is split equally; currencies in alphabetical order; the median
    of three refunds is the middle one."""
    records = Records(tmp_path)
    records.order("O1", [line("L1", "X", 1), line("L2", "Y", 1), line("L3", "Z", 1)])
    records.order("O2", [line("L1", "X", 2), line("L2", "Y", 2)])
    records.requested("R1", "O1", [("L1", 1), ("L2", 1), ("L3", 1)], "quality_issue", "2026-05-02T00:00:00Z")
    records.received(
        "R1", "O1", [("L1", 1, "intact"), ("L2", 1, "intact"), ("L3", 1, "intact")], day="2026-05-02"
    )
    records.refunded(
        "R1", "O1", "1.00", "2026-05-02T01:00:00Z", [("L3", 1, "1.00"), ("L1", 1, "1.00"), ("L2", 1, "1.00")]
    )
    records.requested("R2", "O2", [("L1", 1), ("L2", 1)], "other", "2026-05-02T00:00:00Z")
    records.received("R2", "O2", [("L1", 1, "intact"), ("L2", 1, "intact")], day="2026-05-02")
    records.refunded("R2", "O2", "0.03", "2026-05-02T02:30:00Z", [("L1", 1, "0.00"), ("L2", 1, "0.00")])
    records.requested("R3", "O2", [("L1", 1)], "other", "2026-05-02T00:00:00Z")
    records.received("R3", "O2", [("L1", 1, "intact")], day="2026-05-02")
    records.refunded("R3", "O2", "500", "2026-05-02T10:00:00Z", [("L1", 1, "500")], currency="JPY")

    rows = {row["key"]: row for row in records.report(*PERIOD)["rows"]}
    # R1: L3 is the earlier line of the refund: it takes the extra cent.
    assert rows["Z"]["refunded"] == [{"currency": "CNY", "amount": "0.34"}]
    # Y: 0.33 of R1 and 0.01 of R2 (0.03 in two equal parts: the extra cent to the earlier L1).
    assert rows["Y"]["refunded"] == [{"currency": "CNY", "amount": "0.34"}]
    # X: 0.33 of R1, 0.02 of R2 and 500 JPY of R3.
    assert rows["X"]["refunded"] == [
        {"currency": "CNY", "amount": "0.35"},
        {"currency": "JPY", "amount": "500"},
    ]
    assert rows["X"]["medianHoursToRefund"] == "2.5"  # 1 h, 2.5 h, 10 h
    assert rows["Y"]["medianHoursToRefund"] == "1.8"  # 1 h and 2.5 h: 1.75 rounded half-up
    overall = records.report(*PERIOD)["overall"]
    assert overall["refunded"] == [
        {"currency": "CNY", "amount": "1.03"},
        {"currency": "JPY", "amount": "500"},
    ]


def wilson_lower_bound(k: int, n: int, z: float = 1.96) -> float:
    p = k / n
    return (p + z * z / (2 * n) - z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n)


def test_flagged_by_wilson_with_a_floor_of_30_units(tmp_path: Path) -> None:
    """Flaky: 6 quality issues of 30 units; Tiny: 6 of 29 (too few units to judge); Solid: 2 of
    300. Overall 14 of 359: the threshold is 2 x 14/359 = 0.078; Flaky's lower bound is 0.095."""
    records = Records(tmp_path)
    records.order("O1", [line("L1", "Flaky", 30), line("L2", "Tiny", 29), line("L3", "Solid", 300)])
    records.requested("R1", "O1", [("L1", 6), ("L2", 6), ("L3", 2)], "quality_issue", "2026-05-02T00:00:00Z")
    records.requested("R2", "O1", [("L3", 50)], "size_or_fit", "2026-05-02T00:00:00Z")
    report = records.report(*PERIOD)
    flagged = {row["key"]: row["flagged"] for row in report["rows"]}
    assert flagged == {"Flaky": True, "Tiny": False, "Solid": False}
    threshold = 2 * 14 / 359
    assert wilson_lower_bound(6, 30) > threshold > wilson_lower_bound(2, 300)
    assert wilson_lower_bound(6, 29) > threshold  # Tiny would be flagged without the floor
    assert [row["key"] for row in report["rows"]] == ["Solid", "Flaky", "Tiny"]  # 52, 6, 6 units
    assert all(row["flagged"] is False for row in records.report(*PERIOD, "reason")["rows"])


def test_csv(shop: Records) -> None:
    text = to_csv(shop.report(*PERIOD, "brand"))
    assert text.splitlines()[0] == (
        "key,unitsSold,unitsReturned,returnRate,merchantFaultRate,medianHoursToRefund,flagged,"
        "byReason.quality_issue,byReason.not_as_described,byReason.wrong_item,byReason.damaged_in_transit,"
        "byReason.no_longer_needed,byReason.size_or_fit,byReason.other,refunded.CNY"
    )
    rows: list[dict[str, Any]] = list(csv.DictReader(io.StringIO(text)))
    assert rows[0] == {
        "key": "Acme",
        "unitsSold": "16",
        "unitsReturned": "4",
        "returnRate": "0.2500",
        "merchantFaultRate": "0.2500",
        "medianHoursToRefund": "17.0",
        "flagged": "false",
        "byReason.quality_issue": "2",
        "byReason.not_as_described": "2",
        "byReason.wrong_item": "",
        "byReason.damaged_in_transit": "",
        "byReason.no_longer_needed": "",
        "byReason.size_or_fit": "",
        "byReason.other": "",
        "refunded.CNY": "75.01",
    }
    assert rows[1]["key"] == "Bolt" and rows[1]["medianHoursToRefund"] == "" and rows[1]["refunded.CNY"] == ""
    assert text.endswith("\r\n") and len(rows) == 2
