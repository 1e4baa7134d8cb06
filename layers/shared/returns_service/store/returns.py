"""The return repository: how a ``Return`` and its changes are stored (ReturnsTable).

Every save is conditioned on the revision the decision was taken on, so two decisions on one
return never both win: the loser gets ``Stale`` and decides again on what is stored. A change's
events are written with it (the ``outbox`` attribute: the events of that very write), and its
released units in the same transaction, so a stored change always has its events and its
releases, and nothing is ever half done.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from returns_core.lifecycle import Change, DomainEvent, Return, ReturnStatus
from returns_service import aws
from returns_service.settings import settings
from returns_service.store import dynamo, ledger, orders, outbox, settlements
from returns_service.store.dynamo import (
    cancellation_codes,
    index_page,
    is_condition_failure,
    items_by_key,
    serialize,
)
from returns_service.store.outbox import OUTBOX

BY_CUSTOMER = "ByCustomer"
BY_STATUS = "ByStatus"
CREATED_KEY = "createdKey"  # <createdAt>#<returnId>: time-ordered and unique, the indexes' sort key
_STORAGE_ONLY = frozenset({OUTBOX, CREATED_KEY})


class Stale(Exception):
    """The return changed (or vanished) since the decision was taken: load and decide again."""


class AlreadyExists(Exception):
    """A return with this id is stored already (a retried create)."""


class OverReserved(Exception):
    """The order has fewer units left than the return asks for (or the order is unknown)."""


# ---------------------------------------------------------------------------------------------
# Items
# ---------------------------------------------------------------------------------------------
def to_item(ret: Return, events: Sequence[DomainEvent] = ()) -> dict[str, Any]:
    """The stored item: the return, its index key, and the events of this write (if any)."""
    item: dict[str, Any] = ret.model_dump(mode="json", exclude_none=True)
    item[CREATED_KEY] = f"{ret.createdAt}#{ret.returnId}"
    if events:
        item[OUTBOX] = [outbox.entry(event) for event in events]
    return item


def from_item(item: dict[str, Any]) -> Return:
    return Return.model_validate({k: v for k, v in item.items() if k not in _STORAGE_ONLY})


def load(return_id: str) -> Return | None:
    """The return as stored (strongly consistent), or None."""
    item = dynamo.get_item(settings.returns_table, {"returnId": return_id})
    return None if item is None else from_item(item)


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------
def create(change: Change[Return], quantities: dict[str, int]) -> None:
    """Store a new return and reserve its units on the order, atomically.

    ``quantities`` are the order's line quantities: a line's counter never passes it. Raises
    AlreadyExists when the id is taken, OverReserved when a line has fewer units left than asked.
    """
    ret = change.after
    try:
        aws.dynamodb_client().transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": settings.returns_table,
                        "Item": {k: serialize(v) for k, v in to_item(ret, change.events).items()},
                        "ConditionExpression": "attribute_not_exists(returnId)",
                    }
                },
                orders.reserve_update(ret.orderId, ret.reservation.lines, quantities),  # type: ignore[list-item]
            ]
        )
    except ClientError as error:
        codes = cancellation_codes(error)
        if not codes:
            raise
        if codes[0] == "ConditionalCheckFailed":
            raise AlreadyExists(ret.returnId) from error
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            raise OverReserved(ret.orderId) from error
        raise


def _update(change: Change[Return]) -> dict[str, Any]:
    """The conditional update taking the stored return from ``before`` to ``after``: only the
    attributes that changed, on the condition that nobody saved another revision meanwhile."""
    if change.before is None:
        raise ValueError("a new return is created, not updated")
    before = to_item(change.before)
    after = to_item(change.after, change.events)
    names: dict[str, str] = {"#revision": "revision"}
    values: dict[str, Any] = {":revision": serialize(change.before.revision)}
    sets: list[str] = []
    removes: list[str] = []
    for i, name in enumerate(sorted(set(before) | set(after))):
        if name in after and (name == OUTBOX or before.get(name) != after[name]):
            names[f"#a{i}"] = name
            values[f":a{i}"] = serialize(after[name])
            sets.append(f"#a{i} = :a{i}")
        elif name not in after:
            names[f"#a{i}"] = name
            removes.append(f"#a{i}")
    if OUTBOX not in after:
        names["#outbox"] = OUTBOX
        removes.append("#outbox")  # the events of an earlier write are not this write's
    expression = "SET " + ", ".join(sets) if sets else ""
    if removes:
        expression += " REMOVE " + ", ".join(removes)
    return {
        "TableName": settings.returns_table,
        "Key": {"returnId": serialize(change.after.returnId)},
        "UpdateExpression": expression.strip(),
        "ConditionExpression": "#revision = :revision",
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }


def _transact(items: list[dict[str, Any]]) -> None:
    try:
        aws.dynamodb_client().transact_write_items(TransactItems=items)  # type: ignore[arg-type]
    except ClientError as error:
        if cancellation_codes(error):
            raise Stale() from error
        raise


def save(change: Change[Return]) -> None:
    """Store a decision (a transition, a parked token, a shipment): the return, its events, and
    the units it releases, in one write. Raises Stale when the return moved on meanwhile."""
    update = _update(change)
    release = orders.release_update(change.after.orderId, dict(change.released))
    if release is not None:
        _transact([{"Update": update}, release])
        return
    try:
        aws.dynamodb_client().update_item(**update)
    except ClientError as error:
        if is_condition_failure(error):
            raise Stale() from error
        raise


def record_pending_refund(change: Change[Return], book: ledger.Ledger, entry: ledger.LedgerEntry) -> None:
    """The refund is written to the order's ledger (conditioned on the version it was quoted
    against) and to the return, together. Stale when either moved: quote again."""
    _transact([ledger.record_update(book, entry), {"Update": _update(change)}])


def mark_refunded(change: Change[Return]) -> None:
    """The provider paid: the ledger entry is paid, the return REFUNDED and closed (its events and
    the units not refunded released), and a POP refund's settlement record written, all in one
    transaction."""
    ret = change.after
    if ret.refund is None:
        raise ValueError("mark_refunded needs the refund on the return")
    items = [
        ledger.mark_paid_update(ret.orderId, ret.returnId, ret.refund.paidAt),
        {"Update": _update(change)},
    ]
    if ret.refund.settlement is not None:  # a POP refund: its settlement record, once
        record = settlements.SettlementRecord.of(
            ret.refund.settlement,
            order_id=ret.orderId,
            refund_id=ret.refund.refundId,
            case_kind="return",
            case_id=ret.returnId,
            currency=ret.currency,
            refund_amount=ret.refund.refundAmount,
            paid_at=ret.refund.paidAt,
        )
        items.append(settlements.put_item(record))
    release = orders.release_update(ret.orderId, dict(change.released))
    if release is not None:
        items.append(release)
    _transact(items)


# ---------------------------------------------------------------------------------------------
# Queries: a page and the key to continue from (returns_service.page_tokens signs it for callers)
# ---------------------------------------------------------------------------------------------
STATUS_PAGE_KEY = ("returnId", "status", CREATED_KEY)
CUSTOMER_PAGE_KEY = ("returnId", "customerId", CREATED_KEY)


def by_status(
    status: ReturnStatus, limit: int, start: dict[str, Any] | None
) -> tuple[list[Return], dict[str, Any] | None]:
    """A page of the returns in ``status``, oldest first, and the key to continue from. A return
    that left the status since the (eventually consistent) index saw it is not on the page."""
    kwargs: dict[str, Any] = {
        "IndexName": BY_STATUS,
        "KeyConditionExpression": "#status = :s",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":s": str(status)},
        "ScanIndexForward": True,
    }
    found, last = _page(kwargs, limit, start, STATUS_PAGE_KEY)
    return [ret for ret in found if ret.status == status], last


def by_customer(
    customer_id: str, order_id: str | None, limit: int, start: dict[str, Any] | None
) -> tuple[list[Return], dict[str, Any] | None]:
    """A page of a customer's returns (of one order, if given), newest first, and the key to
    continue from."""
    kwargs: dict[str, Any] = {
        "IndexName": BY_CUSTOMER,
        "KeyConditionExpression": "customerId = :c",
        "ExpressionAttributeValues": {":c": customer_id},
        "ScanIndexForward": False,
    }
    if order_id is not None:
        kwargs["FilterExpression"] = "orderId = :o"  # orderId is projected into ByCustomer
        kwargs["ExpressionAttributeValues"][":o"] = order_id
    return _page(kwargs, limit, start, CUSTOMER_PAGE_KEY)


def _page(
    query: dict[str, Any], limit: int, start: dict[str, Any] | None, key_names: Sequence[str]
) -> tuple[list[Return], dict[str, Any] | None]:
    """A page of returns: the index's entries (keys; ByCustomer also ``orderId``), then the
    returns behind them by key (template.yaml says why the indexes hold no more)."""
    entries, last = index_page(settings.returns_table, query, limit, start, key_names)
    ids = [str(entry["returnId"]) for entry in entries]
    return [from_item(item) for item in items_by_key(settings.returns_table, "returnId", ids)], last
