"""Small helpers over boto3's DynamoDB API: (de)serialising, condition failures, a page of an
index that holds keys and the items behind it."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from returns_service import aws

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def serialize(value: Any) -> Any:
    """A Python value in DynamoDB's typed JSON (for the low-level client and transactions)."""
    return _SERIALIZER.serialize(value)


def serialize_item(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _SERIALIZER.serialize(value) for key, value in values.items()}


def deserialize_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item from the client with plain values (every number we store is an integer). The
    repository reads through the client, not boto3's resource, whose model costs a function CPU
    at its first use (docs/ARCHITECTURE.md, Cold starts)."""
    return {key: plain(_DESERIALIZER.deserialize(value)) for key, value in item.items()}


def get_item(table_name: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """The item at ``key`` (plain values), read strongly consistent; None when there is none."""
    response = aws.dynamodb_client().get_item(
        TableName=table_name, Key=serialize_item(key), ConsistentRead=True
    )
    item = response.get("Item")
    return None if item is None else deserialize_item(item)


def query_pages(
    table_name: str, query: dict[str, Any], start: dict[str, Any] | None = None, limit: int | None = None
) -> Iterator[tuple[list[dict[str, Any]], bool]]:
    """The pages of a Query (``query`` with plain values, ``start`` a plain key to continue
    after): each page's items (plain values) and whether DynamoDB has more after it. The key
    between pages stays as DynamoDB gave it."""
    request = {**query, "TableName": table_name}
    if "ExpressionAttributeValues" in query:
        request["ExpressionAttributeValues"] = serialize_item(query["ExpressionAttributeValues"])
    if start:
        request["ExclusiveStartKey"] = serialize_item(start)
    if limit is not None:
        request["Limit"] = limit
    client = aws.dynamodb_client()
    while True:
        response = client.query(**request)
        following = response.get("LastEvaluatedKey")
        yield [deserialize_item(item) for item in response.get("Items", [])], bool(following)
        if not following:
            return
        request["ExclusiveStartKey"] = following


def plain(value: Any) -> Any:
    """Decimals back to ints (every number we store is an integer), recursively."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {key: plain(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [plain(inner) for inner in value]
    if isinstance(value, set):
        return {plain(inner) for inner in value}
    return value


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def is_condition_failure(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


def cancellation_codes(error: ClientError) -> list[str]:
    """Per-item reason codes of a cancelled transaction ("None" for items that were fine)."""
    if error_code(error) != "TransactionCanceledException":
        return []
    reasons = error.response.get("CancellationReasons") or []
    codes = [str(reason.get("Code", "None")) for reason in reasons]
    if codes:
        return codes
    # Some emulators only put the reasons in the message: "... [ConditionalCheckFailed, None]".
    message = str(error.response.get("Error", {}).get("Message", ""))
    if "[" in message and message.endswith("]"):
        return [part.strip() for part in message[message.rindex("[") + 1 : -1].split(",")]
    return []


def index_page(
    table_name: str, query: dict[str, Any], limit: int, start: dict[str, Any] | None, key_names: Sequence[str]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to ``limit`` entries of an index query, reading on while a filter leaves a page short,
    and the key to continue after the last entry given (a full page never skips the rest of a
    read; None when nothing follows)."""
    entries: list[dict[str, Any]] = []
    for page, more_after in query_pages(table_name, query, start, limit):
        for entry in page:
            entries.append(entry)
            if len(entries) == limit:
                more = entry is not page[-1] or more_after
                return entries, ({k: entries[-1][k] for k in key_names} if more else None)
    return entries, None


BATCH_ATTEMPTS = 8


def items_by_key(table_name: str, key_name: str, ids: Sequence[str]) -> list[dict[str, Any]]:
    """The items of ``ids`` (at most 100: a page) in that order, read in one BatchGetItem (again
    for the keys DynamoDB leaves unprocessed, backing off); an item gone since is left out.

    The list indexes hold keys, not items: a write then rewrites no index entry unless a key moves,
    and a page reads its items here (a list is read far less often than an item is written)."""
    if not ids:
        return []
    found: dict[str, dict[str, Any]] = {}
    request: dict[str, Any] = {
        table_name: {"Keys": [{key_name: serialize(key)} for key in dict.fromkeys(ids)]}
    }
    client = aws.dynamodb_client()
    for attempt in range(BATCH_ATTEMPTS):
        response = client.batch_get_item(RequestItems=request)
        for item in response.get("Responses", {}).get(table_name, []):
            found[str(_DESERIALIZER.deserialize(item[key_name]))] = deserialize_item(item)
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return [found[key] for key in ids if key in found]
        time.sleep(min(0.05 * 2**attempt, 1.0))  # throttled: DynamoDB asks to back off
    raise RuntimeError("DynamoDB left part of a page unread; try again")
