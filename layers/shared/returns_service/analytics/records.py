"""The records analytics reads: what the EventBridge rules of template.yaml hand to Firehose.

Each record is one event, reshaped by the rule's input transformer into
``{"id", "detailType", "time", "detail"}`` (one JSON object a line, GZIP), under
``<prefix>dt=YYYY-MM-DD/`` by the day it arrived (UTC). The Glue tables of template.yaml declare
these columns with these types (a test holds them equal); the local engine reads the same files
with the same types, so both engines see one schema. Only the fields the query uses are declared:
anything else in an event is ignored by both readers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PARTITION_COLUMN = "dt"
ENVELOPE = (("id", "string"), ("detailType", "string"), ("time", "string"))


@dataclass(frozen=True)
class RecordTable:
    """A Glue table: where its records are (under the bucket or the local folder) and its columns."""

    name: str
    prefix: str
    columns: tuple[tuple[str, str], ...]


ORDER_UPDATES = RecordTable(
    name="order_updates",
    prefix="records/orders/",
    columns=(
        *ENVELOPE,
        (
            "detail",
            "struct<orderId:string,version:bigint,channel:string,sellerId:string,"
            "deliveredAt:string,lines:array<struct<lineId:string,sku:string,brand:string,"
            "category:string,quantity:bigint>>>",
        ),
    ),
)
RETURN_EVENTS = RecordTable(
    name="return_events",
    prefix="records/returns/",
    columns=(
        *ENVELOPE,
        (
            "detail",
            "struct<eventId:string,returnId:string,orderId:string,status:string,reason:string,"
            "createdAt:string,paidAt:string,refundAmount:string,currency:string,"
            "lines:array<struct<lineId:string,quantity:bigint,paidAmount:string>>,"
            "received:array<struct<lineId:string,quantity:bigint>>>",
        ),
    ),
)
CANCELLATION_EVENTS = RecordTable(
    name="cancellation_events",
    prefix="records/cancellations/",
    columns=(
        *ENVELOPE,
        (
            "detail",
            "struct<eventId:string,orderId:string,lines:array<struct<lineId:string,quantity:bigint>>>",
        ),
    ),
)
TABLES = (ORDER_UPDATES, RETURN_EVENTS, CANCELLATION_EVENTS)


# -- the compacted state ----------------------------------------------------------------------
# Written once a day by the compaction (analytics/compaction.py): the resolved state as of the
# start of a day (every record of the days before), Parquet, one folder per state under
# ``<prefix>state_date=YYYY-MM-DD/``; ``STATE_MARKER`` names the latest complete one. The
# columns are those of the SELECT in ``sql_file``, in its order.
STATE_PARTITION = "state_date"
STATE_MARKER = "state/latest"
# The state_date read when there is none yet: a day before any (Athena's partition projection
# has no such partition, the local folder no such folder), so the state tables are empty.
NO_STATE = "1970-01-01"


@dataclass(frozen=True)
class StateTable:
    """A Glue table of the compacted state and the SQL file whose rows it holds."""

    name: str
    prefix: str
    columns: tuple[tuple[str, str], ...]
    sql_file: str


ORDER_STATE = StateTable(
    name="order_state",
    prefix="state/order_state/",
    columns=(
        ("order_id", "string"),
        ("version", "bigint"),
        ("id", "string"),
        ("delivered_at", "string"),
        ("seller", "string"),
        ("line_no", "bigint"),
        ("line_id", "string"),
        ("sku", "string"),
        ("brand", "string"),
        ("category", "string"),
        ("quantity", "bigint"),
    ),
    sql_file="state_orders.sql",
)
RETURN_STATE = StateTable(
    name="return_state",
    prefix="state/return_state/",
    columns=(
        ("return_id", "string"),
        ("order_id", "string"),
        ("reason", "string"),
        ("created_at", "string"),
        ("ended", "bigint"),
        ("received", "bigint"),
        ("paid_at", "string"),
    ),
    sql_file="state_returns.sql",
)
EVENT_LINE_STATE = StateTable(
    name="event_line_state",
    prefix="state/event_line_state/",
    columns=(
        ("event_key", "string"),
        ("line_no", "bigint"),
        ("return_id", "string"),
        ("kind", "bigint"),
        ("line_id", "string"),
        ("units", "bigint"),
        ("currency", "string"),
        ("share", "bigint"),
    ),
    sql_file="state_event_lines.sql",
)
STATES = (ORDER_STATE, RETURN_STATE, EVENT_LINE_STATE)

_HIVE_SCALARS = {"string": "VARCHAR", "bigint": "BIGINT", "int": "INTEGER", "boolean": "BOOLEAN"}
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*|[<>:,])")


def duckdb_type(hive: str) -> str:
    """A Hive (Glue) type as DuckDB spells it: ``array<struct<a:string>>`` → ``STRUCT("a" VARCHAR)[]``."""
    tokens = _TOKEN.findall(hive)
    if "".join(tokens) != re.sub(r"\s+", "", hive):
        raise ValueError(f"not a Hive type: {hive!r}")
    converted, rest = _parse(tokens)
    if rest:
        raise ValueError(f"trailing text in Hive type {hive!r}: {''.join(rest)}")
    return converted


def _parse(tokens: list[str]) -> tuple[str, list[str]]:
    head, rest = tokens[0].lower(), tokens[1:]
    if head in _HIVE_SCALARS:
        return _HIVE_SCALARS[head], rest
    if head == "array":
        inner, rest = _parse(_expect(rest, "<"))
        return f"{inner}[]", _expect(rest, ">")
    if head == "struct":
        rest = _expect(rest, "<")
        fields = []
        while True:
            name, rest = rest[0], _expect(rest[1:], ":")
            kind, rest = _parse(rest)
            fields.append(f'"{name}" {kind}')
            if rest[:1] == [","]:
                rest = rest[1:]
                continue
            return f"STRUCT({', '.join(fields)})", _expect(rest, ">")
    raise ValueError(f"unsupported Hive type {head!r}")


def _expect(tokens: list[str], symbol: str) -> list[str]:
    if tokens[:1] != [symbol]:
        raise ValueError(f"expected {symbol!r} in a Hive type, got {''.join(tokens[:3])!r}")
    return tokens[1:]
