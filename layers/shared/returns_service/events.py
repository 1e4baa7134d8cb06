"""EventBridge publishing (contract section 6): ``source: shop.returns``, one entry per transition."""

from __future__ import annotations

import json
from typing import Any

from returns_service import aws, config

SOURCE = "shop.returns"
RETURN_REQUESTED = "Return Requested"
RETURN_APPROVED = "Return Approved"
RETURN_REJECTED = "Return Rejected"
RETURN_AWAITING_RECEIPT = "Return Awaiting Receipt"
RETURN_RECEIVED = "Return Received"
REFUND_ISSUED = "Refund Issued"
RETURN_CLOSED = "Return Closed"


class PublishError(RuntimeError):
    """EventBridge refused the entry; the step fails and the workflow retries it."""


def publish(detail_type: str, item: dict[str, Any], **decided: Any) -> dict[str, Any]:
    """Publish ``detail_type`` for a return: ids, status, and what the step decided."""
    detail: dict[str, Any] = {
        "returnId": item["returnId"],
        "orderId": item["orderId"],
        "customerId": item["customerId"],
        "status": item["status"],
        **decided,
    }
    response = aws.events().put_events(
        Entries=[
            {
                "Source": SOURCE,
                "DetailType": detail_type,
                "Detail": json.dumps(detail, separators=(",", ":"), default=str),
                "EventBusName": config.event_bus_name(),
            }
        ]
    )
    if response.get("FailedEntryCount", 0):
        failure = response["Entries"][0]
        raise PublishError(f"{detail_type}: {failure.get('ErrorCode')} {failure.get('ErrorMessage')}")
    return detail
