"""Examples of every request and response body in openapi.json: the README walkthrough's story
(O-SEED-1: two items at 100.00 under 满199减100, L2 returned because it is no longer needed; and
before delivery, O-PAID-7: the same two items, L2 cancelled for the same reason).

Keyed by the component schema they illustrate; tests/api/test_api_artifacts.py validates each
against its model, so an example cannot drift from what the API takes and gives.
"""

from __future__ import annotations

from typing import Any

RETURN_ID = "R-F0CFD55FA511424095D6"
CREATED = "2026-12-02T08:00:00.000Z"

QUOTE: dict[str, Any] = {
    "orderId": "O-SEED-1",
    "currency": "CNY",
    "lines": [{"lineId": "L2", "quantity": 1, "paidAmount": "50.00"}],
    "adjustments": [
        {
            "kind": "promotion_clawback",
            "promotionId": "P-199-100",
            "amount": "-50.00",
            "description": "kept items (100.00) no longer reach 199.00 for 满199减100",
        }
    ],
    "refundAmount": "0.00",
    "payments": [{"paymentId": "PAY-1", "amount": "0.00"}],
    "settlement": None,
}

RETURN: dict[str, Any] = {
    "returnId": RETURN_ID,
    "orderId": "O-SEED-1",
    "customerId": "cust-1001",
    "status": "PENDING_REVIEW",
    "lines": [{"lineId": "L2", "quantity": 1}],
    "reason": "no_longer_needed",
    "reasonDetail": "bought two",
    "method": "pickup",
    "quote": QUOTE,
    "refund": None,
    "createdAt": CREATED,
    "updatedAt": "2026-12-02T08:00:01.000Z",
    "history": [
        {"at": CREATED, "status": "REQUESTED", "actor": "cust-1001", "note": "return requested"},
        {
            "at": "2026-12-02T08:00:01.000Z",
            "status": "PENDING_REVIEW",
            "actor": "system",
            "note": "eligible: waiting for review",
        },
    ],
    "shipment": None,
    "proposal": None,
}

ORDER: dict[str, Any] = {
    "orderId": "O-SEED-1",
    "customerId": "cust-1001",
    "version": 3,
    "currency": "CNY",
    "status": "DELIVERED",
    "channel": "B2C",
    "placedAt": "2026-11-28T10:00:00Z",
    "deliveredAt": "2026-12-01T10:00:00Z",
    "lines": [
        {"lineId": "L1", "sku": "SKU-A", "title": "Item A", "unitPrice": "100.00", "quantity": 1},
        {"lineId": "L2", "sku": "SKU-B", "title": "Item B", "unitPrice": "100.00", "quantity": 1},
    ],
    "promotions": [
        {
            "promotionId": "P-199-100",
            "kind": "threshold",
            "lineIds": ["L1", "L2"],
            "threshold": "199.00",
            "discount": "100.00",
        }
    ],
    "shipping": {"fee": "0.00", "freeThreshold": None, "charged": "0.00"},
    "payments": [{"paymentId": "PAY-1", "method": "card", "amount": "100.00"}],
}

CANCELLATION_ID = "C-7F3A9C1E2B7D4A6F8E02"
CANCELLATION_QUOTE: dict[str, Any] = {**QUOTE, "orderId": "O-PAID-7"}
CANCELLATION: dict[str, Any] = {
    "cancellationId": CANCELLATION_ID,
    "orderId": "O-PAID-7",
    "customerId": "cust-1001",
    "status": "AWAITING_FULFILMENT",
    "lines": [{"lineId": "L2", "quantity": 1}],
    "reason": "no_longer_needed",
    "reasonDetail": "bought two",
    "quote": CANCELLATION_QUOTE,
    "refund": None,
    "createdAt": CREATED,
    "updatedAt": "2026-12-02T08:00:01.000Z",
    "history": [
        {"at": CREATED, "status": "REQUESTED", "actor": "cust-1001", "note": "cancellation requested"},
        {
            "at": "2026-12-02T08:00:01.000Z",
            "status": "AWAITING_FULFILMENT",
            "actor": "system",
            "note": "fulfilment asked to stop the units",
        },
    ],
}
PAID_ORDER: dict[str, Any] = {**ORDER, "orderId": "O-PAID-7", "status": "PAID", "deliveredAt": None}

EXAMPLES: dict[str, Any] = {
    # requests
    "ReturnQuoteRequest": {"lines": [{"lineId": "L2", "quantity": 1}], "reason": "no_longer_needed"},
    "CreateReturnRequest": {
        "orderId": "O-SEED-1",
        "lines": [{"lineId": "L2", "quantity": 1}],
        "reason": "no_longer_needed",
        "reasonDetail": "bought two",
        "method": "pickup",
    },
    "ShipmentBody": {"carrier": "SF Express", "trackingNumber": "SF1234567890"},
    "ProposalAnswerBody": {"decision": "accept", "note": "fine, I pay the return shipping"},
    "ReviewBody": {"decision": "approve", "returnShippingPaidBy": "merchant", "note": "ok"},
    "DamageReviewBody": {"decision": "deduct", "inspectionDeduction": "10.00", "note": "scratched lid"},
    "ReceiptBody": {
        "lines": [{"lineId": "L2", "quantity": 1, "condition": "intact"}],
        "inspector": "wh-7",
        "note": "sealed",
    },
    "CancellationQuoteRequest": {"lines": [{"lineId": "L2", "quantity": 1}], "reason": "no_longer_needed"},
    "CreateCancellationRequest": {
        "lines": [{"lineId": "L2", "quantity": 1}],
        "reason": "no_longer_needed",
        "reasonDetail": "bought two",
    },
    "CsCancellationRequest": {
        "lines": [{"lineId": "L1", "quantity": 1}],
        "reason": "out_of_stock",
        "note": "the warehouse has none left",
    },
    "OutcomeBody": {"outcome": "stopped", "note": "picked back before packing"},
    # responses
    "Quote": QUOTE,
    "ReturnView": RETURN,
    "ReturnList": {"items": [RETURN], "nextToken": None},
    "QueuePage": {"items": [RETURN], "nextToken": None},
    "CustomerReturnsPage": {"items": [RETURN], "nextToken": None},
    "CsReturnView": {**RETURN, "order": ORDER},
    "ErrorBody": {
        "error": {
            "code": "unprocessable",
            "message": "the return does not fit the order",
            "details": [{"lineId": "L2", "problem": "2 asked, 1 left to return"}],
        }
    },
    "GatewayUnauthorized": {"message": "Unauthorized"},
    # O-POP-6 (contract section 8): a mug back (31.50), and a platform-funded 满199减100 case
    "SettlementsPage": {
        "items": [
            {
                "refundId": "RF-R-9B1C2D3E4F5A6B7C8D90",
                "orderId": "O-POP-6",
                "returnId": "R-9B1C2D3E4F5A6B7C8D90",
                "currency": "CNY",
                "refundAmount": "31.50",
                "sellerDebit": "35.00",
                "platformShare": "-3.50",
                "paidAt": "2026-12-02T09:12:49.520Z",
            },
            {
                "refundId": "RF-C-0A1B2C3D4E5F6A7B8C9D",
                "orderId": "O-POP-9",
                "cancellationId": "C-0A1B2C3D4E5F6A7B8C9D",
                "currency": "CNY",
                "refundAmount": "0.00",
                "sellerDebit": "100.00",
                "platformShare": "-100.00",
                "paidAt": "2026-12-02T10:30:00.000Z",
            },
        ],
        "totals": [{"currency": "CNY", "sellerDebit": "135.00", "platformShare": "-103.50"}],
        "nextToken": None,
    },
    # O-SEED-1's two items both back (0.00 then 100.00 refunded), a day after delivery
    "ReturnAnalytics": {
        "from": "2026-12-01",
        "to": "2026-12-31",
        "groupBy": "brand",
        "rows": [
            {
                "key": "Keyco",
                "unitsSold": 1,
                "unitsReturned": 1,
                "returnRate": "1.0000",
                "merchantFaultRate": "0.0000",
                "byReason": {"no_longer_needed": 1},
                "refunded": [{"currency": "CNY", "amount": "0.00"}],
                "medianHoursToRefund": "26.5",
                "flagged": False,
            },
            {
                "key": "Logitek",
                "unitsSold": 1,
                "unitsReturned": 1,
                "returnRate": "1.0000",
                "merchantFaultRate": "0.0000",
                "byReason": {"no_longer_needed": 1},
                "refunded": [{"currency": "CNY", "amount": "100.00"}],
                "medianHoursToRefund": "30.0",
                "flagged": False,
            },
        ],
        "overall": {
            "unitsSold": 2,
            "unitsReturned": 2,
            "returnRate": "1.0000",
            "merchantFaultRate": "0.0000",
            "byReason": {"no_longer_needed": 2},
            "refunded": [{"currency": "CNY", "amount": "100.00"}],
            "medianHoursToRefund": "28.3",
        },
    },
    "CancellationView": CANCELLATION,
    "CancellationPage": {"items": [CANCELLATION], "nextToken": None},
    "CsCancellationView": {**CANCELLATION, "order": PAID_ORDER},
}
