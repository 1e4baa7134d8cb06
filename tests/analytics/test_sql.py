"""One SQL text for two engines: the query and the compaction's SELECTs run on DuckDB (the other
tests) and are Trino for Athena.

sqlglot parses them as Trino and knows every function they call; its own translation of that
Trino into DuckDB gives the same rows as the text run through the DuckDB engine's compatibility
macros, with and without a state, so the macros mean what Trino means.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from returns_service.analytics import query
from returns_service.analytics.compaction import compact
from returns_service.analytics.engines import DuckDbEngine
from returns_service.analytics.records import STATES, TABLES, StateTable
from tests.analytics.records import Records
from tests.analytics.test_figures import shop  # noqa: F401 - the fixture

SQL = query.sql()


@pytest.mark.parametrize(
    "text", [SQL, *(query.state_sql(t) for t in STATES)], ids=["returns", *(t.sql_file for t in STATES)]
)
def test_it_is_trino(text: str) -> None:
    tree = sqlglot.parse_one(text, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
    unknown = sorted({f.name for f in tree.find_all(exp.Anonymous)})
    assert unknown == [], f"functions sqlglot does not know as Trino's: {unknown}"
    tables = {t.name for t in tree.find_all(exp.Table)} - {c.alias_or_name for c in tree.find_all(exp.CTE)}
    assert tables <= {table.name for table in (*TABLES, *STATES)}
    if text == SQL:
        assert tables == {table.name for table in (*TABLES, *STATES)}
    assert "/*include" not in text


def test_every_placeholder_is_named_and_bound() -> None:
    names = query.placeholders(SQL)
    assert set(names) == {
        "records_from",
        "day_after_period",
        "period_from",
        "period_to",
        "group_by",
        "state_date",
        "raw_from",
        "raw_until",
        "orders",
    }
    request = query.Request.of("2026-05-01", "2026-05-31", "sku")
    values = {
        "records_from": "2026-04-30",  # the day before the period
        "day_after_period": "2026-06-01",
        "period_from": "2026-05-01",
        "period_to": "2026-05-31",
        "group_by": "sku",
        "state_date": "1970-01-01",  # no state: the raw records from the day before the period
        "raw_from": "2026-04-30",
        "raw_until": "9999-12-31",
        "orders": "cohort",  # the latest raw snapshots delivered near the period only
    }
    assert request.parameters() == values
    later = request.parameters("2026-05-20")
    assert (later["state_date"], later["raw_from"]) == ("2026-05-20", "2026-05-20")
    earlier = request.parameters("2026-03-01")
    assert (earlier["state_date"], earlier["raw_from"]) == ("2026-03-01", "2026-04-30")
    assert query.bind(SQL, values) == [values[name] for name in names]
    with pytest.raises(KeyError):
        query.bind(SQL, {"period_from": "2026-05-01"})
    with pytest.raises(ValueError, match="/\\*:name\\*/"):
        query.placeholders("SELECT ? /*:a*/, ?")


def translated_rows(engine: DuckDbEngine, text: str, parameters: list[str]) -> list[dict[str, object]]:
    translated = sqlglot.transpile(text, read="trino", write="duckdb")[0]
    with duckdb.connect() as connection:
        connection.execute("SET integer_division = true")  # Trino's / of two integers
        for table in TABLES:
            connection.execute(engine.view(table))
        for state in STATES:
            connection.execute(engine.state_view(state))
        cursor = connection.execute(translated, parameters)
        names = [c[0] for c in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def ordered(rows: list[dict[str, object]]) -> list[str]:
    return sorted(repr(sorted(row.items())) for row in rows)


@pytest.mark.parametrize("state", [None, "2026-05-02"], ids=["raw", "state"])
@pytest.mark.parametrize("group_by", query.GROUP_BYS)
def test_sqlglot_s_duckdb_reading_of_the_trino_gives_the_same_rows(
    shop: Records,  # noqa: F811
    tmp_path: Path,
    group_by: str,
    state: str | None,
) -> None:
    engine = DuckDbEngine(shop.root)
    if state:
        compact(engine, date.fromisoformat(state))
        assert engine.state_date() == state
    parameters = query.bind(SQL, query.Request.of("2026-05-01", "2026-05-02", group_by).parameters(state))
    ours = engine.run(SQL, parameters)
    assert ours and ordered(ours) == ordered(translated_rows(engine, SQL, parameters))


@pytest.mark.parametrize("table", STATES, ids=lambda t: t.name)
def test_sqlglot_s_duckdb_reading_of_each_state_select_gives_the_same_rows(
    shop: Records,  # noqa: F811
    tmp_path: Path,
    table: StateTable,
) -> None:
    """The compaction's SELECTs, on a state (the first two days) merged with the days since."""
    copy = tmp_path / "copy"
    shutil.copytree(shop.root, copy)
    engine = DuckDbEngine(copy)
    compact(engine, date(2026, 5, 2))
    text = query.state_sql(table)
    parameters = query.bind(text, query.state_parameters("2026-05-02", "2026-06-01"))
    ours = engine.run(text, parameters)
    assert ours and ordered(ours) == ordered(translated_rows(engine, text, parameters))


def test_an_empty_folder_is_an_empty_cohort(tmp_path: Path) -> None:
    rows = DuckDbEngine(tmp_path / "nothing-yet").run(
        SQL, query.bind(SQL, query.Request.of("2026-05-01", "2026-05-01", "brand").parameters())
    )
    assert [(r["kind"], r["scope"], r["units_sold"]) for r in rows] == [("units", "overall", None)]


def test_athena_reads_each_table_a_known_number_of_times() -> None:
    """Trino inlines a WITH query wherever it is named (Athena bills every read). sold_lines is
    named twice: the raw days of the orders are read four times, the orders' state six times (its
    superseded orders, the raw orders' check, the rows), the cancellations twice; the raw days of
    the returns' events three times, the returns' state once, the event lines' state twice."""
    from benchmarks.analytics import trino_reads

    assert trino_reads() == {
        "order_updates": 4,
        "order_state": 6,
        "cancellation_events": 2,
        "return_events": 3,
        "return_state": 1,
        "event_line_state": 2,
    }
