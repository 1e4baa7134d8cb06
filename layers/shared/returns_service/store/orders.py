"""The order item: the latest snapshot and the reservation counters of its lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from returns_core.lifecycle import rules
from returns_core.order import OrderSnapshot
from returns_service import aws
from returns_service.clock import timestamp
from returns_service.settings import settings
from returns_service.store import dynamo
from returns_service.store.dynamo import is_condition_failure

ORDER_SK = "ORDER"
RESERVED_PREFIX = "reserved:"


@dataclass(frozen=True)
class StoredOrder:
    """A snapshot with what live and refunded returns hold of each line."""

    snapshot: OrderSnapshot
    reserved: dict[str, int] = field(default_factory=dict)

    def left(self, line_id: str) -> int:
        """Units of a line no return holds yet."""
        return rules.left(self.snapshot, self.reserved, line_id)


def key(order_id: str) -> dict[str, str]:
    return {"orderId": order_id, "sk": ORDER_SK}


def reserved_attribute(line_id: str) -> str:
    return RESERVED_PREFIX + line_id


def save_snapshot(snapshot: OrderSnapshot, raw: dict[str, Any]) -> bool:
    """Store ``snapshot`` unless one of an equal or higher version is there: False when stale.

    An UpdateItem (not a Put) so the reservation counters on the same item survive.
    """
    try:
        aws.dynamodb_client().update_item(
            TableName=settings.orders_table,
            Key=dynamo.serialize_item(key(snapshot.orderId)),
            UpdateExpression=(
                "SET #snapshot = :s, #version = :v, customerId = :c, orderStatus = :st, syncedAt = :t"
            ),
            ConditionExpression="attribute_not_exists(#version) OR #version < :v",
            ExpressionAttributeNames={"#snapshot": "snapshot", "#version": "version"},
            ExpressionAttributeValues=dynamo.serialize_item(
                {
                    ":s": json.dumps(raw, separators=(",", ":"), sort_keys=True),
                    ":v": snapshot.version,
                    ":c": snapshot.customerId,
                    ":st": snapshot.status,
                    ":t": timestamp(),
                }
            ),
        )
    except ClientError as error:
        if is_condition_failure(error):
            return False
        raise
    return True


def load(order_id: str) -> StoredOrder | None:
    """The order as last synced (strongly consistent), or None when never seen."""
    item = dynamo.get_item(settings.orders_table, key(order_id))
    if item is None or "snapshot" not in item:
        return None
    snapshot = OrderSnapshot.model_validate(json.loads(str(item["snapshot"])))
    reserved = {
        name[len(RESERVED_PREFIX) :]: int(value)
        for name, value in item.items()
        if name.startswith(RESERVED_PREFIX)
    }
    return StoredOrder(snapshot=snapshot, reserved=reserved)


def reserve_update(order_id: str, lines: dict[str, int], quantities: dict[str, int]) -> dict[str, Any]:
    """A transaction item adding ``lines`` to the counters, only while each stays within its line.

    ``quantities`` are the lines' ordered quantities; the condition is ``reserved <= quantity - q``,
    so two returns racing for the last unit cannot both pass.
    """
    names: dict[str, str] = {"#version": "version"}
    values: dict[str, Any] = {":zero": {"N": "0"}}
    sets: list[str] = []
    conditions: list[str] = ["attribute_exists(#version)"]
    for i, (line_id, quantity) in enumerate(sorted(lines.items())):
        names[f"#r{i}"] = reserved_attribute(line_id)
        values[f":q{i}"] = {"N": str(quantity)}
        values[f":lim{i}"] = {"N": str(quantities[line_id] - quantity)}
        sets.append(f"#r{i} = if_not_exists(#r{i}, :zero) + :q{i}")
        conditions.append(f"(attribute_not_exists(#r{i}) OR #r{i} <= :lim{i})")
    return {
        "Update": {
            "TableName": settings.orders_table,
            "Key": {"orderId": {"S": order_id}, "sk": {"S": ORDER_SK}},
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }


def release_update(order_id: str, lines: dict[str, int]) -> dict[str, Any] | None:
    """A transaction item taking ``lines`` off the counters (None when there is nothing to take)."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    sets: list[str] = []
    for i, (line_id, quantity) in enumerate(sorted(lines.items())):
        if quantity <= 0:
            continue
        names[f"#r{i}"] = reserved_attribute(line_id)
        values[f":q{i}"] = {"N": str(quantity)}
        sets.append(f"#r{i} = #r{i} - :q{i}")
    if not sets:
        return None
    return {
        "Update": {
            "TableName": settings.orders_table,
            "Key": {"orderId": {"S": order_id}, "sk": {"S": ORDER_SK}},
            "UpdateExpression": "SET " + ", ".join(sets),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
    }
