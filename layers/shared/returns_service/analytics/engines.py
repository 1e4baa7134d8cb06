"""Where the analytics SQL runs: Athena in AWS, DuckDB over a local folder of the same records.

Both take the SQL text and its parameter values in placeholder order and give rows as dicts of
Python values (int, str or None), and both keep the compacted state where the bucket keeps it
(``state/``): the compaction's SELECTs written as Parquet (Athena's UNLOAD, DuckDB's COPY), then
the marker naming the latest complete state. DuckDB is imported only by the local engine: the
Lambda layer does not ship it.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from returns_service import aws
from returns_service.analytics.records import (
    PARTITION_COLUMN,
    STATE_MARKER,
    STATE_PARTITION,
    STATES,
    TABLES,
    RecordTable,
    StateTable,
    duckdb_type,
)
from returns_service.settings import settings

if TYPE_CHECKING:
    from mypy_boto3_athena import AthenaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

Row = dict[str, Any]
LOCAL_DIR_VARIABLE = "ANALYTICS_LOCAL_DIR"


StatePart = tuple[StateTable, str, Sequence[str]]  # a state table, its SELECT, its values
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Engine(Protocol):
    def run(self, sql: str, parameters: Sequence[str]) -> list[Row]: ...

    def state_date(self) -> str | None:
        """The day of the latest complete state (it holds every record of the days before)."""
        ...

    def save_state(self, day: str, parts: Sequence[StatePart]) -> None:
        """Write each SELECT's rows as its table's state of ``day``, then mark it the latest."""
        ...


class QueryFailed(RuntimeError):
    """The engine could not answer (a failed, cancelled or too slow Athena query)."""


# -- Athena -------------------------------------------------------------------------------------
_LITERAL = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_INTEGER_TYPES = {"tinyint", "smallint", "integer", "int", "bigint"}


class AthenaEngine:
    """The query through the analytics workgroup (its results location and scan limit) on the
    Glue database; parameters go as Athena's ExecutionParameters."""

    def __init__(
        self,
        workgroup: str,
        database: str,
        *,
        bucket: str = "",
        client: AthenaClient | None = None,
        s3: S3Client | None = None,
        timeout_seconds: float = 25.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.workgroup = workgroup
        self.database = database
        self.bucket = bucket
        self._client = client
        self._s3 = s3
        self.timeout_seconds = timeout_seconds
        self._sleep = sleep

    @property
    def client(self) -> AthenaClient:
        return self._client or aws.athena()

    @property
    def s3(self) -> S3Client:
        return self._s3 or aws.s3()

    def run(self, sql: str, parameters: Sequence[str]) -> list[Row]:
        query_id = self._start(sql, parameters)
        self._wait(query_id)
        return self._rows(query_id)

    def state_date(self) -> str | None:
        try:
            body = self.s3.get_object(Bucket=self.bucket, Key=STATE_MARKER)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            return None
        day = body.decode().strip()
        return day if _DAY.match(day) else None

    def save_state(self, day: str, parts: Sequence[StatePart]) -> None:
        """UNLOAD each SELECT to its table's folder of ``day`` (emptied first: UNLOAD writes only
        to an empty location, and a failed run may have left files), then the marker; the states
        before the one it replaces are deleted (a query may still be reading that one)."""
        _check_day(day)
        previous = self.state_date()
        for table, sql, parameters in parts:
            folder = f"{table.prefix}{STATE_PARTITION}={day}/"
            self._delete(folder)
            target = f"s3://{self.bucket}/{folder}"
            unload = f"UNLOAD ({sql}) TO '{target}' WITH (format = 'PARQUET', compression = 'SNAPPY')"
            self._wait(self._start(unload, parameters))
        self.s3.put_object(Bucket=self.bucket, Key=STATE_MARKER, Body=day.encode())
        for table in STATES:
            for folder in self._state_folders(table):
                if folder < f"{table.prefix}{STATE_PARTITION}={previous or day}/":
                    self._delete(folder)

    def _start(self, sql: str, parameters: Sequence[str]) -> str:
        started = self.client.start_query_execution(
            QueryString=sql,
            QueryExecutionContext={"Database": self.database},
            WorkGroup=self.workgroup,
            ExecutionParameters=[_literal(value) for value in parameters],
        )
        return started["QueryExecutionId"]

    def _state_folders(self, table: StateTable) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=table.prefix, Delimiter="/"
        )
        return [common["Prefix"] for page in pages for common in page.get("CommonPrefixes", [])]

    def _delete(self, folder: str) -> None:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=folder)
        for page in pages:
            keys: list[ObjectIdentifierTypeDef] = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                self.s3.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})

    def _wait(self, query_id: str) -> None:
        deadline = time.monotonic() + self.timeout_seconds
        interval = 0.1
        while True:
            status = self.client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
            state = status["State"]
            if state == "SUCCEEDED":
                return
            if state in ("FAILED", "CANCELLED"):
                raise QueryFailed(f"Athena query {query_id} {state}: {status.get('StateChangeReason', '')}")
            if time.monotonic() >= deadline:
                self.client.stop_query_execution(QueryExecutionId=query_id)
                raise QueryFailed(f"Athena query {query_id} still {state} after {self.timeout_seconds:.0f}s")
            self._sleep(interval)
            interval = min(interval * 2, 1.0)

    def _rows(self, query_id: str) -> list[Row]:
        rows: list[Row] = []
        names: list[str] = []
        types: list[str] = []
        header_skipped = False
        paginator = self.client.get_paginator("get_query_results")
        for page in paginator.paginate(QueryExecutionId=query_id, PaginationConfig={"PageSize": 1000}):
            result = page["ResultSet"]
            if not names:
                columns = result["ResultSetMetadata"]["ColumnInfo"]
                names = [column["Name"] for column in columns]
                types = [column["Type"].lower() for column in columns]
            for raw in result["Rows"]:
                if not header_skipped:  # Athena repeats the column names as the first row
                    header_skipped = True
                    continue
                cells = [datum.get("VarCharValue") for datum in raw["Data"]]
                rows.append({n: _value(c, t) for n, c, t in zip(names, cells, types, strict=True)})
        return rows


def _check_day(day: str) -> None:
    if not _DAY.match(day):
        raise ValueError(f"not a state day: {day!r}")


def _literal(value: str) -> str:
    """An ExecutionParameters entry is a SQL literal: only the runner's own values (dates, the
    groupBy names) are accepted, so nothing a caller typed is ever spliced into the query."""
    if not _LITERAL.match(value):
        raise ValueError(f"not an analytics parameter value: {value!r}")
    return f"'{value}'"


def _value(cell: str | None, kind: str) -> Any:
    if cell is None:
        return None
    return int(cell) if kind in _INTEGER_TYPES else cell


# -- DuckDB (local) -----------------------------------------------------------------------------
# The Trino functions the SQL uses that DuckDB names differently, and Trino's integer division.
_TRINO_COMPATIBILITY = (
    "SET integer_division = true",
    "SET TimeZone = 'UTC'",
    "CREATE MACRO cardinality(items) AS len(items)",
    "CREATE MACRO sequence(first, last) AS generate_series(first, last)",
    # The instant as a plain UTC timestamp: date_diff of two TIMESTAMPTZ goes through ICU's
    # calendar (several times slower); the instant, hence the difference, is the same.
    "CREATE MACRO from_iso8601_timestamp(text) AS make_timestamp(epoch_us(CAST(text AS TIMESTAMPTZ)))",
)


class DuckDbEngine:
    """The records of a local folder laid out as Firehose lays them out in S3
    (``<prefix>dt=YYYY-MM-DD/*.json.gz``; ``.json`` and ``.parquet`` files are read too)."""

    def __init__(self, root: Path | str, *, threads: int | None = None) -> None:
        self.root = Path(root)
        self.threads = threads

    def run(self, sql: str, parameters: Sequence[str]) -> list[Row]:
        with self._connection() as connection:
            cursor = connection.execute(sql, list(parameters))
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def state_date(self) -> str | None:
        marker = self.root / STATE_MARKER
        day = marker.read_text(encoding="utf-8").strip() if marker.is_file() else ""
        return day if _DAY.match(day) else None

    def save_state(self, day: str, parts: Sequence[StatePart]) -> None:
        """COPY each SELECT to ``<prefix>state_date=<day>/data.parquet`` (written aside, then
        renamed), then the marker; the states before the one it replaces are deleted."""
        _check_day(day)
        previous = self.state_date()
        with self._connection() as connection:
            for table, sql, parameters in parts:
                target = self.root / table.prefix / f"{STATE_PARTITION}={day}" / "data.parquet"
                target.parent.mkdir(parents=True, exist_ok=True)
                partial = target.with_name("data.parquet.partial")
                connection.execute(
                    f"COPY ({sql}) TO '{_quoted(str(partial))}' (FORMAT PARQUET)", list(parameters)
                )
                os.replace(partial, target)
        marker = self.root / STATE_MARKER
        marker.with_name("latest.partial").write_text(day, encoding="utf-8")
        os.replace(marker.with_name("latest.partial"), marker)
        for table in STATES:
            for folder in (self.root / table.prefix).glob(f"{STATE_PARTITION}=*"):
                if folder.name < f"{STATE_PARTITION}={previous or day}":
                    shutil.rmtree(folder)

    def _connection(self) -> Any:
        import duckdb  # only here: the local path (the Lambda layer has no DuckDB)

        connection = duckdb.connect()
        connection.execute("SET enable_progress_bar = false")  # a compaction in a terminal printed one
        if self.threads:
            connection.execute(f"SET threads = {int(self.threads)}")
        for statement in _TRINO_COMPATIBILITY:
            connection.execute(statement)
        for table in TABLES:
            connection.execute(self.view(table))
        for state in STATES:
            connection.execute(self.state_view(state))
        return connection

    def state_view(self, table: StateTable) -> str:
        """``CREATE VIEW`` of a state table over its Parquet files, partitioned by state_date (an
        empty view with its columns when there is none)."""
        columns = {name: duckdb_type(kind) for name, kind in table.columns}
        selected = ", ".join([*(f'"{name}"' for name in columns), STATE_PARTITION])
        files = f"{self.root / table.prefix}/*/*.parquet"
        if _matches(files):
            return (
                f"CREATE VIEW {table.name} AS SELECT {selected} FROM read_parquet({_list([files])},"
                f" hive_partitioning = true, hive_types = {{'{STATE_PARTITION}': 'VARCHAR'}})"
            )
        nulls = ", ".join(f'CAST(NULL AS {kind}) AS "{name}"' for name, kind in columns.items())
        return (
            f"CREATE VIEW {table.name} AS SELECT {nulls}, CAST(NULL AS VARCHAR) AS {STATE_PARTITION}"
            " WHERE false"
        )

    def view(self, table: RecordTable) -> str:
        """``CREATE VIEW`` of a table over its files (an empty view with its columns when none)."""
        folder = self.root / table.prefix
        columns = {name: duckdb_type(kind) for name, kind in table.columns}
        selected = ", ".join([*(f'"{name}"' for name in columns), PARTITION_COLUMN])
        parts = []
        json_files = [f"{folder}/*/*.json.gz", f"{folder}/*/*.json"]
        json_files = [pattern for pattern in json_files if _matches(pattern)]
        if json_files:
            spec = ", ".join(f"'{_quoted(name)}': '{_quoted(kind)}'" for name, kind in columns.items())
            parts.append(
                f"SELECT {selected} FROM read_json({_list(json_files)}, format = 'newline_delimited',"
                f" columns = {{{spec}}}, hive_partitioning = true,"
                f" hive_types = {{'{PARTITION_COLUMN}': 'VARCHAR'}})"
            )
        if _matches(f"{folder}/*/*.parquet"):
            parts.append(
                f"SELECT {selected} FROM read_parquet({_list([f'{folder}/*/*.parquet'])},"
                f" hive_partitioning = true, hive_types = {{'{PARTITION_COLUMN}': 'VARCHAR'}})"
            )
        if not parts:
            nulls = ", ".join(f'CAST(NULL AS {kind}) AS "{name}"' for name, kind in columns.items())
            parts.append(f"SELECT {nulls}, CAST(NULL AS VARCHAR) AS {PARTITION_COLUMN} WHERE false")
        return f"CREATE VIEW {table.name} AS " + " UNION ALL ".join(parts)


def _matches(pattern: str) -> bool:
    path = Path(pattern)
    return any(path.parent.parent.glob(f"{path.parent.name}/{path.name}"))


def _quoted(text: str) -> str:
    return text.replace("'", "''")


def _list(paths: Sequence[str]) -> str:
    return "[" + ", ".join(f"'{_quoted(path)}'" for path in paths) + "]"


def from_environment(*, timeout_seconds: float = 25.0) -> Engine:
    """DuckDB over ``ANALYTICS_LOCAL_DIR`` when it is set (the local stack, the command), else
    Athena with the workgroup, database and bucket template.yaml gives the functions (each
    statement given ``timeout_seconds``: the route's fit in API Gateway's 30 s)."""
    local = os.environ.get(LOCAL_DIR_VARIABLE)
    if local:
        return DuckDbEngine(local)
    return AthenaEngine(
        settings.analytics_workgroup,
        settings.analytics_database,
        bucket=settings.analytics_bucket,
        timeout_seconds=timeout_seconds,
    )
