"""The operations around the workflow: order sync, signed URLs, the CS queue, a customer's
returns, shipments, and the HTTP payment adapter (urlopen faked: no network)."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.orders import publish_order
from returns_service import payments, returns, review, signing
from returns_service.errors import BadRequest, Conflict, Forbidden, NotFound
from returns_service.models import CreateReturn
from returns_service.receipt import verify_callback
from returns_service.store import orders as order_store
from returns_service.store import returns as return_store
from tests.workflow.conftest import Flow


def test_order_sync_keeps_the_newest_snapshot(flow: Flow, orders) -> None:
    order = flow.order(orders["O-SEED-1"])
    older = {**order, "version": 3, "status": "SHIPPED"}
    publish_order(flow.stack, older)
    same = {**order, "status": "CANCELLED"}
    publish_order(flow.stack, same)
    stored = order_store.load("O-SEED-1")
    assert stored is not None and stored.snapshot.version == 4 and stored.snapshot.status == "DELIVERED"
    newer = {**order, "version": 5, "status": "CANCELLED"}
    publish_order(flow.stack, newer)
    stored = order_store.load("O-SEED-1")
    assert stored is not None and stored.snapshot.version == 5 and stored.snapshot.status == "CANCELLED"


def test_order_sync_refuses_a_snapshot_that_does_not_add_up(flow: Flow, orders) -> None:
    broken = {**orders["O-POP-4"], "payments": [{"paymentId": "P", "method": "card", "amount": "1.00"}]}
    with pytest.raises(RuntimeError, match="do not add up"):
        publish_order(flow.stack, broken)
    assert order_store.load("O-POP-4") is None


def test_order_sync_keeps_reservations_across_updates(flow: Flow, orders) -> None:
    order = flow.order(orders["O-SEED-1"])
    created = flow.create(order, {"L1": 1})
    publish_order(flow.stack, {**order, "version": 9})
    assert flow.reserved("O-SEED-1") == {"L1": 1}
    flow.wait(created.returnId, "PENDING_REVIEW")


def test_signed_urls_are_checked(flow: Flow) -> None:
    now = datetime.now(UTC)
    url, expires_at = signing.callback_url("R-1", now)
    assert url.startswith("https://returns.test/warehouse/returns/R-1/receipt?expires=")
    expires = str(int(expires_at.timestamp()))
    good = signing.signature("R-1", int(expires))
    verify_callback("R-1", expires, good)
    for return_id, when, sig in [
        ("R-2", expires, good),  # another return
        ("R-1", str(int(expires) + 1), good),  # another expiry
        ("R-1", expires, good[:-1] + ("0" if good[-1] != "0" else "1")),  # tampered
        ("R-1", "soon", good),  # not a timestamp
    ]:
        with pytest.raises(Forbidden, match="not valid"):
            verify_callback(return_id, when, sig)
    past = int((now - timedelta(seconds=1)).timestamp())
    with pytest.raises(Forbidden, match="expired"):
        verify_callback("R-1", str(past), signing.signature("R-1", past))


def test_cs_queue_is_oldest_first_and_paginated(flow: Flow, orders) -> None:
    order = flow.order(orders["O-MIX-2"])
    ids = [flow.create(order, {line: 1}, "quality_issue").returnId for line in ("L1", "L2", "L3")]
    for return_id in ids:
        flow.wait(return_id, "PENDING_REVIEW")
    seen: list[str] = []
    token: str | None = None
    for _ in range(5):
        page, token = review.review_queue("PENDING_REVIEW", 2, token)
        seen += [v.returnId for v in page]
        if token is None:
            break
    assert seen == ids
    with pytest.raises(BadRequest):
        review.review_queue("WAITING", 10, None)
    with pytest.raises(BadRequest):
        review.review_queue("PENDING_REVIEW", 0, None)
    with pytest.raises(BadRequest):
        review.review_queue("PENDING_REVIEW", 10, "not-a-token")
    view, snapshot = review.get_return_for_cs(ids[0])
    assert view.returnId == ids[0] and snapshot.orderId == "O-MIX-2"


def test_the_queue_leaves_out_what_moved_on_since_its_index_saw_it(flow: Flow, orders, monkeypatch) -> None:
    """ByStatus holds keys and lags the table in DynamoDB: the page's returns are read by key, and
    one no longer in the status (or gone) is not shown as if it still were."""
    order = flow.order(orders["O-MIX-2"])
    kept, cancelled = (flow.create(order, {line: 1}, "quality_issue").returnId for line in ("L1", "L2"))
    for return_id in (kept, cancelled):
        flow.wait(return_id, "PENDING_REVIEW", parked="review")
    returns.cancel_return(cancelled, order["customerId"])
    flow.wait(cancelled, "CANCELLED")
    stale = [{"returnId": rid, "status": "PENDING_REVIEW"} for rid in (kept, cancelled, "R-GONE")]
    monkeypatch.setattr(return_store, "index_page", lambda *_: (stale, None))
    page, token = review.review_queue("PENDING_REVIEW", 10, None)
    assert [view.returnId for view in page] == [kept] and token is None
    assert page[0].status == "PENDING_REVIEW"


def test_customers_see_only_their_own_returns(flow: Flow, orders) -> None:
    seed = flow.order(orders["O-SEED-1"])
    pop = flow.order(orders["O-POP-4"])
    first = flow.create(seed, {"L1": 1})
    second = flow.create(pop, {"L1": 1})

    def listed(customer: str, order_id: str | None) -> list[str]:
        items, token = returns.list_returns(customer, order_id, 20, None)
        assert token is None
        return [v.returnId for v in items]

    assert listed("cust-1001", None) == [second.returnId, first.returnId], "newest first"
    assert listed("cust-1001", "O-POP-4") == [second.returnId]
    assert listed("cust-1002", None) == []
    assert returns.get_return(first.returnId, "cust-1001").orderId == "O-SEED-1"
    with pytest.raises(NotFound):
        returns.get_return(first.returnId, "cust-1002")
    with pytest.raises(NotFound):
        returns.cancel_return(first.returnId, "cust-1002")
    with pytest.raises(NotFound):
        returns.create_return(
            "cust-1002",
            CreateReturn.model_validate(
                {
                    "orderId": "O-SEED-1",
                    "lines": [{"lineId": "L2", "quantity": 1}],
                    "reason": "other",
                    "method": "pickup",
                }
            ),
        )
    flow.wait(first.returnId, "PENDING_REVIEW")
    flow.wait(second.returnId, "PENDING_REVIEW")


def test_shipment_is_recorded_until_the_return_ends(flow: Flow, orders) -> None:
    order = flow.order(orders["O-SEED-1"])
    created = flow.create(order, {"L1": 1})
    flow.wait(created.returnId, "PENDING_REVIEW", parked="review")
    view = returns.record_shipment(created.returnId, "cust-1001", "SF Express", "SF123")
    assert view.shipment is not None and view.shipment.trackingNumber == "SF123"
    assert view.status == "PENDING_REVIEW" and "SF123" in view.history[-1].note
    returns.cancel_return(created.returnId, "cust-1001")
    flow.finished(created.returnId, "CANCELLED")
    with pytest.raises(Conflict):
        returns.record_shipment(created.returnId, "cust-1001", "SF Express", "SF124")


class _Response(io.BytesIO):
    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def test_http_payment_provider_sends_the_refund_id_as_idempotency_key(flow: Flow, monkeypatch) -> None:
    provider = payments.HttpPaymentProvider(
        "https://pay.test/v1", flow.stack.env["PAYMENT_API_SECRET_ARN"], 2
    )
    order = payments.RefundOrder("RF-R-1", "O-1", "R-1", "CNY", "10.00", (("PAY-1", "10.00"),))
    sent: list[Any] = []
    answers: list[Any] = [
        _Response(json.dumps({"reference": "ref-9"}).encode()),
        urllib.error.HTTPError("https://pay.test/v1/refunds", 503, "down", {}, None),  # type: ignore[arg-type]
        urllib.error.HTTPError("https://pay.test/v1/refunds", 422, "no", {}, None),  # type: ignore[arg-type]
        urllib.error.URLError("connection refused"),
    ]

    def fake_urlopen(request: Any, timeout: float) -> Any:
        sent.append(request)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    assert provider.refund(order).reference == "ref-9"
    request = sent[0]
    assert request.full_url == "https://pay.test/v1/refunds" and request.get_method() == "POST"
    assert request.get_header("Idempotency-key") == "RF-R-1"
    assert request.get_header("Authorization", "").startswith("Bearer ")
    assert json.loads(request.data)["amount"] == "10.00"
    with pytest.raises(payments.PaymentUnavailable):
        provider.refund(order)
    with pytest.raises(payments.PaymentDeclined):
        provider.refund(order)
    with pytest.raises(payments.PaymentUnavailable):
        provider.refund(order)
