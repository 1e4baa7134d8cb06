"""Record sets for the analytics tests, written as Firehose writes them (one GZIP member per
record, ``<prefix>dt=YYYY-MM-DD/``), so the DuckDB engine reads them as it reads the local
stack's and Athena reads S3's."""

from __future__ import annotations

import gzip
import json
import uuid
from pathlib import Path
from typing import Any

from returns_service.analytics import returns_report
from returns_service.analytics.engines import DuckDbEngine
from returns_service.analytics.query import Request
from returns_service.analytics.records import CANCELLATION_EVENTS, ORDER_UPDATES, RETURN_EVENTS


def line(line_id: str, brand: str, quantity: int, *, sku: str = "", category: str = "misc") -> dict[str, Any]:
    return {
        "lineId": line_id,
        "sku": sku or f"SKU-{brand}-{line_id}",
        "title": f"{brand} item",
        "brand": brand,
        "category": category,
        "unitPrice": "10.00",
        "quantity": quantity,
    }


class Records:
    """A folder of records and the report DuckDB computes from it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(
        self, prefix: str, day: str, detail_type: str, detail: dict[str, Any], envelope_id: str = ""
    ) -> None:
        folder = self.root / prefix / f"dt={day}"
        folder.mkdir(parents=True, exist_ok=True)
        record = {
            "id": envelope_id or str(uuid.uuid4()),
            "detailType": detail_type,
            "time": f"{day}T12:00:00Z",
            "detail": detail,
        }
        with (folder / "records-1.json.gz").open("ab") as out:
            out.write(gzip.compress((json.dumps(record) + "\n").encode()))

    # -- the order system --------------------------------------------------------------------
    def order(
        self,
        order_id: str,
        lines: list[dict[str, Any]],
        *,
        delivered_at: str | None = "2026-05-01T10:00:00Z",
        version: int = 4,
        channel: str = "B2C",
        seller_id: str = "platform",
        day: str | None = None,
        envelope_id: str = "",
    ) -> None:
        snapshot = {
            "orderId": order_id,
            "customerId": "cust-1",
            "version": version,
            "currency": "CNY",
            "status": "DELIVERED" if delivered_at else "SHIPPED",
            "channel": channel,
            "sellerId": seller_id,
            "placedAt": "2026-04-20T10:00:00Z",
            "deliveredAt": delivered_at,
            "lines": lines,
        }
        day = day or (delivered_at or "2026-04-25")[:10]
        self.put(ORDER_UPDATES.prefix, day, "Order Updated", snapshot, envelope_id)

    def cancelled(self, order_id: str, lines: list[dict[str, Any]], *, day: str = "2026-04-21") -> None:
        detail = {
            "eventId": str(uuid.uuid4()),
            "cancellationId": f"C-{uuid.uuid4().hex[:8]}",
            "orderId": order_id,
            "status": "COMPLETED",
            "lines": lines,
        }
        self.put(CANCELLATION_EVENTS.prefix, day, "Cancellation Completed", detail)

    # -- the returns service -----------------------------------------------------------------
    def event(
        self, detail_type: str, return_id: str, order_id: str, status: str, day: str, **fields: Any
    ) -> dict[str, Any]:
        detail = {
            "eventId": fields.pop("eventId", str(uuid.uuid4())),
            "occurredAt": f"{day}T12:00:00Z",
            "returnId": return_id,
            "orderId": order_id,
            "customerId": "cust-1",
            "status": status,
            **fields,
        }
        self.put(RETURN_EVENTS.prefix, day, detail_type, detail)
        return detail

    def requested(
        self, return_id: str, order_id: str, lines: list[tuple[str, int]], reason: str, created_at: str
    ) -> dict[str, Any]:
        return self.event(
            "Return Requested",
            return_id,
            order_id,
            "PENDING_REVIEW",
            created_at[:10],
            decision="eligible",
            lines=[{"lineId": line_id, "quantity": quantity} for line_id, quantity in lines],
            reason=reason,
            method="pickup",
            createdAt=created_at,
        )

    def received(
        self,
        return_id: str,
        order_id: str,
        lines: list[tuple[str, int, str]],
        *,
        day: str,
        status: str = "REFUNDING",
    ) -> None:
        received = [{"lineId": i, "quantity": q, "condition": c} for i, q, c in lines]
        self.event("Return Received", return_id, order_id, status, day, received=received, inspector="wh-1")

    def refunded(
        self,
        return_id: str,
        order_id: str,
        amount: str,
        paid_at: str,
        lines: list[tuple[str, int, str]],
        currency: str = "CNY",
    ) -> dict[str, Any]:
        return self.event(
            "Refund Issued",
            return_id,
            order_id,
            "REFUNDED",
            paid_at[:10],
            refundId=f"RF-{return_id}",
            refundAmount=amount,
            currency=currency,
            payments=[{"paymentId": "PAY-1", "amount": amount}],
            paidAt=paid_at,
            lines=[{"lineId": i, "quantity": q, "paidAmount": p} for i, q, p in lines],
        )

    def closed(self, return_id: str, order_id: str, status: str, *, day: str) -> None:
        self.event("Return Closed", return_id, order_id, status, day, refunded=status == "REFUNDED")

    def again(self, detail_type: str, detail: dict[str, Any], day: str) -> None:
        """The same event delivered once more (same eventId, a new EventBridge envelope)."""
        self.put(RETURN_EVENTS.prefix, day, detail_type, detail)

    # -- the answer --------------------------------------------------------------------------
    def report(self, start: str, end: str, group_by: str = "brand") -> dict[str, Any]:
        return returns_report(Request.of(start, end, group_by), DuckDbEngine(self.root))
