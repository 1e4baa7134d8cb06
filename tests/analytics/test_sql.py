"""One SQL file for two engines: it runs on DuckDB (the other tests) and is Trino for Athena.

sqlglot parses it as Trino and knows every function it calls; its own translation of that Trino
into DuckDB gives the same rows as the file run through the DuckDB engine's compatibility macros,
so the macros mean what Trino means.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from returns_service.analytics import query
from returns_service.analytics.engines import DuckDbEngine
from returns_service.analytics.records import TABLES
from tests.analytics.records import Records
from tests.analytics.test_figures import shop  # noqa: F401 - the fixture

SQL = query.sql()


def test_it_is_trino() -> None:
    tree = sqlglot.parse_one(SQL, read="trino", error_level=sqlglot.ErrorLevel.RAISE)
    unknown = sorted({f.name for f in tree.find_all(exp.Anonymous)})
    assert unknown == [], f"functions sqlglot does not know as Trino's: {unknown}"
    tables = {t.name for t in tree.find_all(exp.Table)} - {c.alias_or_name for c in tree.find_all(exp.CTE)}
    assert tables == {table.name for table in TABLES}


def test_every_placeholder_is_named_and_bound() -> None:
    names = query.placeholders(SQL)
    assert set(names) == {"records_from", "day_after_period", "period_from", "period_to", "group_by"}
    request = query.Request.of("2026-05-01", "2026-05-31", "sku")
    values = {
        "records_from": "2026-04-30",  # the day before the period
        "day_after_period": "2026-06-01",
        "period_from": "2026-05-01",
        "period_to": "2026-05-31",
        "group_by": "sku",
    }
    assert request.parameters() == values
    assert query.bind(SQL, values) == [values[name] for name in names]
    with pytest.raises(KeyError):
        query.bind(SQL, {"period_from": "2026-05-01"})
    with pytest.raises(ValueError, match="/\\*:name\\*/"):
        query.placeholders("SELECT ? /*:a*/, ?")


@pytest.mark.parametrize("group_by", query.GROUP_BYS)
def test_sqlglot_s_duckdb_reading_of_the_trino_gives_the_same_rows(shop: Records, group_by: str) -> None:  # noqa: F811
    parameters = query.bind(SQL, query.Request.of("2026-05-01", "2026-05-02", group_by).parameters())
    engine = DuckDbEngine(shop.root)
    ours = engine.run(SQL, parameters)
    translated = sqlglot.transpile(SQL, read="trino", write="duckdb")[0]
    with duckdb.connect() as connection:
        connection.execute("SET integer_division = true")  # Trino's / of two integers
        for table in TABLES:
            connection.execute(engine.view(table))
        cursor = connection.execute(translated, parameters)
        names = [c[0] for c in cursor.description or ()]
        theirs = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def ordered(rows: list[dict[str, object]]) -> list[str]:
        return sorted(repr(sorted(row.items())) for row in rows)

    assert ours and ordered(ours) == ordered(theirs)


def test_an_empty_folder_is_an_empty_cohort(tmp_path: Path) -> None:
    rows = DuckDbEngine(tmp_path / "nothing-yet").run(
        SQL, query.bind(SQL, query.Request.of("2026-05-01", "2026-05-01", "brand").parameters())
    )
    assert [(r["kind"], r["scope"], r["units_sold"]) for r in rows] == [("units", "overall", None)]


def test_athena_reads_each_table_in_one_place() -> None:
    """Trino inlines a WITH query wherever it is named (Athena bills every read): the SQL reads the
    orders and the cancellations twice (sold_lines is named twice) and the returns' events three
    times (return_records is named three times), however the figures grow."""
    from benchmarks.analytics import trino_reads

    assert trino_reads() == {"order_updates": 2, "cancellation_events": 2, "return_events": 3}
