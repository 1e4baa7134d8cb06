"""The period and groupBy of section 9: what is malformed (400) and what is not allowed (422)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from returns_service.analytics.query import PeriodError, Request
from returns_service.analytics.report import is_flagged, median_hours, rate
from tests.analytics.test_figures import wilson_lower_bound


def test_a_good_request() -> None:
    request = Request.of("2026-01-01", "2026-12-31", "sellerId")  # 365 days
    assert (request.start, request.end, request.group_by) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
        "sellerId",
    )
    assert Request.of("2024-01-01", "2024-12-31", "reason").end == date(2024, 12, 31)  # 366: allowed


@pytest.mark.parametrize(
    ("start", "end", "group_by", "malformed", "says"),
    [
        ("2026-5-01", "2026-05-02", "brand", True, "YYYY-MM-DD"),
        ("2026-05-01", "2026-02-30", "brand", True, "not a calendar date"),
        ("2026-05-01", "yesterday", "brand", True, "to must be a date"),
        ("2026-05-01T00:00:00Z", "2026-05-02", "brand", True, "from must be a date"),
        ("2026-05-02", "2026-05-01", "brand", False, "after"),
        ("2024-01-01", "2025-01-01", "brand", False, "367 days"),
        ("2026-05-01", "2026-05-02", "colour", False, "groupBy must be one of"),
        ("2026-05-01", "2026-05-02", "Brand", False, "groupBy must be one of"),
    ],
)
def test_refused(start: str, end: str, group_by: str, malformed: bool, says: str) -> None:
    with pytest.raises(PeriodError, match=says) as refused:
        Request.of(start, end, group_by)
    assert refused.value.malformed is malformed


def test_rates_and_medians_are_exact_and_rounded_half_up() -> None:
    assert rate(7, 100) == "0.0700"
    assert rate(1, 3) == "0.3333" and rate(2, 3) == "0.6667"
    assert rate(1, 16000) == "0.0001"  # 0.0000625: half-up
    assert rate(1, 20001) == "0.0000"
    assert rate(5, 5) == "1.0000" and rate(0, 0) is None
    assert median_hours(3 * 3_600_000 + 180_000, 1) == "3.1"  # 3.05 h: half-up
    assert median_hours(3_600_000 + 9_000_000, 2) == "1.8"  # mean of 1 h and 2.5 h = 1.75
    assert median_hours(0, 0) is None


@given(
    n=st.integers(min_value=30, max_value=5000),
    share=st.fractions(min_value=0, max_value=1),
    threshold=st.fractions(min_value=0, max_value=Fraction(1, 2)),
)
def test_the_flag_is_the_wilson_rule_decided_exactly(n: int, share: Fraction, threshold: Fraction) -> None:
    k = int(share * n)
    bound = wilson_lower_bound(k, n)
    if abs(bound - 2 * float(threshold)) > 1e-9:  # away from the boundary floats decide it too
        assert is_flagged(k, n, threshold) is (bound > 2 * float(threshold))
    assert is_flagged(k, 29, threshold) is False
