"""The cancellation workflow end to end on the real state machine (contract section 7): unpaid,
stopped by fulfilment, shipped then intercepted, delivered first, the seller's carrier, the time
limits, a refund that fails and is retried."""

from __future__ import annotations

from typing import Any

import pytest

from returns_core.lifecycle.cancellation import Wait
from returns_service.cancellations.refund_retry import retry_refund
from returns_service.errors import Conflict
from returns_service.store import ledger
from tests.workflow.cancellation_flow import CancellationFlow
from tests.workflow.conftest import Flow


def adjustments(c: Any) -> dict[str, str]:
    return {a.kind: a.amount for a in c.quote.adjustments}


def test_an_unpaid_order_is_cancelled_at_once_with_nothing_to_refund(
    cancellations: CancellationFlow, orders
) -> None:
    order = cancellations.order(orders["O-PLACED-8"])
    created = cancellations.create(order, {"L2": 1})
    assert created.status == "REQUESTED"
    assert created.quote is not None and created.quote.refundAmount == "0.00" and created.quote.payments == []
    done = cancellations.finished(created.cancellationId, "COMPLETED")
    assert done.refund is None and [h.status for h in done.history] == ["REQUESTED", "COMPLETED"]
    [completed] = cancellations.events(created.cancellationId)
    assert completed["DetailType"] == "Cancellation Completed"
    detail = completed["Detail"]
    assert detail["refund"] is None and detail["units"] == 1 and detail["orderStatus"] == "PLACED"
    assert detail["lines"][0]["sku"] == "SKU-CABLE-4" and detail["lines"][0]["brand"] == "Soundy"
    assert detail["eventId"] == f"{created.cancellationId}.2.0" and detail["occurredAt"]
    assert cancellations.reserved(order["orderId"]) == {"L2": 1}, "a cancelled unit stays taken"
    assert cancellations.payments.calls == 0


def test_paid_one_of_two_then_the_other_before_shipping(cancellations: CancellationFlow, orders) -> None:
    """O-PAID-7: two items at 100.00 under 满199减100 (100.00 paid). Cancelling one refunds 0.00
    (the item kept no longer reaches 199.00); cancelling the other then refunds 100.00. Side by
    side, on a copy, CS cancels one as out of stock (a merchant fault): its 50.00 comes back."""
    order = cancellations.order(orders["O-PAID-7"])
    copy = cancellations.order(orders["O-PAID-7"], orderId="O-PAID-7-OOS")
    first = cancellations.create(order, {"L2": 1})
    out_of_stock = cancellations.create(copy, {"L1": 1}, "out_of_stock", by="cs")
    assert first.quote is not None and first.quote.refundAmount == "0.00"
    assert out_of_stock.quote is not None and out_of_stock.quote.refundAmount == "50.00"
    assert out_of_stock.customerId == "cust-1001" and out_of_stock.history[0].actor == "cs:mei"
    for created in (first, out_of_stock):
        cancellations.wait(created.cancellationId, "AWAITING_FULFILMENT", parked=Wait.FULFILMENT)
    asked = cancellations.signed(first.cancellationId, Wait.FULFILMENT)
    assert asked["lines"] == [{"lineId": "L2", "quantity": 1}] and asked["expiresAt"]
    cancellations.answer(first.cancellationId, Wait.FULFILMENT, "stopped", "picked back")
    cancellations.answer(out_of_stock.cancellationId, Wait.FULFILMENT, "stopped")
    done = cancellations.finished(first.cancellationId, "COMPLETED")
    assert done.refund is not None and done.refund.refundAmount == "0.00"
    assert done.refund.refundId == f"RF-{first.cancellationId}"
    assert adjustments(done) == {"promotion_clawback": "-50.00"}
    assert "199.00" in done.quote.adjustments[0].description  # type: ignore[union-attr]
    assert [h.status for h in done.history] == ["REQUESTED", "AWAITING_FULFILMENT", "REFUNDING", "COMPLETED"]
    assert [h.actor for h in done.history] == ["cust-1001", "system", "fulfilment", "system"]
    assert cancellations.event_types(first.cancellationId) == [
        "Cancellation Requested",
        "Refund Issued",
        "Cancellation Completed",
    ]
    merchant = cancellations.finished(out_of_stock.cancellationId, "COMPLETED")
    assert merchant.refund is not None and merchant.refund.refundAmount == "50.00"

    second = cancellations.create(order)  # lines left out: every unit left, L1
    assert [(line.lineId, line.quantity) for line in second.lines] == [("L1", 1)]
    assert second.quote is not None and second.quote.refundAmount == "100.00"
    cancellations.wait(second.cancellationId, "AWAITING_FULFILMENT", parked=Wait.FULFILMENT)
    cancellations.answer(second.cancellationId, Wait.FULFILMENT, "stopped")
    last = cancellations.finished(second.cancellationId, "COMPLETED")
    assert last.refund is not None and last.refund.refundAmount == "100.00"
    assert [p.model_dump() for p in last.refund.payments] == [{"paymentId": "PAY-1", "amount": "100.00"}]
    issued = [
        e["Detail"] for e in cancellations.events(second.cancellationId) if e["DetailType"] == "Refund Issued"
    ]
    assert issued[0]["refundAmount"] == "100.00" and issued[0]["status"] == "COMPLETED"
    assert cancellations.payments.total_paid(order["orderId"]) == 10000
    assert sorted(cancellations.payments.refunds) == sorted(
        [f"RF-{second.cancellationId}", f"RF-{out_of_stock.cancellationId}"]
    )
    book = ledger.load(order["orderId"])
    assert [(e.return_id, e.kind, e.refunded, e.state) for e in book.entries] == [
        (first.cancellationId, "cancellation", "0.00", "paid"),
        (second.cancellationId, "cancellation", "100.00", "paid"),
    ]
    assert cancellations.reserved(order["orderId"]) == {"L1": 1, "L2": 1}


def test_shipped_intercepted_or_delivered_first_and_the_sellers_carrier(
    cancellations: CancellationFlow, flow: Flow, orders
) -> None:
    """Side by side: fulfilment says shipped and the platform's delivery intercepts the parcel;
    delivery says the parcel was delivered first (FAILED: return it instead, and a return then
    can take the units); a seller-shipped order's parcel cannot be stopped (FAILED)."""
    paid = cancellations.order(orders["O-PAID-7"])
    shipped = cancellations.order(orders["O-SHIP-5"])  # B2C: the platform ships
    pop = cancellations.order({**orders["O-POP-6"], "status": "PAID", "deliveredAt": None})
    intercepted = cancellations.create(paid, reason="other").cancellationId
    delivered = cancellations.create(shipped).cancellationId
    seller = cancellations.create(pop, {"L2": 2}).cancellationId
    cancellations.wait(intercepted, "AWAITING_FULFILMENT", parked=Wait.FULFILMENT)
    cancellations.answer(intercepted, Wait.FULFILMENT, "shipped", "left the warehouse")
    cancellations.wait(seller, "AWAITING_FULFILMENT", parked=Wait.FULFILMENT)
    cancellations.answer(seller, Wait.FULFILMENT, "shipped")
    cancellations.wait(delivered, "AWAITING_INTERCEPTION", parked=Wait.INTERCEPTION)
    assert cancellations.reserved(shipped["orderId"]) == {"L1": 1}
    cancellations.answer(delivered, Wait.INTERCEPTION, "delivered", "signed for at 10:02")

    cancellations.wait(intercepted, "AWAITING_INTERCEPTION", parked=Wait.INTERCEPTION)
    asked = cancellations.signed(intercepted, Wait.INTERCEPTION)
    assert asked["packageIds"] == ["PKG-1"] and asked["status"] == "AWAITING_INTERCEPTION"
    with pytest.raises(Conflict):  # fulfilment answered already
        cancellations.answer(intercepted, Wait.FULFILMENT, "stopped")
    cancellations.answer(intercepted, Wait.INTERCEPTION, "intercepted")
    done = cancellations.finished(intercepted, "COMPLETED")
    assert done.refund is not None and done.refund.refundAmount == "100.00"
    assert [h.actor for h in done.history][1:4] == ["system", "fulfilment", "delivery"]
    assert cancellations.event_types(intercepted) == [
        "Cancellation Requested",
        "Interception Requested",
        "Refund Issued",
        "Cancellation Completed",
    ]

    failed = cancellations.finished(delivered, "FAILED")
    assert "return the goods instead" in failed.history[-1].note and failed.history[-1].actor == "delivery"
    assert failed.refund is None and "signed for at 10:02" in failed.history[-1].note
    event = cancellations.events(delivered)[-1]
    assert event["DetailType"] == "Cancellation Failed" and event["Detail"]["failure"] == "delivered"
    assert cancellations.reserved(shipped["orderId"]) == {"L1": 0}
    now_delivered = flow.order(
        {**orders["O-SHIP-5"], "version": 4, "status": "DELIVERED", "deliveredAt": "2026-11-28T09:00:00Z"}
    )
    assert flow.create(now_delivered, {"L1": 1}, "no_longer_needed").status == "REQUESTED"

    stopped_by_nobody = cancellations.finished(seller, "FAILED")
    assert "seller's carrier" in stopped_by_nobody.history[-1].note
    assert cancellations.reserved(pop["orderId"]) == {"L2": 0}
    assert list(cancellations.payments.refunds) == [f"RF-{intercepted}"]


@pytest.mark.short_time_limits
def test_the_time_limits_fail_the_cancellation_and_release_its_units(
    cancellations: CancellationFlow, orders
) -> None:
    """Side by side: fulfilment never answers one, delivery never answers the other (3 s each)."""
    paid = cancellations.order(orders["O-PAID-7"])
    shipped = cancellations.order(orders["O-SHIP-5"])
    unstopped = cancellations.create(paid, {"L1": 1}).cancellationId
    unintercepted = cancellations.create(shipped).cancellationId
    for cancellation_id, who in ((unstopped, "fulfilment"), (unintercepted, "delivery")):
        done = cancellations.finished(cancellation_id, "FAILED")
        assert done.history[-1].note == f"{who} did not answer within 3s"
        assert done.history[-1].actor == "system" and done.task is None
        failed = cancellations.events(cancellation_id)[-1]["Detail"]
        assert failed["why"] == f"{who} did not answer within 3s"
    assert cancellations.reserved(paid["orderId"]) == {"L1": 0}
    assert cancellations.reserved(shipped["orderId"]) == {"L1": 0}
    with pytest.raises(Conflict):  # the URL still verifies, but the answer comes too late
        cancellations.answer(unstopped, Wait.FULFILMENT, "stopped")


def test_a_refund_that_keeps_failing_waits_for_cs_to_retry(cancellations: CancellationFlow, orders) -> None:
    order = cancellations.order(orders["O-PAID-7"])
    created = cancellations.create(order)
    cancellations.wait(created.cancellationId, "AWAITING_FULFILMENT", parked=Wait.FULFILMENT)
    cancellations.payments.fail_next(1, permanent=True)  # a decline is not retried
    cancellations.answer(created.cancellationId, Wait.FULFILMENT, "stopped")
    failed = cancellations.wait(created.cancellationId, "REFUND_FAILED", parked=Wait.REFUND_RETRY)
    assert failed.refundError is not None and "PaymentDeclined" in failed.refundError
    assert cancellations.payments.calls == 1 and not cancellations.payments.refunds
    retried = retry_refund(created.cancellationId, "cs:mei")
    assert retried.status == "REFUNDING" and retried.history[-1].actor == "cs:mei"
    with pytest.raises(Conflict):
        retry_refund(created.cancellationId, "cs:mei")
    done = cancellations.finished(created.cancellationId, "COMPLETED")
    assert done.refund is not None and done.refund.refundAmount == "100.00"
    assert cancellations.payments.calls == 2 and list(cancellations.payments.refunds) == [
        f"RF-{created.cancellationId}"
    ]
    assert [h.status for h in done.history][-4:] == ["REFUNDING", "REFUND_FAILED", "REFUNDING", "COMPLETED"]


def test_a_completed_cancellation_leaves_the_units_sold_of_analytics(
    cancellations: CancellationFlow, orders
) -> None:
    """Analytics takes `Cancellation Completed` (section 9: unitsSold is the cohort's units less
    those of completed cancellations): L2 cancelled before shipping, the order then delivered."""
    from datetime import UTC, datetime, timedelta

    order = cancellations.order(orders["O-PAID-7"])
    created = cancellations.create(order, {"L2": 1})
    cancellations.wait(created.cancellationId, "AWAITING_FULFILMENT", parked=Wait.FULFILMENT)
    cancellations.answer(created.cancellationId, Wait.FULFILMENT, "stopped")
    cancellations.finished(created.cancellationId, "COMPLETED")
    today = datetime.now(UTC)
    delivered = {**order, "version": order["version"] + 1, "status": "DELIVERED"}
    delivered["deliveredAt"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    cancellations.order(delivered)
    agent = {"sub": "agent-7", "cognito:groups": ["cs"]}
    since = (today - timedelta(days=3)).strftime("%Y-%m-%d")  # the snapshot is moved to a day ago
    query = {"from": since, "to": today.strftime("%Y-%m-%d"), "groupBy": "sku"}
    answer = cancellations.stack.http("GET", "/cs/analytics/returns", query=query, claims=agent)
    assert answer.status == 200, answer.text
    sold = {row["key"]: row["unitsSold"] for row in answer.json["rows"]}
    assert sold == {"SKU-HEADSET-3": 1}  # SKU-CABLE-4's one unit was cancelled: no unit sold
