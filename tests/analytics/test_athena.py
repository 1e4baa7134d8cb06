"""The Athena engine: the query, its parameters and its workgroup go to StartQueryExecution, it
polls until the query ends, and Athena's all-text result pages come back as the DuckDB engine's
rows (moto's Athena hands back the rows it is given)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.athena.models import QueryResults, athena_backends

from returns_service.analytics import query
from returns_service.analytics.compaction import compact
from returns_service.analytics.engines import AthenaEngine, DuckDbEngine, QueryFailed
from returns_service.analytics.records import NO_STATE, STATE_MARKER, STATES
from returns_service.analytics.report import shape
from tests.analytics.records import Records
from tests.analytics.test_figures import PERIOD, shop  # noqa: F401 - the fixture

ACCOUNT = "123456789012"
TEXT_COLUMNS = {"kind", "scope", "key", "currency"}


@pytest.fixture
def athena() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("athena", region_name="us-east-1")
        client.create_work_group(
            Name="returns-analytics-test",
            Configuration={"ResultConfiguration": {"OutputLocation": "s3://results/"}},
        )
        yield client


def as_athena_results(rows: list[dict[str, Any]]) -> QueryResults:
    names = list(rows[0])
    header = {"Data": [{"VarCharValue": name} for name in names]}
    data = [
        {"Data": [{} if row[n] is None else {"VarCharValue": str(row[n])} for n in names]} for row in rows
    ]
    columns = [{"Name": n, "Type": "varchar" if n in TEXT_COLUMNS else "bigint"} for n in names]
    return QueryResults(rows=[header, *data], column_info=columns)


def test_rows_through_athena_are_the_rows_through_duckdb(athena: Any, shop: Records) -> None:  # noqa: F811
    request = query.Request.of(*PERIOD, "brand")
    sql = query.sql()
    parameters = query.bind(sql, request.parameters())
    expected = DuckDbEngine(shop.root).run(sql, parameters)
    athena_backends[ACCOUNT]["us-east-1"].query_results_queue.append(as_athena_results(expected))
    naps: list[float] = []

    engine = AthenaEngine("returns-analytics-test", "returns_analytics", client=athena, sleep=naps.append)
    rows = engine.run(sql, parameters)

    assert rows == expected
    assert shape(request, rows) == shape(request, expected)
    [execution] = athena_backends[ACCOUNT]["us-east-1"].executions.values()
    assert execution.query == sql
    assert execution.context == {"Database": "returns_analytics"}  # type: ignore[comparison-overlap]
    assert execution.workgroup is not None and execution.workgroup.name == "returns-analytics-test"
    assert execution.execution_parameters == [f"'{value}'" for value in parameters]
    assert "'brand'" in execution.execution_parameters and "'2026-04-30'" in execution.execution_parameters


class FakeAthena:
    """An Athena that reports the given states, one per poll."""

    def __init__(self, *states: str) -> None:
        self.states = list(states)
        self.stopped: list[str] = []

    def start_query_execution(self, **kwargs: Any) -> dict[str, Any]:
        return {"QueryExecutionId": "q-1"}

    def get_query_execution(self, QueryExecutionId: str) -> dict[str, Any]:  # noqa: N803
        state = self.states.pop(0) if len(self.states) > 1 else self.states[0]
        return {"QueryExecution": {"Status": {"State": state, "StateChangeReason": "TABLE_NOT_FOUND"}}}

    def stop_query_execution(self, QueryExecutionId: str) -> None:  # noqa: N803
        self.stopped.append(QueryExecutionId)


def test_a_failed_query_says_why() -> None:
    fake: Any = FakeAthena("QUEUED", "RUNNING", "FAILED")
    engine = AthenaEngine("wg", "db", client=fake, sleep=lambda _: None)
    with pytest.raises(QueryFailed, match="FAILED: TABLE_NOT_FOUND"):
        engine.run("SELECT 1", [])


def test_a_query_too_slow_is_stopped() -> None:
    fake: Any = FakeAthena("RUNNING")
    engine = AthenaEngine("wg", "db", client=fake, timeout_seconds=0, sleep=lambda _: None)
    with pytest.raises(QueryFailed, match="still RUNNING"):
        engine.run("SELECT 1", [])
    assert fake.stopped == ["q-1"]


@pytest.mark.parametrize("value", ["x' OR '1'='1", "", "a b", "2026-05-01'; DROP TABLE x; --"])
def test_only_the_runner_s_own_values_become_parameters(value: str) -> None:
    fake: Any = FakeAthena("SUCCEEDED")
    with pytest.raises(ValueError, match="not an analytics parameter value"):
        AthenaEngine("wg", "db", client=fake, sleep=lambda _: None).run("SELECT ?", [value])


def test_the_compaction_unloads_each_state_then_marks_it(athena: Any) -> None:
    """Each state SELECT goes to Athena as UNLOAD to Parquet into its table's folder of the day
    (emptied first: a failed run's files), with its values bound; then state/latest names the day,
    and the states before the one it replaces are deleted."""
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="analytics")
    for day in ("2026-05-01", "2026-05-02", "2026-05-03"):  # 05-03: left by a failed run
        for table in STATES:
            s3.put_object(Bucket="analytics", Key=f"{table.prefix}state_date={day}/part-0", Body=b"x")
    s3.put_object(Bucket="analytics", Key=STATE_MARKER, Body=b"2026-05-02")
    engine = AthenaEngine(
        "returns-analytics-test",
        "returns_analytics",
        bucket="analytics",
        client=athena,
        s3=s3,
        sleep=lambda _: None,
    )
    assert engine.state_date() == "2026-05-02"

    assert compact(engine, date(2026, 5, 3)) == "2026-05-03"

    executions = list(athena_backends[ACCOUNT]["us-east-1"].executions.values())
    values = query.state_parameters("2026-05-02", "2026-05-03")
    assert [(e.query, e.execution_parameters) for e in executions] == [
        (
            f"UNLOAD ({query.state_sql(table)}) TO 's3://analytics/{table.prefix}state_date=2026-05-03/'"
            " WITH (format = 'PARQUET', compression = 'SNAPPY')",
            [f"'{value}'" for value in query.bind(query.state_sql(table), values)],
        )
        for table in STATES
    ]
    assert engine.state_date() == "2026-05-03"
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket="analytics", Prefix="state/")["Contents"]}
    assert keys == {STATE_MARKER} | {f"{t.prefix}state_date=2026-05-02/part-0" for t in STATES}
    assert compact(engine, date(2026, 5, 3)) is None  # done already: no query


def test_no_marker_no_state(athena: Any) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="analytics")
    engine = AthenaEngine("wg", "db", bucket="analytics", client=athena, s3=s3)
    assert engine.state_date() is None
    assert query.Request.of(*PERIOD, "brand").parameters(engine.state_date())["state_date"] == NO_STATE
