"""Settlement records: what each paid POP refund costs its seller (contract section 8).

One item per paid POP refund in the orders table (``orderId``, ``sk = SETTLEMENT#<refundId>``),
written in the transaction that marks the refund paid, so a paid POP refund always has its record
and never two. The sparse index ``SettlementsBySeller`` (``sellerId``, ``paidKey =
<paidAt>#<refundId>``) holds only these items and projects only what the settlements route gives:
a seller's period is one Query, in the order the refunds were paid.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from returns_core.refunds.models import Settlement
from returns_service.period import Period
from returns_service.settings import settings
from returns_service.store import dynamo
from returns_service.store.dynamo import serialize

BY_SELLER = "SettlementsBySeller"
SK_PREFIX = "SETTLEMENT#"
CaseKind = Literal["return", "cancellation"]
# Every attribute the index projects, and so everything a query reads back.
PROJECTED = (
    "sellerId",
    "paidKey",
    "orderId",
    "refundId",
    "caseKind",
    "caseId",
    "currency",
    "refundAmount",
    "sellerDebit",
    "platformShare",
    "paidAt",
)
# After the last paidKey of a day: paidAt is RFC 3339 (``YYYY-MM-DDTHH:MM:SS...Z``) and "~" sorts
# after every character that follows the date in it.
_END_OF_DAY = "T~"


@dataclass(frozen=True)
class SettlementRecord:
    """A paid POP refund and its split: signed decimal strings, as in the quote."""

    seller_id: str
    order_id: str
    refund_id: str
    case_kind: CaseKind
    case_id: str
    currency: str
    refund_amount: str
    seller_debit: str
    platform_share: str
    paid_at: str

    @classmethod
    def of(
        cls,
        split: Settlement,
        *,
        order_id: str,
        refund_id: str,
        case_kind: CaseKind,
        case_id: str,
        currency: str,
        refund_amount: str,
        paid_at: str,
    ) -> SettlementRecord:
        return cls(
            seller_id=split.sellerId,
            order_id=order_id,
            refund_id=refund_id,
            case_kind=case_kind,
            case_id=case_id,
            currency=currency,
            refund_amount=refund_amount,
            seller_debit=split.sellerDebit,
            platform_share=split.platformShare,
            paid_at=paid_at,
        )

    @property
    def paid_key(self) -> str:
        """The index's sort key: time-ordered, and unique (two refunds paid at one instant)."""
        return f"{self.paid_at}#{self.refund_id}"

    def to_item(self) -> dict[str, str]:
        return {
            "orderId": self.order_id,
            "sk": SK_PREFIX + self.refund_id,
            "sellerId": self.seller_id,
            "paidKey": self.paid_key,
            "refundId": self.refund_id,
            "caseKind": self.case_kind,
            "caseId": self.case_id,
            "currency": self.currency,
            "refundAmount": self.refund_amount,
            "sellerDebit": self.seller_debit,
            "platformShare": self.platform_share,
            "paidAt": self.paid_at,
        }

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> SettlementRecord:
        kind = str(item["caseKind"])
        if kind not in ("return", "cancellation"):
            raise ValueError(f"settlement record {item.get('refundId')}: unknown case kind {kind!r}")
        return cls(
            seller_id=str(item["sellerId"]),
            order_id=str(item["orderId"]),
            refund_id=str(item["refundId"]),
            case_kind=kind,  # type: ignore[arg-type]
            case_id=str(item["caseId"]),
            currency=str(item["currency"]),
            refund_amount=str(item["refundAmount"]),
            seller_debit=str(item["sellerDebit"]),
            platform_share=str(item["platformShare"]),
            paid_at=str(item["paidAt"]),
        )


def put_item(record: SettlementRecord) -> dict[str, Any]:
    """A transaction item writing the record once (for the transaction that marks it paid)."""
    return {
        "Put": {
            "TableName": settings.orders_table,
            "Item": {name: serialize(value) for name, value in record.to_item().items()},
            "ConditionExpression": "attribute_not_exists(sk)",
        }
    }


def period_key(seller_id: str, period: Period) -> tuple[str, dict[str, str]]:
    """The index's key condition for a seller's refunds paid within ``period`` (UTC dates)."""
    return (
        "sellerId = :seller AND paidKey BETWEEN :first AND :last",
        {
            ":seller": seller_id,
            ":first": period.start.isoformat(),
            ":last": period.end.isoformat() + _END_OF_DAY,
        },
    )


def paid_within(seller_id: str, period: Period) -> Iterator[SettlementRecord]:
    """Every settlement of the seller paid within ``period``, in the order paid (one Query, read
    to its end: DynamoDB pages of up to 1 MB of the projected attributes)."""
    condition, values = period_key(seller_id, period)
    kwargs: dict[str, Any] = {
        "IndexName": BY_SELLER,
        "KeyConditionExpression": condition,
        "ExpressionAttributeValues": values,
        "ScanIndexForward": True,
    }
    for page, _ in dynamo.query_pages(settings.orders_table, kwargs):
        for item in page:
            yield SettlementRecord.from_item(item)
