"""The rows of the analytics SQL shaped into contract section 9: exact rates, medians, the flag.

Everything that must be exact is done here with integers and fractions, identically whichever
engine ran the query: rates are exact fractions rounded half-up to 4 digits, the median is the
mean of the middle values the SQL picked, and ``flagged`` compares the Wilson lower bound with
twice the overall merchant-fault rate without a square root (both sides squared, in fractions).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, get_args

from returns_core import money
from returns_core.refunds.models import Reason, is_merchant_fault
from returns_service.analytics.query import Request

REASONS: tuple[str, ...] = get_args(Reason)  # section 2's order
Z = Fraction(196, 100)  # z of the Wilson score interval (95 %)
MIN_UNITS_TO_FLAG = 30
CSV_HEAD = (
    "key",
    "unitsSold",
    "unitsReturned",
    "returnRate",
    "merchantFaultRate",
    "medianHoursToRefund",
    "flagged",
)
_MS_PER_HOUR = 3_600_000


@dataclass
class Figures:
    """What the SQL gave for one row (or the overall scope)."""

    units_sold: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)
    refunded: dict[str, int] = field(default_factory=dict)  # currency -> minor units
    middle_ms_sum: int = 0
    middle_count: int = 0

    @property
    def units_returned(self) -> int:
        return sum(self.by_reason.values())

    @property
    def merchant_fault_units(self) -> int:
        return sum(units for reason, units in self.by_reason.items() if is_merchant_fault(reason))


def collect(rows: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Figures], Figures]:
    """The SQL's rows as figures by key, and the overall figures."""
    keyed: dict[str, Figures] = {}
    overall = Figures()
    for row in rows:
        figures = overall if row["scope"] == "overall" else keyed.setdefault(str(row["key"]), Figures())
        if row["kind"] == "units":
            figures.units_sold = int(row["units_sold"] or 0)
            figures.by_reason = {r: int(row[r]) for r in REASONS if row.get(r)}
            figures.middle_ms_sum = int(row["median_ms_sum"] or 0)
            figures.middle_count = int(row["median_ms_count"] or 0)
        else:
            figures.refunded[str(row["currency"])] = int(row["refunded"] or 0)
    return keyed, overall


def shape(request: Request, rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The route's JSON: ``{from, to, groupBy, rows, overall}``."""
    keyed, overall = collect(rows)
    overall_rate = (
        Fraction(overall.merchant_fault_units, overall.units_sold) if overall.units_sold else Fraction(0)
    )
    shaped = []
    for key, figures in keyed.items():
        if request.group_by == "reason":
            figures.units_sold = overall.units_sold  # every reason row is over the whole cohort
        if figures.units_sold <= 0:
            continue
        flagged = request.group_by != "reason" and is_flagged(
            figures.merchant_fault_units, figures.units_sold, overall_rate
        )
        shaped.append({"key": key, **_figures(figures), "flagged": flagged})
    shaped.sort(key=lambda row: (-row["unitsReturned"], row["key"]))
    return {
        "from": request.start.isoformat(),
        "to": request.end.isoformat(),
        "groupBy": request.group_by,
        "rows": shaped,
        "overall": _figures(overall),
    }


def _figures(figures: Figures) -> dict[str, Any]:
    sold = figures.units_sold
    return {
        "unitsSold": sold,
        "unitsReturned": figures.units_returned,
        "returnRate": rate(figures.units_returned, sold),
        "merchantFaultRate": rate(figures.merchant_fault_units, sold),
        "byReason": {r: figures.by_reason[r] for r in REASONS if figures.by_reason.get(r)},
        "refunded": [
            {"currency": currency, "amount": money.format(amount, currency)}
            for currency, amount in sorted(figures.refunded.items())
        ],
        "medianHoursToRefund": median_hours(figures.middle_ms_sum, figures.middle_count),
    }


def rate(part: int, whole: int) -> str | None:
    """``part / whole`` rounded half-up to 4 digits ("0.0700"); None when nothing was sold."""
    if whole <= 0:
        return None
    return _decimal(Fraction(part, whole), 4)


def median_hours(middle_ms_sum: int, middle_count: int) -> str | None:
    """The mean of the middle one or two durations (ms), in hours with one digit; None if none."""
    if middle_count <= 0:
        return None
    return _decimal(Fraction(middle_ms_sum, middle_count * _MS_PER_HOUR), 1)


def _decimal(value: Fraction, digits: int) -> str:
    scale = 10**digits
    sign = "-" if value < 0 else ""
    scaled = money.round_half_up(abs(value) * scale)
    whole, fraction = divmod(scaled, scale)
    return f"{sign}{whole}.{fraction:0{digits}d}"


def is_flagged(merchant_fault_units: int, units_sold: int, overall_rate: Fraction) -> bool:
    """At least 30 units sold and the Wilson lower bound of merchant-fault units over units sold
    above twice the overall merchant-fault rate.

    With p = k/n, the bound is L = (p + z²/2n - z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n), so
    L > t  <=>  a = p + z²/2n - t(1 + z²/n) > z·sqrt(...)  <=>  a > 0 and a² > z²(p(1-p)/n + z²/4n²):
    decided exactly, with no rounding at the boundary.
    """
    if units_sold < MIN_UNITS_TO_FLAG:
        return False
    n = units_sold
    p = Fraction(merchant_fault_units, n)
    z2 = Z * Z
    threshold = 2 * overall_rate
    a = p + z2 / (2 * n) - threshold * (1 + z2 / n)
    return a > 0 and a * a > z2 * (p * (1 - p) / n + z2 / (4 * n * n))


def to_csv(report: Mapping[str, Any]) -> str:
    """The rows (not ``overall``) as CSV: the contract's header, one ``byReason.<reason>`` column
    per return reason and one ``refunded.<CURRENCY>`` column per currency present."""
    currencies = sorted({money_row["currency"] for row in report["rows"] for money_row in row["refunded"]})
    header = [*CSV_HEAD, *(f"byReason.{r}" for r in REASONS), *(f"refunded.{c}" for c in currencies)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in report["rows"]:
        refunded = {m["currency"]: m["amount"] for m in row["refunded"]}
        writer.writerow(
            [
                row["key"],
                row["unitsSold"],
                row["unitsReturned"],
                row["returnRate"] or "",
                row["merchantFaultRate"] or "",
                row["medianHoursToRefund"] or "",
                "true" if row["flagged"] else "false",
                *(row["byReason"].get(r, "") for r in REASONS),
                *(refunded.get(c, "") for c in currencies),
            ]
        )
    return out.getvalue()
