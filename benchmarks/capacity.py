"""What DynamoDB would bill for the requests the functions make (on-demand request units).

Each request the functions send is metered as DynamoDB meters it, from the items themselves:
a write costs 1 write unit per KB of the larger of the item before and after it (a transaction's
items 2 per KB), and each global secondary index the write touches costs its own units per KB of
the index entry (the keys, the projected attributes and 100 bytes), twice when the write moves
the entry (its key changed: a delete and a put), nothing when the entry is unchanged (so a
KEYS_ONLY or INCLUDE index is written only when what it holds changes). A read costs 1 read unit
per 4 KB read (a query: of everything it returned, rounded up once), half when eventually
consistent, twice in a transaction. Sizes follow DynamoDB's rules ("Item sizes and formats"):
attribute names and values in UTF-8, numbers about one byte per two digits plus one, 3 bytes per
list or map and 1 per element.

The before and after images come from a client of a session of its own, which the meter does
not count; how the tables are indexed comes from the tables (deployed from template.yaml).
"""

from __future__ import annotations

import base64
import json
import math
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WRITE_KB = 1024
READ_KB = 4096
INDEX_ENTRY_OVERHEAD = 100


def value_size(value: dict[str, Any]) -> int:
    """The size DynamoDB counts for one attribute value (wire format)."""
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = inner.lstrip("-").replace(".", "").lstrip("0") or "0"
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(base64.b64decode(inner)) if isinstance(inner, str) else len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in inner)
    if kind == "BS":
        return sum(value_size({"B": b}) for b in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(element) for element in inner)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + value_size(element) for name, element in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    """An item's size: its attributes' names and values."""
    return sum(len(name.encode()) + value_size(value) for name, value in (item or {}).items())


def write_units(size: int) -> int:
    return max(1, math.ceil(size / WRITE_KB))


def read_units(size: int, consistent: bool) -> float:
    return max(1, math.ceil(size / READ_KB)) * (1.0 if consistent else 0.5)


@dataclass(frozen=True)
class Index:
    """A global secondary index: its key and what it projects (None: ALL)."""

    name: str
    keys: tuple[str, ...]
    projected: frozenset[str] | None

    def entry(self, item: dict[str, Any] | None, table_keys: tuple[str, ...]) -> dict[str, Any] | None:
        """The item's entry in this index (None when the item is not in it: a key is missing)."""
        if item is None or any(key not in item for key in self.keys):
            return None
        if self.projected is None:
            return item
        wanted = set(table_keys) | set(self.keys) | self.projected
        return {name: value for name, value in item.items() if name in wanted}

    def units(
        self, before: dict[str, Any] | None, after: dict[str, Any] | None, table_keys: tuple[str, ...]
    ) -> int:
        """Write units this index is charged for a write that turned ``before`` into ``after``."""
        old, new = self.entry(before, table_keys), self.entry(after, table_keys)

        def cost(entry: dict[str, Any]) -> int:
            return write_units(item_size(entry) + INDEX_ENTRY_OVERHEAD)

        if old is None and new is None:
            return 0
        if old is None or new is None:
            return cost(old if new is None else new)  # type: ignore[arg-type]
        if any(old[key] != new[key] for key in self.keys):
            return cost(old) + cost(new)  # moved: a delete and a put
        if old == new:
            return 0
        return max(cost(old), cost(new))


@dataclass
class Table:
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]


@dataclass
class Kind:
    """The requests of one kind (operation on a table) and what they cost."""

    requests: int = 0
    table_wru: float = 0.0
    index_wru: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    rru: float = 0.0
    kb_written: float = 0.0  # the items' sizes written (the larger of before and after), KB

    @property
    def wru(self) -> float:
        return self.table_wru + sum(self.index_wru.values())


WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}


class Meter:
    """Botocore hooks (``before-call`` / ``after-call`` of dynamodb) that meter each request
    ``counting()`` says is the service's."""

    def __init__(self, side_client: Any, counting: Callable[[], bool], names: dict[str, str]) -> None:
        self.client = side_client  # a client of its own session: its reads are not metered
        self.counting = counting
        self.names = names  # physical table name -> logical name (for the breakdown)
        self.kinds: dict[tuple[str, str], Kind] = defaultdict(Kind)
        self._tables: dict[str, Table] = {}
        self._pending = threading.local()

    # -- the tables ----------------------------------------------------------------------------
    def table(self, name: str) -> Table:
        if name not in self._tables:
            described = self.client.describe_table(TableName=name)["Table"]
            indexes = []
            for index in described.get("GlobalSecondaryIndexes", []):
                projection = index["Projection"]
                kind = projection["ProjectionType"]
                projected = (
                    None
                    if kind == "ALL"
                    else frozenset(projection.get("NonKeyAttributes", []) if kind == "INCLUDE" else [])
                )
                keys = tuple(k["AttributeName"] for k in index["KeySchema"])
                indexes.append(Index(index["IndexName"], keys, projected))
            keys = tuple(k["AttributeName"] for k in described["KeySchema"])
            self._tables[name] = Table(keys, tuple(indexes))
        return self._tables[name]

    def _image(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        item = self.client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        return dict(item) if item is not None else None

    def _kind(self, operation: str, table: str) -> Kind:
        return self.kinds[(operation, self.names.get(table, table))]

    # -- the hooks -----------------------------------------------------------------------------
    def before_call(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        stack = self._stack()
        if not self.counting():
            stack.append(None)
            return
        body = json.loads(params.get("body") or b"{}")
        targets = []  # (table, key, transactional, operation) of every item written
        if model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            table = body["TableName"]
            keys = self.table(table).keys
            key = body["Key"] if "Key" in body else {k: body["Item"][k] for k in keys}
            targets.append((table, key, False, model.name))
        elif model.name == "TransactWriteItems":
            for entry in body["TransactItems"]:
                action, spec = next(iter(entry.items()))
                table = spec["TableName"]
                keys = self.table(table).keys
                key = spec["Key"] if "Key" in spec else {k: spec["Item"][k] for k in keys}
                targets.append((table, key, True, action))
        stack.append((model.name, body, [(t, k, tx, a, self._image(t, k)) for t, k, tx, a in targets]))

    def after_call(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        stack = self._stack()
        if not stack:
            return
        pending = stack.pop()
        if pending is None:
            return
        operation, body, targets = pending
        failed = "Error" in parsed or "CancellationReasons" in parsed
        if operation in WRITES:
            for table, key, transactional, action, before in targets:
                kind = self._kind(operation if not transactional else f"{operation}.{action}", table)
                kind.requests += 1
                after = before if failed else self._image(table, key)
                size = max(item_size(before), item_size(after))
                kind.kb_written += size / 1024
                kind.table_wru += write_units(size) * (2 if transactional else 1)
                if failed or action == "ConditionCheck":
                    continue
                described = self.table(table)
                for index in described.indexes:
                    kind.index_wru[index.name] += index.units(before, after, described.keys)
            return
        consistent = bool(body.get("ConsistentRead", False))
        if operation == "GetItem":
            kind = self._kind(operation, body["TableName"])
            kind.requests += 1
            kind.rru += read_units(item_size(parsed.get("Item")), consistent)
        elif operation in ("Query", "Scan"):
            name = body["TableName"] + (f"/{body['IndexName']}" if "IndexName" in body else "")
            kind = self._kind(operation, name)
            kind.requests += 1
            kind.rru += read_units(sum(item_size(item) for item in parsed.get("Items", [])), consistent)
        elif operation == "BatchGetItem":
            for table, items in parsed.get("Responses", {}).items():
                strong = bool(body["RequestItems"].get(table, {}).get("ConsistentRead", False))
                kind = self._kind(operation, table)
                kind.requests += 1
                kind.rru += sum(read_units(item_size(item), strong) for item in items)
        elif operation == "TransactGetItems":
            for response in parsed.get("Responses", []):
                kind = self._kind(operation, "items")
                kind.requests += 1
                kind.rru += 2 * read_units(item_size(response.get("Item")), True)
        else:
            self._kind(operation, body.get("TableName", "-")).requests += 1

    def _stack(self) -> list[Any]:
        if not hasattr(self._pending, "stack"):
            self._pending.stack = []
        stack: list[Any] = self._pending.stack
        return stack
