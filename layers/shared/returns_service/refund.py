"""Paying a refund, exactly once, and retrying a refund that failed.

The refund step (``issue_refund``) may run again at any point (Step Functions retries, a repeated
invocation). It is safe because:
1. the refund is quoted against the order's ledger and recorded there (pending) together with the
   return in one transaction conditioned on the ledger's version: racing refunds of one order
   serialise, the loser quotes again with the winner among its previous returns;
2. the refund id is deterministic (``RF-<returnId>``) and is the provider's idempotency key, and a
   recorded refund is never re-quoted, so a retry after a crash pays the same refund again, which
   the provider answers with the first payment;
3. marking it paid is conditioned on the pending refund, so only one run moves it to REFUNDED.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger

from returns_core import money
from returns_service import config, events, payments, tasks
from returns_service.errors import NotFound
from returns_service.models import ReturnView
from returns_service.quoting import lines_of, quote_return
from returns_service.store import ledger, orders
from returns_service.store import returns as store
from returns_service.store.dynamo import serialize, timestamp
from returns_service.store.ledger import LedgerEntry

logger = Logger(child=True)

_RECORD_ATTEMPTS = 10


class LedgerContention(RuntimeError):
    """Other refunds of the order kept winning the ledger; the workflow retries the step."""


def refund_id_of(return_id: str) -> str:
    return f"RF-{return_id}"


def _record(item: dict[str, Any]) -> dict[str, Any]:
    """Quote the accepted units against the ledger and record the refund as pending (once)."""
    order_id = item["orderId"]
    order = orders.load(order_id)
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    currency = order.snapshot.currency
    fee = int(item.get("returnShippingFee", 0))
    deduction = int(item.get("inspectionDeduction", 0))
    for _ in range(_RECORD_ATTEMPTS):
        book = ledger.load(order_id)
        if book.entry(item["returnId"]) is not None:
            break  # recorded by an earlier run: the return item holds the pending refund
        quote = quote_return(
            order.snapshot,
            book,
            lines_of(item["accepted"]),
            item["reason"],
            return_shipping_fee=fee,
            inspection_deduction=deduction,
        )
        entry = LedgerEntry(
            return_id=item["returnId"],
            seq=book.version + 1,
            refund_id=refund_id_of(item["returnId"]),
            lines=tuple((line.lineId, line.quantity) for line in lines_of(item["accepted"])),
            reason=item["reason"],
            fees=money.format(fee + deduction, currency),
            refunded=quote.refundAmount,
            payments=tuple((p.paymentId, p.amount) for p in quote.payments),
        )
        pending = {
            "refundId": entry.refund_id,
            "refundAmount": quote.refundAmount,
            "payments": [{"paymentId": p.paymentId, "amount": p.amount} for p in quote.payments],
        }
        quote_json = json.dumps(quote.to_json(), separators=(",", ":"))
        try:
            store.transact(
                [
                    ledger.record_update(book, entry),
                    {
                        "Update": {
                            "TableName": config.returns_table(),
                            "Key": {"returnId": {"S": item["returnId"]}},
                            "UpdateExpression": "SET pendingRefund = :p, quote = :q, updatedAt = :now",
                            "ConditionExpression": (
                                "#status = :refunding AND attribute_not_exists(pendingRefund)"
                            ),
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {
                                ":p": serialize(pending),
                                ":q": {"S": quote_json},
                                ":now": {"S": timestamp()},
                                ":refunding": {"S": "REFUNDING"},
                            },
                        }
                    },
                ]
            )
        except store.StateChanged:
            logger.info("ledger moved on: quoting again", extra={"orderId": order_id})
            continue
        break
    else:
        raise LedgerContention(f"order {order_id}: the ledger kept changing; will retry")
    fresh = store.get(item["returnId"])
    if fresh is None or "pendingRefund" not in fresh:
        raise LedgerContention(f"return {item['returnId']}: refund recorded but not on the return yet")
    return fresh


def issue_refund(return_id: str) -> dict[str, Any]:
    """Pay the return's refund once; raises PaymentUnavailable / PaymentDeclined for the workflow."""
    item = store.get(return_id)
    if item is None:
        raise NotFound(f"return {return_id} does not exist")
    if item["status"] != "REFUNDING":
        return item  # paid already, or moved on: the workflow routes by the status
    if "pendingRefund" not in item:
        item = _record(item)
    pending = item["pendingRefund"]
    amount = money.parse(pending["refundAmount"], item["currency"])
    if amount > 0:
        payments.provider().refund(
            payments.RefundOrder(
                refund_id=pending["refundId"],
                order_id=item["orderId"],
                return_id=return_id,
                currency=item["currency"],
                amount=pending["refundAmount"],
                payments=tuple((p["paymentId"], p["amount"]) for p in pending["payments"]),
            )
        )
    paid_at = timestamp()
    refund = {**pending, "paidAt": paid_at}
    try:
        store.transact(
            [
                ledger.mark_paid_update(item["orderId"], return_id, paid_at),
                {
                    "Update": {
                        "TableName": config.returns_table(),
                        "Key": {"returnId": {"S": return_id}},
                        "UpdateExpression": (
                            "SET #status = :refunded, refund = :r, updatedAt = :now, "
                            "#history = list_append(#history, :h) REMOVE pendingRefund"
                        ),
                        "ConditionExpression": "#status = :refunding AND pendingRefund.refundId = :rid",
                        "ExpressionAttributeNames": {"#status": "status", "#history": "history"},
                        "ExpressionAttributeValues": {
                            ":refunded": {"S": "REFUNDED"},
                            ":refunding": {"S": "REFUNDING"},
                            ":r": serialize(refund),
                            ":rid": {"S": pending["refundId"]},
                            ":now": {"S": paid_at},
                            ":h": serialize(
                                [
                                    store.history_entry(
                                        "REFUNDED",
                                        "system",
                                        f"refunded {pending['refundAmount']} {item['currency']}"
                                        f" ({pending['refundId']})",
                                        paid_at,
                                    )
                                ]
                            ),
                        },
                    }
                },
            ]
        )
    except store.StateChanged:
        # A concurrent run of this step finished it first (the provider paid once).
        done = store.get(return_id)
        if done is not None and done["status"] == "REFUNDED":
            return done
        raise
    done = store.get(return_id) or {**item, "status": "REFUNDED", "refund": refund}
    events.publish(
        events.REFUND_ISSUED,
        done,
        refundId=pending["refundId"],
        refundAmount=pending["refundAmount"],
        currency=item["currency"],
        payments=pending["payments"],
        paidAt=paid_at,
        lines=json.loads(done["quote"])["lines"] if done.get("quote") else [],
    )
    return done


def retry_refund(return_id: str, actor: str) -> ReturnView:
    """CS: try a failed refund again (REFUND_FAILED → REFUNDING; the workflow pays)."""
    item, token = tasks.claim(
        return_id,
        expect={"REFUND_FAILED"},
        to="REFUNDING",
        actor=actor,
        note="refund retried",
        conflict="only a failed refund can be retried",
    )
    tasks.complete(token, tasks.route(item))
    return store.to_view(item)
