"""The warehouse side: the signed callback URL and the receipt it posts."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

from returns_core.refunds.models import QuoteError, is_merchant_fault
from returns_service import events, signing, tasks
from returns_service.errors import Conflict, NotFound, Unprocessable
from returns_service.models import ReceivedLine, ReturnView
from returns_service.quoting import lines_of, quote_return
from returns_service.store import ledger, orders
from returns_service.store import returns as store
from returns_service.store.dynamo import now, timestamp


def verify_callback(return_id: str, expires: str, signature: str) -> None:
    """Forbidden unless the URL was signed by this service for this return and has not expired."""
    signing.verify(return_id, expires, signature, now())


def _tally(item: dict[str, Any], lines: Sequence[ReceivedLine]) -> dict[str, dict[str, int]]:
    """Received units per line and condition; 422 for lines not in the return or over its units."""
    asked = {line["lineId"]: int(line["quantity"]) for line in item["lines"]}
    tally: dict[str, dict[str, int]] = defaultdict(lambda: {"intact": 0, "damaged": 0, "wrong_item": 0})
    details: list[dict[str, Any]] = []
    for line in lines:
        if line.lineId not in asked:
            details.append({"lineId": line.lineId, "problem": "not a line of this return"})
            continue
        tally[line.lineId][line.condition] += line.quantity
    for line_id, counts in tally.items():
        if sum(counts.values()) > asked[line_id]:
            details.append(
                {"lineId": line_id, "problem": f"{sum(counts.values())} received, {asked[line_id]} returned"}
            )
    if details:
        raise Unprocessable("the receipt does not match the return", details)
    if not any(sum(counts.values()) for counts in tally.values()):
        raise Unprocessable("the receipt names no units")
    return dict(tally)


def record_receipt(return_id: str, lines: Sequence[ReceivedLine], inspector: str, note: str) -> ReturnView:
    """Record what the warehouse received; the return goes on to the refund or a damage review.

    Units received intact or damaged are accepted; wrong items and units not received are not
    refunded (their reservation is released when the return closes). Damaged units on a
    customer-choice return wait for CS; a receipt with nothing acceptable goes back to the customer.
    """
    item = store.get(return_id)
    if item is None:
        raise NotFound(f"return {return_id} does not exist")
    if item.get("receipt"):
        raise Conflict("a receipt was recorded for this return already")
    if item["status"] != "AWAITING_RECEIPT":
        raise Conflict(f"the return is not waiting for the goods (it is {item['status']})")
    tally = _tally(item, lines)
    accepted = {line_id: c["intact"] + c["damaged"] for line_id, c in tally.items()}
    damaged = sum(c["damaged"] for c in tally.values())
    wrong = sum(c["wrong_item"] for c in tally.values())
    if not any(accepted.values()):
        to, summary = "RETURNED_TO_CUSTOMER", "nothing acceptable received: sent back to the customer"
    elif damaged and not is_merchant_fault(item["reason"]):
        to, summary = "PENDING_DAMAGE_REVIEW", f"{damaged} damaged unit(s) received: waiting for CS"
    else:
        to, summary = "REFUNDING", "received"
    if wrong:
        summary += f"; {wrong} wrong item(s) not accepted"
    sets: dict[str, Any] = {
        "receipt": {
            "lines": [line.model_dump() for line in lines],
            "inspector": inspector,
            "note": note,
            "at": timestamp(),
        },
        "accepted": {k: v for k, v in accepted.items() if v > 0},
    }
    if any(accepted.values()):
        sets["quote"] = _quote_received(item, accepted)
    item, token = tasks.claim(
        return_id,
        expect={"AWAITING_RECEIPT"},
        to=to,
        actor=inspector or "warehouse",
        note=f"{summary}. {note}".strip() if note else summary,
        sets=sets,
        conflict="the return is not waiting for the goods",
    )
    events.publish(
        events.RETURN_RECEIVED,
        item,
        received=[line.model_dump() for line in lines],
        accepted=[line.model_dump() for line in lines_of(accepted)],
        damagedUnits=damaged,
        wrongItemUnits=wrong,
        inspector=inspector,
    )
    tasks.complete(token, tasks.route(item))
    return store.to_view(item)


def _quote_received(item: dict[str, Any], accepted: dict[str, int]) -> str:
    """The quote again, on the units accepted (the refund step quotes once more when it pays)."""
    order = orders.load(item["orderId"])
    if order is None:
        raise NotFound(f"order {item['orderId']} does not exist")
    try:
        quote = quote_return(
            order.snapshot,
            ledger.load(item["orderId"]),
            lines_of(accepted),
            item["reason"],
            return_shipping_fee=int(item.get("returnShippingFee", 0)),
            excluding=item["returnId"],
        )
    except (QuoteError, ValidationError) as error:
        raise Unprocessable(f"the refund cannot be computed: {str(error).splitlines()[0]}") from None
    return json.dumps(quote.to_json(), separators=(",", ":"))
