"""Marketplace (POP) returns on the real state machine (contract section 8): the seller receives
through the same signed URL, a silent seller's time limit leaves the customer refunded by the
system, every POP refund is recorded with its split and finance lists them.

One stack for the module (deploying is the slow part): the seller's and the usual receipt time
limits are a few seconds, the review limit long (the tests approve themselves). Every test works
on its own copy of an example order.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from moto import mock_aws

from local.orders import load_example_orders, publish_order
from local.payments import running
from local.stack import MOTO_CONFIG, deploy
from returns_core import money
from returns_core.lifecycle.cancellation import Wait
from returns_core.refunds.models import Settlement
from returns_service import aws, settlements
from returns_service.store import settlements as records
from tests.api.client import Api
from tests.fast_parameters import FAST_PARAMETERS
from tests.workflow.cancellation_flow import CancellationFlow
from tests.workflow.conftest import Flow
from tests.workflow.helpers import approve

SELLER_LIMIT = 4
AGENT = {"sub": "agent-7", "cognito:username": "mei", "cognito:groups": ["cs"]}
MUG_SPLIT = {"sellerId": "seller-901", "sellerDebit": "35.00", "platformShare": "-3.50"}


@pytest.fixture(scope="module")
def market() -> Iterator[Flow]:
    parameters = {
        **FAST_PARAMETERS,
        "ReviewTimeoutSeconds": "300",
        "ReceiptTimeoutSeconds": "4",
        "SellerReceiptTimeoutSeconds": str(SELLER_LIMIT),
    }
    with running() as provider, mock_aws(config=MOTO_CONFIG):
        stack = deploy(parameters={**parameters, "PaymentApiUrl": provider.url})
        try:

            def seed(snapshot: dict[str, Any]) -> None:
                publish_order(stack, snapshot)

            yield Flow(stack, seed, provider)
        finally:
            stack.close()


def copy_of(flow: Flow, order_id: str) -> dict[str, Any]:
    """A fresh copy of an example order (its own reservations and ledger), stored."""
    snapshot = load_example_orders()[order_id]
    return flow.order({**snapshot, "orderId": f"{order_id}-{uuid.uuid4().hex[:6].upper()}"})


def detail(flow: Flow, return_id: str, detail_type: str, timeout: float = 10) -> dict[str, Any]:
    """The one event of ``detail_type``: its stream record reaches the bus just after the write
    that holds it is visible, so wait for it a little."""
    deadline = time.monotonic() + timeout
    found = [e["Detail"] for e in flow.events(return_id) if e["DetailType"] == detail_type]
    while not found and time.monotonic() < deadline:
        time.sleep(0.04)
        found = [e["Detail"] for e in flow.events(return_id) if e["DetailType"] == detail_type]
    assert len(found) == 1, (detail_type, flow.event_types(return_id))
    return dict(found[0])


def api(flow: Flow) -> Api:
    """The HTTP API of the module's stack (every answer checked for leaks and its error body)."""
    return Api(flow.stack)


def register_parcel(flow: Flow, order: dict[str, Any], return_id: str) -> None:
    """The customer registers the parcel: ``POST /returns/{returnId}/shipment``."""
    parcel = {"carrier": "SF Express", "trackingNumber": f"SF{return_id[-6:]}"}
    path = f"/returns/{return_id}/shipment"
    answer = api(flow).call("POST", path, body=parcel, claims={"sub": order["customerId"]})
    assert answer.status == 200, answer.json


def seller_receipt(flow: Flow, return_id: str, condition: str = "intact") -> Any:
    """The seller posts its receipt to the signed URL of ``Return Awaiting Receipt`` (no JWT)."""
    url = detail(flow, return_id, "Return Awaiting Receipt")["callbackUrl"]
    body = {"lines": [{"lineId": "L2", "quantity": 1, "condition": condition}], "inspector": "seller-901"}
    return api(flow).receipt(url, body)


def mug_back_awaiting_seller(flow: Flow) -> tuple[dict[str, Any], str]:
    """O-POP-6: one mug back (no longer needed), approved, waiting for the goods."""
    order = copy_of(flow, "O-POP-6")
    return_id = flow.create(order, {"L2": 1}, "no_longer_needed").returnId
    flow.wait(return_id, "PENDING_REVIEW", parked="review")
    approve(return_id)
    flow.wait(return_id, "AWAITING_RECEIPT", parked="receipt")
    return order, return_id


@pytest.fixture(scope="module")
def timed(market: Flow) -> dict[str, tuple[dict[str, Any], str]]:
    """The returns whose time limits the tests wait out, started together so that the limits run
    at once: a silent seller, a parcel registered before approval, no parcel at all."""
    silent = mug_back_awaiting_seller(market)
    register_parcel(market, *silent)
    early_order = copy_of(market, "O-POP-6")
    early = market.create(early_order, {"L2": 1}, "no_longer_needed").returnId
    market.wait(early, "PENDING_REVIEW", parked="review")
    register_parcel(market, early_order, early)
    approve(early)
    return {"silent": silent, "early": (early_order, early), "no_parcel": mug_back_awaiting_seller(market)}


def states_entered(flow: Flow, return_id: str) -> list[str]:
    """The state machine's states the return's (finished) execution went through, in order."""
    arn = flow.execution(return_id)["executionArn"]
    history = flow.stack.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)
    return [
        e["stateEnteredEventDetails"]["name"] for e in history["events"] if "stateEnteredEventDetails" in e
    ]


def list_settlements(flow: Flow, seller: str, **query: str) -> Any:
    today = datetime.now(UTC).date().isoformat()
    return api(flow).call(
        "GET", f"/cs/sellers/{seller}/settlements", query={"from": today, "to": today, **query}, claims=AGENT
    )


def test_the_seller_receives_and_the_refund_is_split(market: Flow) -> None:
    order, return_id = mug_back_awaiting_seller(market)
    awaiting = detail(market, return_id, "Return Awaiting Receipt")
    assert (awaiting["receivedBy"], awaiting["sellerId"]) == ("seller", "seller-901")

    register_parcel(market, order, return_id)  # the seller's clock starts: its wait, not the usual
    market.wait(return_id, "AWAITING_RECEIPT", parked="seller_receipt")
    answer = seller_receipt(market, return_id)  # the same signed URL serves the seller
    assert answer.status == 200 and answer.json["status"] == "REFUNDING", answer.json
    done = market.finished(return_id, "REFUNDED")

    received = detail(market, return_id, "Return Received")
    assert (received["receivedBy"], received["sellerId"], received["takenAsReceived"]) == (
        "seller",
        "seller-901",
        False,
    )
    assert done.quote is not None and done.quote.settlement is not None
    assert done.quote.refundAmount == "31.50" and done.quote.settlement.model_dump() == MUG_SPLIT
    assert done.refund is not None and done.refund.settlement is not None
    assert done.refund.settlement.model_dump() == MUG_SPLIT
    issued = detail(market, return_id, "Refund Issued")
    assert issued["refundAmount"] == "31.50" and issued["settlement"] == MUG_SPLIT

    listed = list_settlements(market, "seller-901")
    assert listed.status == 200, listed.json
    mine = [item for item in listed.json["items"] if item.get("returnId") == return_id]
    assert mine == [
        {
            "refundId": done.refund.refundId,
            "orderId": order["orderId"],
            "returnId": return_id,
            "currency": "CNY",
            "refundAmount": "31.50",
            "sellerDebit": "35.00",
            "platformShare": "-3.50",
            "paidAt": done.refund.paidAt,
        }
    ]
    assert "cancellationId" not in mine[0]


def test_a_silent_seller_leaves_the_customer_refunded_by_the_system(market: Flow, timed) -> None:
    order, return_id = timed["silent"]  # the parcel registered, nobody receives it
    done = market.finished(return_id, "REFUNDED")
    assert "TakeAsReceived" in states_entered(market, return_id)
    assert "ExpireReturn" not in states_entered(market, return_id)

    taken = next(entry for entry in done.history if entry.status == "REFUNDING")
    assert taken.actor == "system" and "taken as received intact in full" in taken.note
    assert f"no receipt within {SELLER_LIMIT}s of the customer's parcel registration" in taken.note
    received = detail(market, return_id, "Return Received")
    assert received["takenAsReceived"] is True and "no receipt" in received["reason"]
    assert (received["receivedBy"], received["sellerId"], received["inspector"]) == (
        "seller",
        "seller-901",
        "system",
    )
    assert received["accepted"] == [{"lineId": "L2", "quantity": 1}]
    assert done.refund is not None and done.refund.refundAmount == "31.50"
    assert detail(market, return_id, "Refund Issued")["settlement"] == MUG_SPLIT
    closed = detail(market, return_id, "Return Closed")
    assert closed["lines"][0]["received"] == 1  # analytics counts what was asked as received
    assert market.reserved(order["orderId"]) == {"L2": 1}  # the mug is gone for good
    # A seller's receipt after the time limit took the goods: the return takes none any more.
    late = seller_receipt(market, return_id, "damaged")
    assert late.status == 409 and "receipt was recorded" in late.json["error"]["message"], late.json


def test_a_parcel_registered_before_approval_starts_the_sellers_wait_at_approval(market: Flow, timed) -> None:
    _, return_id = timed["early"]
    done = market.finished(return_id, "REFUNDED")
    awaiting = detail(market, return_id, "Return Awaiting Receipt")  # the URL still went out
    assert awaiting["receivedBy"] == "seller" and awaiting["callbackUrl"]
    assert done.history[-2].actor == "system" and "taken as received" in done.history[-2].note
    # The usual receipt step handed the URL over and went on at once to the seller's wait.
    entered = states_entered(market, return_id)
    after_review = entered[entered.index("AwaitReceipt") :]
    assert [s for s in after_review if s != "Route"][:4] == [
        "AwaitReceipt",
        "AwaitSellerReceipt",
        "TakeAsReceived",
        "IssueRefund",
    ]


def test_a_pop_return_without_a_parcel_still_expires(market: Flow, timed) -> None:
    order, return_id = timed["no_parcel"]
    done = market.finished(return_id, "EXPIRED")
    assert "AwaitSellerReceipt" not in states_entered(market, return_id)
    assert "nothing received" in done.history[-1].note and done.refund is None
    assert "Return Received" not in market.event_types(return_id)
    assert market.reserved(order["orderId"]) == {"L2": 0}


def test_a_b2c_return_is_received_by_the_warehouse_and_has_no_settlement(market: Flow) -> None:
    order = copy_of(market, "O-SEED-1")
    return_id = market.create(order, {"L1": 1}, "quality_issue").returnId
    market.wait(return_id, "PENDING_REVIEW", parked="review")
    approve(return_id)
    market.wait(return_id, "AWAITING_RECEIPT", parked="receipt")
    register_parcel(market, order, return_id)  # B2C: only a note, the usual wait keeps its token
    market.wait(return_id, "AWAITING_RECEIPT", parked="receipt")
    awaiting = detail(market, return_id, "Return Awaiting Receipt")
    assert (awaiting["receivedBy"], awaiting["sellerId"]) == ("warehouse", None)
    body = {"lines": [{"lineId": "L1", "quantity": 1, "condition": "intact"}], "inspector": "wh-7"}
    assert api(market).receipt(awaiting["callbackUrl"], body).status == 200
    done = market.finished(return_id, "REFUNDED")
    assert done.quote is not None and done.quote.settlement is None
    assert done.refund is not None and done.refund.settlement is None
    assert detail(market, return_id, "Refund Issued")["settlement"] is None
    assert detail(market, return_id, "Return Received")["receivedBy"] == "warehouse"


def test_finance_pages_through_a_sellers_settlements_with_the_periods_totals(market: Flow, timed) -> None:
    """The module's POP refunds (at least the two the seller's time limit refunded), page by
    page with limit 1."""
    for name in ("silent", "early"):
        market.wait(timed[name][1], "REFUNDED", timeout=20)

    everything = list_settlements(market, "seller-901", limit="100").json
    assert len(everything["items"]) >= 2 and everything["nextToken"] is None
    paid = [item["paidAt"] for item in everything["items"]]
    assert paid == sorted(paid)  # in the order paid
    debits = sum(Decimal(item["sellerDebit"]) for item in everything["items"])
    shares = sum(Decimal(item["platformShare"]) for item in everything["items"])
    refunds = sum(Decimal(item["refundAmount"]) for item in everything["items"])
    assert debits + shares == refunds
    totals = [{"currency": "CNY", "sellerDebit": f"{debits}", "platformShare": f"{shares}"}]
    assert everything["totals"] == totals

    pages: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        query = {"limit": "1", **({"nextToken": token} if token else {})}
        page = list_settlements(market, "seller-901", **query)
        assert page.status == 200, page.json
        pages.extend(page.json["items"])
        assert page.json["totals"] == totals  # the whole period on every page
        token = page.json["nextToken"]
        if token is None:
            break
    assert pages == everything["items"]

    # Another seller, or a period with nothing paid: no items, no totals.
    assert list_settlements(market, "seller-778").json == {"items": [], "totals": [], "nextToken": None}
    first = list_settlements(market, "seller-901", limit="1").json["nextToken"]
    assert first is not None
    # The token is bound to its seller and period; a forged or edited one is refused.
    other = api(market).call(
        "GET",
        "/cs/sellers/seller-901/settlements",
        query={"from": "2020-01-01", "to": "2020-01-02", "nextToken": first},
        claims=AGENT,
    )
    assert other.status == 400 and "nextToken" in other.json["error"]["message"]
    assert list_settlements(market, "seller-901", nextToken=first[:-2] + "xx").status == 400


@pytest.mark.parametrize(
    ("start", "end", "status", "says"),
    [
        ("2026-05-02", "2026-05-01", 422, "after"),
        ("2024-01-01", "2025-01-01", 422, "367 days"),
        ("2026-5-01", "2026-05-02", 400, "from: String should match pattern"),
        ("2026-02-30", "2026-03-01", 400, "not a calendar date"),
    ],
)
def test_a_bad_period_is_refused(market: Flow, start: str, end: str, status: int, says: str) -> None:
    response = api(market).call(
        "GET", "/cs/sellers/seller-901/settlements", query={"from": start, "to": end}, claims=AGENT
    )
    assert response.status == status and says in response.json["error"]["message"], response.json


def test_only_cs_reads_settlements(market: Flow) -> None:
    today = datetime.now(UTC).date().isoformat()
    query: dict[str, str | list[str]] = {"from": today, "to": today}
    customer = api(market).call(
        "GET", "/cs/sellers/seller-901/settlements", query=query, claims={"sub": "cust-1002"}
    )
    assert customer.status == 403
    missing = api(market).call(
        "GET", "/cs/sellers/seller-901/settlements", query={"from": today}, claims=AGENT
    )
    assert missing.status == 400


def test_settlement_records_are_summed_per_currency_and_paged_in_the_order_paid(market: Flow) -> None:
    """The repository and the operation without the workflow: records of two currencies, signed
    amounts, two refunds paid at the same instant, one paid the day before the period."""

    def record(n: int, currency: str, debit: str, share: str, paid_at: str, kind: str = "return") -> Any:
        def minor(text: str) -> int:
            return money.parse(text, currency, allow_negative=True)

        return records.SettlementRecord.of(
            Settlement(sellerId="seller-fx", sellerDebit=debit, platformShare=share),
            order_id=f"O-FX-{n}",
            refund_id=f"RF-FX-{n}",
            case_kind=kind,  # type: ignore[arg-type]
            case_id=f"{'R' if kind == 'return' else 'C'}-FX-{n}",
            currency=currency,
            refund_amount=money.format(minor(debit) + minor(share), currency),
            paid_at=paid_at,
        )

    written = [
        record(1, "CNY", "100.00", "-100.00", "2026-03-01T09:00:00.000Z"),
        record(2, "JPY", "1200", "-200", "2026-03-01T10:00:00.000Z", "cancellation"),
        record(3, "CNY", "-40.00", "40.00", "2026-03-02T23:59:59.999Z"),
        record(4, "CNY", "60.00", "0.00", "2026-03-02T23:59:59.999Z"),  # same instant as 3
        record(0, "CNY", "999.00", "0.00", "2026-02-28T23:59:59.999Z"),  # before the period
    ]
    client: Any = aws.dynamodb_client()
    client.transact_write_items(TransactItems=[records.put_item(r) for r in written])
    with pytest.raises(client.exceptions.TransactionCanceledException):  # a record is written once
        client.transact_write_items(TransactItems=[records.put_item(written[0])])

    first = settlements.seller_settlements("seller-fx", "2026-03-01", "2026-03-02", 3, None)
    assert [item.refundId for item in first.items] == ["RF-FX-1", "RF-FX-2", "RF-FX-3"]
    assert first.items[1].cancellationId == "C-FX-2" and first.items[1].returnId is None
    assert [total.model_dump() for total in first.totals] == [
        {"currency": "CNY", "sellerDebit": "120.00", "platformShare": "-60.00"},
        {"currency": "JPY", "sellerDebit": "1200", "platformShare": "-200"},
    ]
    assert first.nextToken is not None
    rest = settlements.seller_settlements("seller-fx", "2026-03-01", "2026-03-02", 3, first.nextToken)
    assert [item.refundId for item in rest.items] == ["RF-FX-4"] and rest.nextToken is None
    assert rest.totals == first.totals
    one_day = settlements.seller_settlements("seller-fx", "2026-03-02", "2026-03-02", 10, None)
    assert [item.refundId for item in one_day.items] == ["RF-FX-3", "RF-FX-4"]
    assert [total.model_dump() for total in one_day.totals] == [
        {"currency": "CNY", "sellerDebit": "20.00", "platformShare": "40.00"}
    ]


def test_a_pop_cancellations_refund_is_settled_and_listed_too(market: Flow) -> None:
    """Contract section 7: a cancellation's refund is split and recorded as a return's is. O-POP-6
    paid, not shipped: one mug cancelled, stopped by fulfilment, refunded 31.50."""
    cancellations = CancellationFlow(market.stack, market.payments)
    snapshot = {**load_example_orders()["O-POP-6"], "orderId": f"O-POP-6-C{uuid.uuid4().hex[:5].upper()}"}
    order = cancellations.order(snapshot, status="PAID", deliveredAt=None)
    created = cancellations.create(order, {"L2": 1})
    assert created.quote is not None and created.quote.settlement is not None
    assert created.quote.settlement.model_dump() == MUG_SPLIT
    cancellations.wait(created.cancellationId, "AWAITING_FULFILMENT", parked=Wait.FULFILMENT)
    cancellations.answer(created.cancellationId, Wait.FULFILMENT, "stopped")
    done = cancellations.finished(created.cancellationId, "COMPLETED")
    assert done.refund is not None and done.refund.settlement is not None
    issued = [
        e["Detail"]
        for e in cancellations.events(created.cancellationId)
        if e["DetailType"] == "Refund Issued"
    ]
    assert [detail["settlement"] for detail in issued] == [MUG_SPLIT]

    listed = list_settlements(market, "seller-901", limit="100").json
    mine = [item for item in listed["items"] if item.get("cancellationId") == created.cancellationId]
    assert mine == [
        {
            "refundId": done.refund.refundId,
            "orderId": order["orderId"],
            "cancellationId": created.cancellationId,
            "currency": "CNY",
            "refundAmount": "31.50",
            "sellerDebit": "35.00",
            "platformShare": "-3.50",
            "paidAt": done.refund.paidAt,
        }
    ]
