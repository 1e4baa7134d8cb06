"""Orders built for the workflow tests (beyond the examples in events/orders/)."""

from __future__ import annotations

from typing import Any


def split_order(order_id: str = "O-SPLIT-9") -> dict[str, Any]:
    """Items 150/60/60 under 满199减100 (contract section 2): returning B then C separately
    refunds 60.00 then 0.00 carrying 40.00; quoted each alone, both would refund 60.00."""
    return {
        "orderId": order_id,
        "customerId": "cust-2001",
        "version": 1,
        "currency": "CNY",
        "status": "DELIVERED",
        "channel": "B2C",
        "placedAt": "2026-11-20T09:00:00Z",
        "deliveredAt": "2026-11-22T09:00:00Z",
        "lines": [
            {
                "lineId": "A",
                "sku": "A",
                "title": "Jacket",
                "unitPrice": "150.00",
                "quantity": 1,
                "returnable": True,
            },
            {
                "lineId": "B",
                "sku": "B",
                "title": "Shirt",
                "unitPrice": "60.00",
                "quantity": 1,
                "returnable": True,
            },
            {
                "lineId": "C",
                "sku": "C",
                "title": "Scarf",
                "unitPrice": "60.00",
                "quantity": 1,
                "returnable": True,
            },
        ],
        "promotions": [
            {
                "promotionId": "P-199-100",
                "kind": "threshold",
                "threshold": "199.00",
                "discount": "100.00",
                "lineIds": ["A", "B", "C"],
                "refundPolicy": "reprice",
                "title": "满199减100",
            }
        ],
        "shipping": {"fee": "6.00", "freeThreshold": None, "charged": "0.00"},
        "payments": [
            {"paymentId": "PAY-CARD", "method": "card", "amount": "120.00"},
            {"paymentId": "PAY-WALLET", "method": "wallet", "amount": "50.00"},
        ],
    }


def split_order_with_socks(order_id: str = "O-SPLIT-10") -> dict[str, Any]:
    """``split_order`` plus socks D at 10.00 (180.00 paid): refunding D first puts the ledger past
    its first version, so refunds of B and C racing afterwards contend on an existing ledger."""
    order = split_order(order_id)
    order["lines"].append(
        {"lineId": "D", "sku": "D", "title": "Socks", "unitPrice": "10.00", "quantity": 1, "returnable": True}
    )
    order["promotions"][0]["lineIds"].append("D")
    order["payments"][1]["amount"] = "60.00"
    return order
