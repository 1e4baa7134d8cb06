"""The compacted state changes no figure: on random shops (test_rewrite.py's, plus records delivered
again a few days later, across the state's boundary), the query on the state of a random day
merged with the raw records since gives the rows of the query on the raw records alone, for every
groupBy; the state built day by day (each from the one before and a day of records) is the state
built at once from every record; and a query on a local folder reads the state the compaction
left there."""

from __future__ import annotations

import gzip
import json
import random
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from returns_service.analytics import compaction, query, returns_report
from returns_service.analytics.compaction import compact, today
from returns_service.analytics.engines import DuckDbEngine
from returns_service.analytics.records import STATE_MARKER, STATES
from tests.analytics.test_rewrite import PERIOD, ordered, random_shop

FIRST_DAY = date(2026, 4, 24)  # before every record of the random shops
LAST_DAY = date(2026, 5, 12)  # after every one


def deliver_again(root: Path, rng: random.Random) -> int:
    """About a tenth of the records once more, 0 to 3 days later: the same record (an order
    snapshot keeps its envelope id, as a Firehose retry does), or the same event in a new envelope."""
    copies = 0
    for path in sorted(root.glob("records/*/dt=*/*.json.gz")):
        day = date.fromisoformat(path.parent.name.partition("=")[2])
        for raw in gzip.decompress(path.read_bytes()).decode().splitlines():
            if rng.random() >= 0.1:
                continue
            record = json.loads(raw)
            if "orders" not in path.parts[-3]:
                record["id"] = f"again-{copies}"
            later = path.parents[1] / f"dt={day + timedelta(days=rng.randint(0, 3))}"
            later.mkdir(parents=True, exist_ok=True)
            with (later / "again.json.gz").open("ab") as out:
                out.write(gzip.compress((json.dumps(record) + "\n").encode()))
            copies += 1
    return copies


def rows(engine: DuckDbEngine, group_by: str, state_date: str | None) -> list[str]:
    request = query.Request.of(*PERIOD, group_by)
    text = query.sql()
    return ordered(engine.run(text, query.bind(text, request.parameters(state_date))))


def state_rows(root: Path, day: date) -> dict[str, list[str]]:
    import duckdb

    with duckdb.connect() as connection:
        return {
            table.name: sorted(
                repr(row)
                for row in connection.execute(
                    f"SELECT * FROM read_parquet('{root}/{table.prefix}state_date={day}/*.parquet')"
                ).fetchall()
            )
            for table in STATES
        }


@pytest.mark.parametrize("seed", range(4))
def test_the_state_of_any_day_and_the_raw_records_since_give_the_figures_of_the_raw_records(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(1000 + seed)
    shop = random_shop(tmp_path / "raw", seed)
    assert deliver_again(shop.root, rng) > 0
    raw = DuckDbEngine(shop.root)
    expected = {group_by: rows(raw, group_by, None) for group_by in query.GROUP_BYS}
    assert len(expected["brand"]) > 1, "a shop with a cohort"
    for boundary in sorted({FIRST_DAY + timedelta(days=rng.randint(0, 18)) for _ in range(3)}):
        copy = tmp_path / f"state-{boundary}"
        shutil.copytree(shop.root, copy)
        engine = DuckDbEngine(copy)
        assert compact(engine, boundary) == boundary.isoformat()
        assert engine.state_date() == boundary.isoformat()
        for group_by in query.GROUP_BYS:
            assert rows(engine, group_by, boundary.isoformat()) == expected[group_by], (
                seed,
                boundary,
                group_by,
            )


@pytest.mark.parametrize("seed", range(2))
def test_the_state_built_day_by_day_is_the_state_built_at_once(tmp_path: Path, seed: int) -> None:
    rng = random.Random(2000 + seed)
    shop = random_shop(tmp_path / "raw", seed)
    deliver_again(shop.root, rng)
    at_once, daily = tmp_path / "at-once", tmp_path / "daily"
    shutil.copytree(shop.root, at_once)
    shutil.copytree(shop.root, daily)
    compact(DuckDbEngine(at_once), LAST_DAY)
    engine = DuckDbEngine(daily)
    day = FIRST_DAY + timedelta(days=rng.randint(0, 6))
    while day <= LAST_DAY:
        compact(engine, day)
        day += timedelta(days=rng.randint(1, 3))
    compact(engine, LAST_DAY)
    assert compact(engine, LAST_DAY) is None, "a state of that day is there already"
    assert state_rows(daily, LAST_DAY) == state_rows(at_once, LAST_DAY)
    # only the latest state and the one before it are kept
    kept = {folder.name for table in STATES for folder in (daily / table.prefix).iterdir()}
    assert len(kept) <= 2 and f"state_date={LAST_DAY}" in kept


def test_the_report_reads_the_state_the_compaction_left(tmp_path: Path) -> None:
    shop = random_shop(tmp_path, 7)
    before = returns_report(query.Request.of(*PERIOD, "brand"), DuckDbEngine(shop.root))
    compact(DuckDbEngine(shop.root), LAST_DAY)
    # the raw records of the days before the state are no longer read: take them away
    for path in shop.root.glob("records/*/dt=*"):
        if path.name < f"dt={LAST_DAY}" and "cancellations" not in path.parts[-2]:
            shutil.rmtree(path)
    after = returns_report(query.Request.of(*PERIOD, "brand"), DuckDbEngine(shop.root))
    assert after == before and after["rows"]


def test_a_folder_without_a_complete_state_reads_the_raw_records(tmp_path: Path) -> None:
    shop = random_shop(tmp_path, 3)
    engine = DuckDbEngine(shop.root)
    assert engine.state_date() is None
    (shop.root / STATE_MARKER).parent.mkdir(parents=True)
    (shop.root / STATE_MARKER).write_text("not a day")
    assert engine.state_date() is None
    report: dict[str, Any] = returns_report(query.Request.of(*PERIOD, "brand"), engine)
    assert report["rows"]


def test_the_compaction_function_of_the_local_stack_writes_the_state_the_route_then_reads(stack: Any) -> None:
    """template.yaml's compaction function, run by the local stack: DuckDB writes the state of
    today into the stack's records folder; the figures stay those of the raw records."""
    shop = random_shop(stack.records_dir, 11)
    request = query.Request.of(*PERIOD, "brand")
    before = returns_report(request, DuckDbEngine(shop.root))
    assert stack.invoke("AnalyticsCompactionFunction", {}) == {"stateDate": today().isoformat()}
    assert DuckDbEngine(shop.root).state_date() == today().isoformat()
    assert stack.invoke("AnalyticsCompactionFunction", {}) == {"stateDate": None}  # done for today
    assert returns_report(request, DuckDbEngine(shop.root)) == before and before["rows"]


def test_the_command_compacts_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shop = random_shop(tmp_path, 12)
    assert compaction.main(["--records", str(shop.root), "--until", str(LAST_DAY)]) == 0
    assert DuckDbEngine(shop.root).state_date() == str(LAST_DAY)
    assert compaction.main(["--records", str(shop.root), "--until", str(LAST_DAY)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"state of {LAST_DAY} written",
        f"a state of {LAST_DAY} or later is there already",
    ]
