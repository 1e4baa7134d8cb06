"""`python -m returns_service.analytics --from 2026-05-01 --to 2026-05-31 --group-by brand`:
the section 9 figures from a folder of records (the local stack's, or a copy of the S3 bucket),
as a table in the terminal or as CSV (`--csv`, `--output FILE`).

The folder is laid out as the analytics bucket (`records/orders/dt=YYYY-MM-DD/...`); it is
`--records`, else $ANALYTICS_LOCAL_DIR, else `.local/analytics` (where `make run` writes).
A bad period or groupBy prints one line on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from returns_service.analytics import returns_report
from returns_service.analytics.engines import LOCAL_DIR_VARIABLE, DuckDbEngine
from returns_service.analytics.query import GROUP_BYS, PeriodError, Request
from returns_service.analytics.report import REASONS, to_csv

DEFAULT_RECORDS = Path(".local/analytics")
_SHORT = {
    "quality_issue": "quality",
    "not_as_described": "not_as_desc",
    "wrong_item": "wrong_item",
    "damaged_in_transit": "damaged",
    "no_longer_needed": "not_needed",
    "size_or_fit": "size",
    "other": "other",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m returns_service.analytics",
        description="Return analytics (contract section 9) from a folder of records.",
    )
    parser.add_argument("--from", dest="start", required=True, help="first UTC delivery date, YYYY-MM-DD")
    parser.add_argument(
        "--to", dest="end", required=True, help="last UTC delivery date, YYYY-MM-DD (included)"
    )
    parser.add_argument("--group-by", default="brand", help=f"one of {', '.join(GROUP_BYS)} (default brand)")
    parser.add_argument("--records", type=Path, help="the records folder (the bucket's layout)")
    parser.add_argument(
        "--csv", action="store_true", help="CSV (the route's Accept: text/csv) instead of a table"
    )
    parser.add_argument("--output", type=Path, help="write to this file instead of the terminal")
    args = parser.parse_args(argv)
    try:
        request = Request.of(args.start, args.end, args.group_by)
    except PeriodError as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 2
    records = args.records or Path(os.environ.get(LOCAL_DIR_VARIABLE) or DEFAULT_RECORDS)
    if not records.is_dir():
        print(f"error: no records folder at {records} (run `make run`, or give --records)", file=sys.stderr)
        return 2
    report = returns_report(request, DuckDbEngine(records))
    text = to_csv(report) if args.csv else render(report)
    if args.output:
        args.output.write_text(text, encoding="utf-8", newline="")
    else:
        sys.stdout.write(text)
    return 0


def render(report: dict[str, Any]) -> str:
    """The rows and the overall figures as an aligned table (wide characters count double)."""
    head = [
        report["groupBy"],
        "sold",
        "returned",
        "rate",
        "merchant",
        "median h",
        "flag",
        "by reason",
        "refunded",
    ]
    body = [_cells(row["key"], row, "yes" if row["flagged"] else "") for row in report["rows"]]
    body.append(_cells("(overall)", report["overall"], ""))
    table = [head, *body]
    widths = [max(_width(row[i]) for row in table) for i in range(len(head))]
    numeric = {1, 2, 3, 4, 5}
    lines = []
    for row in table:
        cells = [
            (" " * (widths[i] - _width(cell)) + cell)
            if i in numeric
            else cell + " " * (widths[i] - _width(cell))
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    title = (
        f"returns of the orders delivered {report['from']} to {report['to']} (UTC), by {report['groupBy']}"
    )
    return "\n".join([title, *lines]) + "\n"


def _cells(key: str, figures: dict[str, Any], flag: str) -> list[str]:
    reasons = " ".join(f"{_SHORT[r]}:{figures['byReason'][r]}" for r in REASONS if r in figures["byReason"])
    refunded = " ".join(f"{m['amount']} {m['currency']}" for m in figures["refunded"])
    return [
        key,
        str(figures["unitsSold"]),
        str(figures["unitsReturned"]),
        figures["returnRate"] or "-",
        figures["merchantFaultRate"] or "-",
        figures["medianHoursToRefund"] or "-",
        flag,
        reasons,
        refunded,
    ]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


if __name__ == "__main__":
    sys.exit(main())
