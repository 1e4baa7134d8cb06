"""What the workflow's steps do (the Lambdas in functions/ are thin wrappers around these).

Every step returns ``{"returnId", "next"}`` (tasks.route): the state machine's ``Route`` choice
follows the return's stored status, so a step that lost a race (a cancel, a CS decision after the
time limit fired) simply sends the workflow where the status says.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools import Logger
from pydantic import ValidationError

from returns_core import money
from returns_core.refunds.models import Quote, QuoteError, ReturnLine, is_merchant_fault
from returns_service import config, events, refund, signing, tasks
from returns_service.errors import Conflict, NotFound
from returns_service.quoting import quote_return
from returns_service.store import ledger, orders
from returns_service.store import returns as store
from returns_service.store.dynamo import now, timestamp

logger = Logger(child=True)


def _get(return_id: str) -> dict[str, Any]:
    item = store.get(return_id)
    if item is None:
        raise NotFound(f"return {return_id} does not exist")
    return item


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ineligibility(item: dict[str, Any]) -> tuple[str | None, str | None]:
    """Why the return cannot go ahead (None when it can), and its quote when it can."""
    order = orders.load(item["orderId"])
    if order is None:
        return f"order {item['orderId']} is unknown", None
    snapshot = order.snapshot
    if snapshot.status != "DELIVERED" or snapshot.deliveredAt is None:
        return f"the order is not delivered (it is {snapshot.status})", None
    merchant = is_merchant_fault(item["reason"])
    days = config.merchant_fault_window_days() if merchant else config.customer_choice_window_days()
    deadline = snapshot.deliveredAt + timedelta(days=days)
    if _parse_time(item["createdAt"]) > deadline:
        kind = "merchant-fault" if merchant else "customer-choice"
        return (
            f"requested after the {days}-day window for {kind} returns"
            f" (delivered {snapshot.deliveredAt.isoformat()}, window ended {deadline.isoformat()})"
        ), None
    lines = [ReturnLine.model_validate(line) for line in item["lines"]]
    for line in lines:
        index = snapshot.line_index(line.lineId)
        if index is None:
            return f"line {line.lineId} is not a line of the order", None
        ordered = snapshot.lines[index]
        if not merchant and not ordered.returnable:
            return (
                f"line {line.lineId} ({ordered.title or ordered.sku}) cannot be returned"
                f" for {item['reason']}",
                None,
            )
        if order.reserved.get(line.lineId, 0) > ordered.quantity:
            return f"line {line.lineId}: more units are being returned than were ordered", None
    try:
        quote = quote_return(
            snapshot, ledger.load(item["orderId"]), lines, item["reason"], excluding=item["returnId"]
        )
    except (QuoteError, ValidationError) as error:
        return str(error).splitlines()[0], None
    return None, json.dumps(quote.to_json(), separators=(",", ":"))


def check_eligibility(return_id: str) -> dict[str, str]:
    """REQUESTED → PENDING_REVIEW (with its quote) or REJECTED (with the reason)."""
    item = _get(return_id)
    if item["status"] != "REQUESTED":
        return tasks.route(item)
    reason, quote = _ineligibility(item)
    try:
        if reason is not None:
            item = store.update(
                return_id, expect={"REQUESTED"}, to="REJECTED", note=f"not eligible: {reason}"
            )
            events.publish(events.RETURN_REJECTED, item, decision="ineligible", reason=reason)
        else:
            item = store.update(
                return_id,
                expect={"REQUESTED"},
                to="PENDING_REVIEW",
                note="eligible: waiting for review",
                sets={"quote": quote},
            )
            events.publish(
                events.RETURN_REQUESTED,
                item,
                decision="eligible",
                lines=item["lines"],
                reason=item["reason"],
                method=item["method"],
                quote=json.loads(str(quote)),
                createdAt=item["createdAt"],
            )
    except store.StateChanged as changed:
        item = changed.item or _get(return_id)  # cancelled meanwhile
    return tasks.route(item)


def await_review(return_id: str, token: str) -> None:
    """Park the review token; CS decides (or the review time limit passes)."""
    tasks.park(return_id, token, "review", {"PENDING_REVIEW"})


def auto_approve(return_id: str) -> dict[str, str]:
    """The review time limit passed: approve, unless the quote carries a shortfall (CS must look)."""
    item = _get(return_id)
    if item["status"] != "PENDING_REVIEW" or item.get("autoApprovalRefused"):
        return tasks.route(item)  # decided meanwhile
    quote = Quote.model_validate(json.loads(item["quote"])) if item.get("quote") else None
    limit = config.review_timeout_seconds()
    try:
        if quote is None or quote.carries_shortfall:
            item, _ = tasks.claim(
                return_id,
                expect={"PENDING_REVIEW"},
                to="PENDING_REVIEW",
                actor="system",
                note=(
                    f"not reviewed within {limit}s; not approved automatically:"
                    + (" its quote carries a shortfall" if quote is not None else " it has no quote")
                ),
                sets={"autoApprovalRefused": True},
                conflict="decided meanwhile",
            )
        else:
            item, _ = tasks.claim(
                return_id,
                expect={"PENDING_REVIEW"},
                to="AWAITING_RECEIPT",
                actor="system",
                note=f"approved automatically: not reviewed within {limit}s",
                sets={
                    "review": {
                        "decision": "approve",
                        "actor": "system",
                        "automatic": True,
                        "returnShippingPaidBy": "merchant",
                    },
                    "returnShippingFee": 0,
                },
                conflict="decided meanwhile",
            )
            events.publish(
                events.RETURN_APPROVED,
                item,
                decision="approve",
                automatic=True,
                actor="system",
                returnShippingPaidBy="merchant",
                returnShippingFee=money.format(0, item["currency"]),
            )
    except Conflict:  # CS decided (or the customer cancelled) between our read and our claim
        item = _get(return_id)
    return tasks.route(item)


def await_receipt(return_id: str, token: str) -> None:
    """Park the receipt token and hand the warehouse a signed callback URL."""
    url, expires_at = signing.callback_url(return_id, now())
    item = tasks.park(
        return_id,
        token,
        "receipt",
        {"AWAITING_RECEIPT"},
        sets={"callback": {"expiresAt": timestamp(expires_at)}},
    )
    if item is None:
        return
    events.publish(
        events.RETURN_AWAITING_RECEIPT,
        item,
        callbackUrl=url,
        expiresAt=timestamp(expires_at),
        method=item["method"],
        lines=item["lines"],
    )


def expire(return_id: str) -> dict[str, str]:
    """The receipt time limit passed with nothing received: EXPIRED (the close releases)."""
    item = _get(return_id)
    if item["status"] != "AWAITING_RECEIPT":
        return tasks.route(item)
    try:
        item, _ = tasks.claim(
            return_id,
            expect={"AWAITING_RECEIPT"},
            to="EXPIRED",
            actor="system",
            note=f"nothing received within {config.receipt_timeout_seconds()}s",
            conflict="received meanwhile",
        )
    except Conflict:  # the receipt came in between our read and our claim
        item = _get(return_id)
    return tasks.route(item)


def await_damage_review(return_id: str, token: str) -> None:
    """Park the damage-review token; CS accepts, deducts or rejects."""
    tasks.park(return_id, token, "damage_review", {"PENDING_DAMAGE_REVIEW"})


def issue_refund(return_id: str) -> dict[str, str]:
    return tasks.route(refund.issue_refund(return_id))


def await_refund_retry(return_id: str, token: str, error: dict[str, Any] | None) -> None:
    """The refund failed for good (retries spent): REFUND_FAILED until CS retries it."""
    cause = _error_text(error)
    tasks.park(
        return_id,
        token,
        "refund_retry",
        {"REFUNDING", "REFUND_FAILED"},
        to="REFUND_FAILED",
        note=f"refund failed: {cause}",
        sets={"refundError": cause},
    )


def _error_text(error: dict[str, Any] | None) -> str:
    if not error:
        return "unknown error"
    name = str(error.get("Error", "Error"))
    cause = error.get("Cause")
    if isinstance(cause, str):
        try:
            parsed = json.loads(cause)
            cause = parsed.get("errorMessage", cause) if isinstance(parsed, dict) else cause
        except ValueError:
            pass
    return f"{name}: {cause}" if cause else name


def close_return(return_id: str) -> dict[str, Any]:
    """The return ended: release what is not refunded, then announce it once (Return Closed)."""
    item = _get(return_id)
    if item["status"] not in tasks.FINAL:
        return tasks.route(item)
    kept = (
        {k: int(v) for k, v in (item.get("accepted") or {}).items()} if item["status"] == "REFUNDED" else {}
    )
    store.settle_reservation(item, kept)
    closed_now = not item.get("closedAt")
    if closed_now:
        events.publish(events.RETURN_CLOSED, item, refunded=item["status"] == "REFUNDED")
        try:
            store.update(
                return_id,
                expect=tasks.FINAL,
                sets={"closedAt": timestamp()},
                condition="attribute_not_exists(closedAt)",
                record=False,
            )
        except store.StateChanged:
            logger.info("closed by an earlier run", extra={"returnId": return_id})
    return {"returnId": return_id, "next": "done", "status": item["status"], "closedNow": closed_now}
