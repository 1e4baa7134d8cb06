"""The refund ledger of an order: what each refunded return took back and was paid.

Refunds of one order serialise on the ledger's version: a refund is recorded (before paying) with
a conditional write on the version it was quoted against, so a racing refund must re-read the
ledger and quote again with this one among its previous returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from returns_core.refunds.models import PreviousReturn, ReturnLine
from returns_service.settings import settings
from returns_service.store import dynamo
from returns_service.store.dynamo import serialize

LEDGER_SK = "LEDGER"


@dataclass(frozen=True)
class LedgerEntry:
    """One refunded (or being refunded) return or cancellation (``return_id`` is its id);
    ``state`` is ``pending`` until the provider paid."""

    return_id: str
    seq: int
    refund_id: str
    lines: tuple[tuple[str, int], ...]
    reason: str
    fees: str
    refunded: str
    payments: tuple[tuple[str, str], ...]
    state: str = "pending"
    paid_at: str | None = None
    kind: str = "return"  # or "cancellation" (contract section 7): the engine takes both in sequence

    def as_previous(self) -> PreviousReturn:
        """The entry as the engine's ``previousReturns`` item."""
        previous: dict[str, object] = {
            "lines": [ReturnLine(lineId=line_id, quantity=q) for line_id, q in self.lines],
            "reason": self.reason,
            "fees": self.fees,
            "refunded": self.refunded,
        }
        if self.kind != "return":
            previous["kind"] = self.kind
        return PreviousReturn.model_validate(previous)

    def to_item(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "seq": self.seq,
            "refundId": self.refund_id,
            "lines": [{"lineId": line_id, "quantity": q} for line_id, q in self.lines],
            "reason": self.reason,
            "fees": self.fees,
            "refunded": self.refunded,
            "payments": [{"paymentId": p, "amount": a} for p, a in self.payments],
            "state": self.state,
        }
        if self.paid_at is not None:
            item["paidAt"] = self.paid_at
        if self.kind != "return":
            item["kind"] = self.kind
        return item

    @classmethod
    def from_item(cls, return_id: str, item: dict[str, Any]) -> LedgerEntry:
        return cls(
            return_id=return_id,
            seq=int(item["seq"]),
            refund_id=str(item["refundId"]),
            lines=tuple((str(line["lineId"]), int(line["quantity"])) for line in item["lines"]),
            reason=str(item["reason"]),
            fees=str(item["fees"]),
            refunded=str(item["refunded"]),
            payments=tuple((str(p["paymentId"]), str(p["amount"])) for p in item.get("payments", [])),
            state=str(item.get("state", "pending")),
            paid_at=item.get("paidAt"),
            kind=str(item.get("kind", "return")),
        )


@dataclass(frozen=True)
class Ledger:
    order_id: str
    version: int
    entries: tuple[LedgerEntry, ...]

    def entry(self, return_id: str) -> LedgerEntry | None:
        return next((e for e in self.entries if e.return_id == return_id), None)

    def previous_returns(self, *, excluding: str | None = None) -> list[PreviousReturn]:
        """The engine's ``previousReturns``: every recorded refund, in the order recorded."""
        return [e.as_previous() for e in self.entries if e.return_id != excluding]


def _key(order_id: str) -> dict[str, Any]:
    return {"orderId": {"S": order_id}, "sk": {"S": LEDGER_SK}}


def load(order_id: str) -> Ledger:
    """The ledger (strongly consistent); version 0 and no entries when nothing was refunded."""
    item = dynamo.get_item(settings.orders_table, {"orderId": order_id, "sk": LEDGER_SK})
    if item is None:
        return Ledger(order_id=order_id, version=0, entries=())
    entries = sorted(
        (LedgerEntry.from_item(rid, value) for rid, value in item.get("entries", {}).items()),
        key=lambda e: e.seq,
    )
    return Ledger(order_id=order_id, version=int(item["version"]), entries=tuple(entries))


def record_update(ledger: Ledger, entry: LedgerEntry) -> dict[str, Any]:
    """A transaction item adding ``entry``, only if the ledger is still at ``ledger.version``."""
    table = settings.orders_table
    if ledger.version == 0:
        return {
            "Put": {
                "TableName": table,
                "Item": {
                    **_key(ledger.order_id),
                    "version": {"N": "1"},
                    "entries": {"M": {entry.return_id: serialize(entry.to_item())}},
                },
                "ConditionExpression": "attribute_not_exists(orderId)",
            }
        }
    return {
        "Update": {
            "TableName": table,
            "Key": _key(ledger.order_id),
            "UpdateExpression": "SET #version = :next, entries.#rid = :entry",
            "ConditionExpression": "#version = :version AND attribute_not_exists(entries.#rid)",
            "ExpressionAttributeNames": {"#version": "version", "#rid": entry.return_id},
            "ExpressionAttributeValues": {
                ":version": {"N": str(ledger.version)},
                ":next": {"N": str(ledger.version + 1)},
                ":entry": serialize(entry.to_item()),
            },
        }
    }


def mark_paid_update(order_id: str, return_id: str, paid_at: str) -> dict[str, Any]:
    """A transaction item marking a recorded refund as paid (the amount never changes)."""
    return {
        "Update": {
            "TableName": settings.orders_table,
            "Key": _key(order_id),
            "UpdateExpression": "SET entries.#rid.#state = :paid, entries.#rid.paidAt = :at",
            "ConditionExpression": "attribute_exists(entries.#rid)",
            "ExpressionAttributeNames": {"#rid": return_id, "#state": "state"},
            "ExpressionAttributeValues": {":paid": {"S": "paid"}, ":at": {"S": paid_at}},
        }
    }
