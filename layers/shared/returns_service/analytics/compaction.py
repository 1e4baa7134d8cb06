"""The daily compaction: the resolved state as of the start of a day, so that the query merges it
with the raw records since instead of resolving every record again (docs/ANALYTICS.md).

Incremental: the state of day D is the state of the previous compaction merged with the raw
records of the days since, by the same SELECTs the query includes (``state_*.sql``), so a day of
Athena reads the state (Parquet) and one day of records, not every record ever kept. With no
state yet the same SELECTs read every raw day. It runs on a schedule shortly after midnight UTC
(template.yaml, AnalyticsCompactionFunction), once Firehose has flushed the day before; locally
``python -m returns_service.analytics.compaction`` does the same into the local folder.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from returns_service.analytics.engines import LOCAL_DIR_VARIABLE, DuckDbEngine, Engine
from returns_service.analytics.query import bind, state_parameters, state_sql
from returns_service.analytics.records import STATES


def compact(engine: Engine, until: date) -> str | None:
    """Write the state of ``until`` (every record of the days before it) unless it is there
    already or a later one is; the day written, or None."""
    day = until.isoformat()
    previous = engine.state_date()
    if previous is not None and previous >= day:
        return None
    values = state_parameters(previous, day)
    parts = []
    for table in STATES:
        text = state_sql(table)
        parts.append((table, text, bind(text, values)))
    engine.save_state(day, parts)
    return day


def today() -> date:
    """The state of today holds every day that is over (UTC)."""
    return datetime.now(UTC).date()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m returns_service.analytics.compaction",
        description="Compact the analytics records of a local folder into the state of a day.",
    )
    parser.add_argument("--records", type=Path, help="the records folder (the bucket's layout)")
    parser.add_argument("--until", help="the state's day, YYYY-MM-DD (default today, UTC)")
    args = parser.parse_args(argv)
    records = args.records or Path(os.environ.get(LOCAL_DIR_VARIABLE) or ".local/analytics")
    until = date.fromisoformat(args.until) if args.until else today()
    written = compact(DuckDbEngine(records), until)
    print(f"state of {written} written" if written else f"a state of {until} or later is there already")
    return 0


if __name__ == "__main__":
    sys.exit(main())
