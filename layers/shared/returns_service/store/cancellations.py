"""The cancellation item, and every DynamoDB expression that touches it.

CancellationsTable (``cancellationId``) holds the core's ``Cancellation`` as it dumps (field names
are the stored attribute names) plus ``createdKey`` (``<createdAt>#<id>``: time-ordered, unique)
for the indexes ``ByCustomer`` (a customer's, newest first) and ``ByStatus`` (the CS queue,
oldest first).

Every save is one TransactWriteItems: the item put on the condition that it is still at the
revision the decision was taken on (a new one: that it does not exist), with the change's events
beside it (the ``outbox`` attribute: the events of that very write, as the returns repository
stores them), the units it reserves (new) or gives back (failed) on the order's counters, and
what the caller adds (the refund ledger). A racing decision fails the condition and decides again
on what is stored now. The table's stream publishes what a save stored (store/outbox.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from returns_core.lifecycle.cancellation import Cancellation, CancellationChange
from returns_service import aws
from returns_service.settings import settings
from returns_service.store import dynamo, orders, outbox
from returns_service.store.dynamo import (
    cancellation_codes,
    index_page,
    is_condition_failure,
    items_by_key,
    serialize_item,
)
from returns_service.store.outbox import OUTBOX

logger = Logger(child=True)

BY_CUSTOMER = "ByCustomer"
BY_STATUS = "ByStatus"
STATUS_PAGE_KEY = ("cancellationId", "status", "createdKey")
CUSTOMER_PAGE_KEY = ("cancellationId", "customerId", "createdKey")
_STORAGE_ONLY = ("createdKey", OUTBOX)


class StateChanged(Exception):
    """A condition of the save failed: ``codes`` says which item (the cancellation first, then the
    order's counters, then what the caller added). Load again and decide again."""

    def __init__(self, codes: Sequence[str]) -> None:
        super().__init__(f"the save's conditions failed: {list(codes)}")
        self.codes = list(codes)

    @property
    def cancellation_moved_on(self) -> bool:
        return bool(self.codes) and self.codes[0] == "ConditionalCheckFailed"


class AlreadyExists(Exception):
    """A cancellation with this id is stored already."""


class OverReserved(Exception):
    """The order has fewer units left than the cancellation asks for (another one took them)."""


def _item(change: CancellationChange) -> dict[str, Any]:
    """The stored item: the cancellation, its index key, and the events of this write (if any)."""
    c = change.after
    item = c.model_dump(mode="json", exclude_none=True)
    item["createdKey"] = f"{c.createdAt}#{c.cancellationId}"
    if change.events:
        item[OUTBOX] = [outbox.entry(event) for event in change.events]
    return item


def _model(item: dict[str, Any]) -> Cancellation:
    return Cancellation.model_validate({k: v for k, v in item.items() if k not in _STORAGE_ONLY})


def load(cancellation_id: str) -> Cancellation | None:
    """The cancellation as stored now (strongly consistent), or None."""
    item = dynamo.get_item(settings.cancellations_table, {"cancellationId": cancellation_id})
    return None if item is None else _model(item)


def save(
    change: CancellationChange,
    *,
    quantities: dict[str, int] | None = None,
    also: Sequence[dict[str, Any]] = (),
) -> None:
    """Store ``change``, its events and its units in one transaction (the table's stream publishes
    the events: store/outbox.py).

    A new cancellation (``before`` None) reserves its units within ``quantities`` (what the order's
    lines hold): AlreadyExists when its id is taken, OverReserved when the units are gone. Any
    other failed condition raises StateChanged.
    """
    after = change.after
    put: dict[str, Any] = {
        "TableName": settings.cancellations_table,
        "Item": serialize_item(_item(change)),
    }
    if change.before is None:
        put["ConditionExpression"] = "attribute_not_exists(cancellationId)"
    else:
        put["ConditionExpression"] = "#revision = :revision"
        put["ExpressionAttributeNames"] = {"#revision": "revision"}
        put["ExpressionAttributeValues"] = {":revision": {"N": str(change.before.revision)}}
    transaction: list[dict[str, Any]] = [{"Put": put}]
    if change.before is None:
        if quantities is None:
            raise ValueError("a new cancellation needs the order's quantities to reserve within")
        transaction.append(orders.reserve_update(after.orderId, after.units, quantities))
    released = {line_id: q for line_id, q in change.released.items() if q > 0}
    if released:
        update = orders.release_update(after.orderId, released)
        if update is not None:
            transaction.append(update)
    transaction.extend(also)
    if len(transaction) == 1:
        # Only the cancellation changes: one conditional put (a transaction would cost twice).
        try:
            aws.dynamodb_client().put_item(**put)
        except ClientError as error:
            if is_condition_failure(error):
                raise StateChanged(["ConditionalCheckFailed"]) from error
            raise
        return  # the table's stream publishes the events stored with it (store/outbox.py)
    try:
        aws.dynamodb_client().transact_write_items(TransactItems=transaction)  # type: ignore[arg-type]
    except ClientError as error:
        codes = cancellation_codes(error)
        if not codes:
            raise
        if change.before is None and codes[0] == "ConditionalCheckFailed":
            raise AlreadyExists(after.cancellationId) from error
        if change.before is None and len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            raise OverReserved(after.orderId) from error
        raise StateChanged(codes) from error


def page_by_status(
    status: str, limit: int, start: dict[str, Any] | None
) -> tuple[list[Cancellation], dict[str, Any] | None]:
    """A page of the cancellations in ``status``, oldest first (the CS queue), and the key to
    continue from. One that left the status since the (eventually consistent) index saw it is
    not on the page."""
    kwargs: dict[str, Any] = {
        "IndexName": BY_STATUS,
        "KeyConditionExpression": "#status = :s",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":s": status},
        "ScanIndexForward": True,
    }
    found, last = _page(kwargs, limit, start, STATUS_PAGE_KEY)
    return [c for c in found if c.status == status], last  # one that moved on since the index saw it


def page_by_customer(
    customer_id: str, order_id: str | None, limit: int, start: dict[str, Any] | None
) -> tuple[list[Cancellation], dict[str, Any] | None]:
    """A page of a customer's cancellations (of one order, if given), newest first, and the key
    to continue from."""
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
    query: dict[str, Any], limit: int, start: dict[str, Any] | None, key_names: Sequence[str]
) -> tuple[list[Cancellation], dict[str, Any] | None]:
    """A page of cancellations: the index's entries (keys; ByCustomer also ``orderId``), then the
    cancellations behind them by key (template.yaml says why the indexes hold no more)."""
    entries, last = index_page(settings.cancellations_table, query, limit, start, key_names)
    ids = [str(entry["cancellationId"]) for entry in entries]
    return [_model(item) for item in items_by_key(settings.cancellations_table, "cancellationId", ids)], last
