"""Small helpers over boto3's DynamoDB API: (de)serialising, condition failures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def serialize(value: Any) -> Any:
    """A Python value in DynamoDB's typed JSON (for the low-level client and transactions)."""
    return _SERIALIZER.serialize(value)


def serialize_item(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _SERIALIZER.serialize(value) for key, value in values.items()}


def deserialize_item(item: dict[str, Any]) -> dict[str, Any]:
    return {key: plain(_DESERIALIZER.deserialize(value)) for key, value in item.items()}


def plain_item(value: Any) -> dict[str, Any]:
    """A stored item with plain ints."""
    return {str(key): plain(inner) for key, inner in dict(value).items()}


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
