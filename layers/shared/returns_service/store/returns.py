"""The return item: its lines, status, history, quote, reservation, waiting task token and refund.

Every change is a conditional update on the status it expects, so concurrent decisions (a CS
review racing the review time limit, a cancel racing a receipt) resolve to exactly one winner.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from typing import Any

from botocore.exceptions import ClientError

from returns_core.refunds.models import Quote
from returns_service import aws, config
from returns_service.models import HistoryEntry, RefundView, ReturnView, Shipment
from returns_service.store import orders
from returns_service.store.dynamo import (
    cancellation_codes,
    is_condition_failure,
    plain_item,
    serialize,
    serialize_item,
    timestamp,
)

BY_CUSTOMER = "ByCustomer"
BY_STATUS = "ByStatus"


class StateChanged(Exception):
    """The return is not in the state an update expected; ``item`` is how it is now (or None)."""

    def __init__(self, item: dict[str, Any] | None) -> None:
        super().__init__("the return is not in the expected state")
        self.item = item


class AlreadyExists(Exception):
    """A return with this id is stored already (a retried create)."""


class OverReserved(Exception):
    """The order has fewer units left than the return asks for (or the order is unknown)."""


def _table() -> Any:
    return aws.dynamodb().Table(config.returns_table())


def history_entry(status: str, actor: str, note: str, at: str | None = None) -> dict[str, str]:
    return {"at": at or timestamp(), "status": status, "actor": actor, "note": note}


def create(item: dict[str, Any], quantities: dict[str, int]) -> None:
    """Store a new return and reserve its units on the order, atomically.

    Raises AlreadyExists when the return id is taken (the reservation was made with it, once),
    OverReserved when a line has fewer units left than asked.
    """
    lines = {line["lineId"]: int(line["quantity"]) for line in item["lines"]}
    try:
        aws.dynamodb_client().transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": config.returns_table(),
                        "Item": serialize_item(item),
                        "ConditionExpression": "attribute_not_exists(returnId)",
                    }
                },
                orders.reserve_update(item["orderId"], lines, quantities),  # type: ignore[list-item]
            ]
        )
    except ClientError as error:
        codes = cancellation_codes(error)
        if not codes:
            raise
        if codes[0] == "ConditionalCheckFailed":
            raise AlreadyExists(item["returnId"]) from error
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            raise OverReserved(item["orderId"]) from error
        raise


def get(return_id: str) -> dict[str, Any] | None:
    item = _table().get_item(Key={"returnId": return_id}, ConsistentRead=True).get("Item")
    return None if item is None else plain_item(item)


def update(
    return_id: str,
    *,
    expect: Collection[str],
    to: str | None = None,
    actor: str = "system",
    note: str = "",
    sets: dict[str, Any] | None = None,
    removes: Sequence[str] = (),
    condition: str = "",
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    record: bool = True,
) -> dict[str, Any]:
    """Change a return that is in one of the ``expect`` statuses; append a history entry.

    ``to`` is the new status (None keeps it; the history entry then repeats the current one).
    Raises StateChanged, with the item as it is now, when the status (or ``condition``) does not
    hold: the caller decides whether that is a conflict or a race it already lost.
    """
    now = timestamp()
    attr_names: dict[str, str] = {"#status": "status", "#updatedAt": "updatedAt", **(names or {})}
    attr_values: dict[str, Any] = {":now": now, **(values or {})}
    expressions = ["#updatedAt = :now"]
    for i, (name, value) in enumerate((sets or {}).items()):
        attr_names[f"#a{i}"] = name
        attr_values[f":a{i}"] = value
        expressions.append(f"#a{i} = :a{i}")
    if to is not None:
        attr_values[":to"] = to
        expressions.append("#status = :to")
    status_keys = []
    for i, status in enumerate(sorted(expect)):
        attr_values[f":e{i}"] = status
        status_keys.append(f":e{i}")
    if record:
        attr_names["#history"] = "history"
        expressions.append("#history = list_append(#history, :h)")
        if to is not None:
            attr_values[":h"] = [history_entry(to, actor, note, now)]
    removals = []
    for i, name in enumerate(removes):
        attr_names[f"#x{i}"] = name
        removals.append(f"#x{i}")
    expression = "SET " + ", ".join(expressions)
    if removals:
        expression += " REMOVE " + ", ".join(removals)
    conditions = ["attribute_exists(returnId)", f"#status IN ({', '.join(status_keys)})"]
    if condition:
        conditions.append(f"({condition})")
    if record and to is None:
        # The entry keeps the status the return has: read it first (the condition pins it).
        current = get(return_id)
        if current is None or current["status"] not in expect:
            raise StateChanged(current)
        attr_values[":h"] = [history_entry(current["status"], actor, note, now)]
        attr_values[":cur"] = current["status"]
        conditions.append("#status = :cur")
    try:
        response = _table().update_item(
            Key={"returnId": return_id},
            UpdateExpression=expression,
            ConditionExpression=" AND ".join(conditions),
            ExpressionAttributeNames=attr_names,
            ExpressionAttributeValues=attr_values,
            ReturnValues="ALL_NEW",
        )
    except ClientError as error:
        if is_condition_failure(error):
            raise StateChanged(get(return_id)) from error
        raise
    return plain_item(response["Attributes"])


def settle_reservation(item: dict[str, Any], kept: dict[str, int]) -> bool:
    """Release what the return holds beyond ``kept`` (the units refunded); idempotent.

    Returns False when it was settled already (a repeated close).
    """
    reservation = item.get("reservation") or {}
    if reservation.get("state") != "held":
        return False
    held = {line_id: int(q) for line_id, q in reservation.get("lines", {}).items()}
    release = {line_id: q - min(q, kept.get(line_id, 0)) for line_id, q in held.items()}
    transact: list[dict[str, Any]] = [
        {
            "Update": {
                "TableName": config.returns_table(),
                "Key": {"returnId": {"S": item["returnId"]}},
                "UpdateExpression": "SET reservation.#state = :settled, reservation.kept = :kept",
                "ConditionExpression": "reservation.#state = :held",
                "ExpressionAttributeNames": {"#state": "state"},
                "ExpressionAttributeValues": {
                    ":settled": {"S": "settled"},
                    ":held": {"S": "held"},
                    ":kept": serialize({k: v for k, v in kept.items() if v > 0}),
                },
            }
        }
    ]
    order_update = orders.release_update(item["orderId"], release)
    if order_update is not None:
        transact.append(order_update)
    try:
        aws.dynamodb_client().transact_write_items(TransactItems=transact)  # type: ignore[arg-type]
    except ClientError as error:
        codes = cancellation_codes(error)
        if codes and codes[0] == "ConditionalCheckFailed":
            return False
        raise
    return True


def transact(items: list[dict[str, Any]]) -> None:
    """Run a transaction; a failed condition becomes StateChanged(None) for the caller to re-read."""
    try:
        aws.dynamodb_client().transact_write_items(TransactItems=items)  # type: ignore[arg-type]
    except ClientError as error:
        if cancellation_codes(error):
            raise StateChanged(None) from error
        raise


STATUS_PAGE_KEY = ("returnId", "status", "createdKey")
CUSTOMER_PAGE_KEY = ("returnId", "customerId", "createdKey")


def by_status(
    status: str, limit: int, start: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A page of the returns in ``status``, oldest first, and the key to continue from."""
    kwargs: dict[str, Any] = {
        "IndexName": BY_STATUS,
        "KeyConditionExpression": "#status = :s",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":s": status},
        "ScanIndexForward": True,
    }
    return _page(kwargs, limit, start, STATUS_PAGE_KEY)


def by_customer(
    customer_id: str, order_id: str | None, limit: int, start: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A page of a customer's returns (of one order, if given), newest first, and the key to
    continue from."""
    kwargs: dict[str, Any] = {
        "IndexName": BY_CUSTOMER,
        "KeyConditionExpression": "customerId = :c",
        "ExpressionAttributeValues": {":c": customer_id},
        "ScanIndexForward": False,
    }
    if order_id is not None:
        kwargs["FilterExpression"] = "orderId = :o"
        kwargs["ExpressionAttributeValues"][":o"] = order_id
    return _page(kwargs, limit, start, CUSTOMER_PAGE_KEY)


def _page(
    kwargs: dict[str, Any], limit: int, start: dict[str, Any] | None, key_names: Sequence[str]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to ``limit`` items of an index query, reading on while a filter leaves a page short; the
    key continues after the last item given (so a full page never skips the rest of a read)."""
    items: list[dict[str, Any]] = []
    if start:
        kwargs["ExclusiveStartKey"] = start
    while True:
        response = _table().query(**kwargs, Limit=limit)
        for item in response.get("Items", []):
            items.append(plain_item(item))
            if len(items) == limit:
                more = item is not response["Items"][-1] or "LastEvaluatedKey" in response
                return items, ({k: items[-1][k] for k in key_names} if more else None)
        last = response.get("LastEvaluatedKey")
        if not last:
            return items, None
        kwargs["ExclusiveStartKey"] = last


def to_view(item: dict[str, Any]) -> ReturnView:
    """The contract's shape of a stored return (never the task token or internals)."""
    quote = item.get("quote")
    refund = item.get("refund")
    shipment = item.get("shipment")
    return ReturnView(
        returnId=item["returnId"],
        orderId=item["orderId"],
        customerId=item["customerId"],
        status=item["status"],
        lines=item["lines"],
        reason=item["reason"],
        reasonDetail=item.get("reasonDetail", ""),
        method=item["method"],
        quote=None if not quote else Quote.model_validate(json.loads(quote)),
        refund=None if not refund else RefundView.model_validate(refund),
        createdAt=item["createdAt"],
        updatedAt=item["updatedAt"],
        history=[HistoryEntry.model_validate(entry) for entry in item.get("history", [])],
        shipment=None if not shipment else Shipment.model_validate(shipment),
    )
