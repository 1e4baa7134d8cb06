"""The cancellation routes of contract section 7 over HTTP: storefront quote / create / get / list,
the CS queue, view, out_of_stock and retry-refund, and the two signed callbacks, with every
refusal. One stack for the module: each test works on orders of its own (fresh ids)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from local.httpapi import HttpResponse
from local.orders import load_example_orders, publish_order
from returns_service import signing
from returns_service.cancellations.callbacks import fulfilment_path, interception_path
from tests.api.client import AGENT, CUSTOMER, OTHER_CUSTOMER, Api, present, shared_stack

EXAMPLES = load_example_orders()
FAR_FUTURE = 4_102_444_800  # 2100-01-01


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with shared_stack() as shared:
        yield shared


def order(api: Api, example: str, **changes: Any) -> str:
    """A fresh copy of an example order (a new id), put on the bus; its id."""
    order_id = f"{example}-{uuid.uuid4().hex[:6].upper()}"
    publish_order(api.stack, present(EXAMPLES[example], orderId=order_id, **changes))
    return order_id


def quote(api: Api, order_id: str, body: Any, claims: dict[str, Any] | None = None) -> HttpResponse:
    return api.call("POST", f"/orders/{order_id}/cancellation-quotes", body=body, claims=claims or CUSTOMER)


def create(
    api: Api, order_id: str, body: Any, claims: dict[str, Any] | None = None, key: str | None = None
) -> HttpResponse:
    headers = {"Idempotency-Key": key} if key else None
    return api.call(
        "POST", f"/orders/{order_id}/cancellations", body=body, claims=claims or CUSTOMER, headers=headers
    )


def created(api: Api, order_id: str, body: Any) -> dict[str, Any]:
    response = create(api, order_id, body)
    assert response.status == 201, response.text
    result: dict[str, Any] = response.json
    return result


def wait_status(api: Api, cancellation_id: str, *statuses: str, timeout: float = 10) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = api.call("GET", f"/cs/cancellations/{cancellation_id}", claims=AGENT)
        assert response.status == 200, response.text
        if response.json["status"] in statuses:
            result: dict[str, Any] = response.json
            return result
        assert time.monotonic() < deadline, f"{cancellation_id} is {response.json['status']}, not {statuses}"
        time.sleep(0.02)


def signed_url_of(api: Api, detail_type: str, cancellation_id: str) -> str:
    return str(api.wait_event(detail_type, cancellation_id, key="cancellationId")["callbackUrl"])


def post_url(api: Api, url: str, body: Any = None, raw_body: str | None = None) -> HttpResponse:
    parts = urlsplit(url)
    query: dict[str, str | list[str]] = {k: v[0] for k, v in parse_qs(parts.query).items()}
    return api.call("POST", parts.path, body=body, raw_body=raw_body, query=query, claims=None)


def signed(path: str, expires: int = FAR_FUTURE) -> str:
    return f"{path}?expires={expires}&signature={signing.path_signature(path, expires)}"


def awaiting_fulfilment(api: Api, example: str = "O-PAID-7", body: Any = None) -> tuple[str, str]:
    """A cancellation of a fresh paid order, waiting for fulfilment: (its id, the signed URL)."""
    cancellation = created(api, order(api, example), body or {"reason": "no_longer_needed"})
    cancellation_id = cancellation["cancellationId"]
    wait_status(api, cancellation_id, "AWAITING_FULFILMENT")
    return cancellation_id, signed_url_of(api, "Cancellation Requested", cancellation_id)


# -- storefront: quote and create --------------------------------------------------------------


def test_quote_then_create_then_read(api: Api) -> None:
    order_id = order(api, "O-PAID-7")
    asked = {"lines": [{"lineId": "L2", "quantity": 1}], "reason": "no_longer_needed"}
    quoted = quote(api, order_id, asked)
    assert quoted.status == 200, quoted.text
    assert quoted.json["refundAmount"] == "0.00"
    assert quoted.json["lines"] == [{"lineId": "L2", "quantity": 1, "paidAmount": "50.00"}]
    assert [(a["kind"], a["amount"]) for a in quoted.json["adjustments"]] == [
        ("promotion_clawback", "-50.00")
    ]
    response = create(api, order_id, {**asked, "reasonDetail": "bought two"}, key="cancel-1")
    assert response.status == 201, response.text
    body = response.json
    assert set(body) == {
        "cancellationId", "orderId", "customerId", "status", "lines", "reason", "reasonDetail",
        "quote", "refund", "createdAt", "updatedAt", "history",
    }  # fmt: skip
    assert body["status"] == "REQUESTED" and body["quote"] == quoted.json and body["refund"] is None
    assert body["reasonDetail"] == "bought two" and body["customerId"] == "cust-1001"
    replay = create(api, order_id, {**asked, "reasonDetail": "bought two"}, key="cancel-1")
    assert replay.status == 201 and replay.json["cancellationId"] == body["cancellationId"]
    other_body = create(api, order_id, {**asked, "reason": "other"}, key="cancel-1")
    assert other_body.status == 422 and other_body.json["error"]["details"][0]["field"] == "Idempotency-Key"
    mine = api.call("GET", f"/cancellations/{body['cancellationId']}", claims=CUSTOMER)
    assert mine.status == 200 and mine.json["cancellationId"] == body["cancellationId"]
    assert api.call("GET", f"/cancellations/{body['cancellationId']}", claims=OTHER_CUSTOMER).status == 404
    assert api.call("GET", "/cancellations/C-NOPE", claims=CUSTOMER).status == 404


def test_lines_left_out_take_every_unit_not_yet_cancelled(api: Api) -> None:
    order_id = order(api, "O-PLACED-8")
    first = created(api, order_id, {"lines": [{"lineId": "L1", "quantity": 1}], "reason": "other"})
    everything_left = quote(api, order_id, {"reason": "no_longer_needed"})
    assert everything_left.status == 200, everything_left.text
    assert everything_left.json == {
        "orderId": order_id,
        "currency": "CNY",
        "lines": [{"lineId": "L2", "quantity": 1, "paidAmount": "0.00"}],
        "adjustments": [],
        "refundAmount": "0.00",
        "payments": [],
        "settlement": None,
    }
    second = created(api, order_id, {"reason": "no_longer_needed"})
    assert second["lines"] == [{"lineId": "L2", "quantity": 1}]
    for cancellation in (first, second):
        done = wait_status(api, cancellation["cancellationId"], "COMPLETED")
        assert done["refund"] is None and done["order"]["orderId"] == order_id
    nothing_left = create(api, order_id, {"reason": "no_longer_needed"})
    assert nothing_left.status == 409 and "nothing is left to cancel" in nothing_left.json["error"]["message"]
    pop = order(api, "O-POP-6", status="PLACED", payments=[], customerId="cust-1001", deliveredAt=None)
    unpaid_pop = quote(api, pop, {"reason": "other"})
    assert unpaid_pop.status == 200, unpaid_pop.text
    assert unpaid_pop.json["settlement"] == {
        "sellerId": "seller-901",
        "sellerDebit": "0.00",
        "platformShare": "0.00",
    }


SELLER_SHIPPING = {"status": "SHIPPED", "deliveredAt": None, "customerId": "cust-1001"}
REFUSALS: list[tuple[str, dict[str, Any], dict[str, Any], int, str]] = [
    # example, changes to it, body, status, what the message says
    ("O-SEED-1", {}, {"reason": "no_longer_needed"}, 409, "return the goods instead"),
    ("O-PAID-7", {"status": "CANCELLED"}, {"reason": "other"}, 409, "nothing is left to cancel"),
    ("O-POP-6", SELLER_SHIPPING, {"reason": "other"}, 409, "third-party carrier"),
    ("O-PAID-7", {}, {"reason": "out_of_stock"}, 422, "not a cancellation reason a customer may give"),
    ("O-PAID-7", {}, {"lines": [{"lineId": "L1", "quantity": 2}], "reason": "other"}, 422, "does not fit"),
    ("O-PAID-7", {}, {"lines": [{"lineId": "L9", "quantity": 1}], "reason": "other"}, 422, "does not fit"),
]  # fmt: skip


@pytest.mark.parametrize(("example", "changes", "body", "status", "why"), REFUSALS)
def test_the_quote_refuses_what_the_create_refuses_with_the_same_answer(
    api: Api, example: str, changes: dict[str, Any], body: dict[str, Any], status: int, why: str
) -> None:
    order_id = order(api, example, **changes)
    quoted = quote(api, order_id, body)
    refused = create(api, order_id, body)
    assert quoted.status == refused.status == status, (quoted.text, refused.text)
    assert why in refused.json["error"]["message"]
    assert quoted.json["error"] == refused.json["error"]
    listed = api.call("GET", "/cancellations", query={"orderId": order_id}, claims=CUSTOMER)
    assert listed.json == {"items": [], "nextToken": None}


def test_another_customers_or_an_unknown_order_is_404(api: Api) -> None:
    order_id = order(api, "O-PAID-7")
    body = {"reason": "other"}
    assert quote(api, order_id, body, claims=OTHER_CUSTOMER).status == 404
    assert create(api, order_id, body, claims=OTHER_CUSTOMER).status == 404
    assert quote(api, "O-NOPE", body).status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "quality_issue"},  # a return reason, not a cancellation reason
        {"reason": "other", "lines": []},
        {"reason": "other", "lines": [{"lineId": "L1", "quantity": "1"}]},
        {"reason": "other", "method": "pickup"},
        {"lines": [{"lineId": "L1", "quantity": 1}]},
    ],
)
def test_malformed_bodies_are_400_naming_the_field(api: Api, body: dict[str, Any]) -> None:
    for call in (quote, create):
        response = call(api, "O-ANY", body)
        assert response.status == 400, response.text
        assert response.json["error"]["details"], response.text


def test_without_a_token_every_storefront_route_is_401(api: Api) -> None:
    for method, path in [
        ("POST", "/orders/O-1/cancellation-quotes"),
        ("POST", "/orders/O-1/cancellations"),
        ("GET", "/cancellations"),
        ("GET", "/cancellations/C-1"),
    ]:
        assert api.call(method, path, body={}).status == 401


def test_the_list_is_newest_first_paginated_and_of_one_order_on_request(api: Api) -> None:
    customer = {"sub": f"cust-{uuid.uuid4().hex[:8]}"}
    one, other = (order(api, "O-PLACED-8", customerId=customer["sub"]) for _ in range(2))
    ids = []
    for order_id, line in ((one, "L1"), (other, "L1"), (one, "L2")):
        response = create(
            api, order_id, {"lines": [{"lineId": line, "quantity": 1}], "reason": "other"}, claims=customer
        )
        assert response.status == 201, response.text
        ids.append(response.json["cancellationId"])
    everything = api.call("GET", "/cancellations", claims=customer)
    assert [c["cancellationId"] for c in everything.json["items"]] == ids[::-1]
    first = api.call("GET", "/cancellations", query={"limit": "2"}, claims=customer)
    assert [c["cancellationId"] for c in first.json["items"]] == ids[:0:-1]
    rest = api.call(
        "GET", "/cancellations", query={"limit": "2", "nextToken": first.json["nextToken"]}, claims=customer
    )
    assert [c["cancellationId"] for c in rest.json["items"]] == ids[:1] and rest.json["nextToken"] is None
    of_one = api.call("GET", "/cancellations", query={"orderId": one, "limit": "1"}, claims=customer)
    assert [c["cancellationId"] for c in of_one.json["items"]] == [ids[2]]
    after = api.call(
        "GET",
        "/cancellations",
        query={"orderId": one, "nextToken": of_one.json["nextToken"]},
        claims=customer,
    )
    assert [c["cancellationId"] for c in after.json["items"]] == [ids[0]]
    others = api.call("GET", "/cancellations", claims=OTHER_CUSTOMER).json["items"]
    assert not {c["cancellationId"] for c in others} & set(ids)
    bad = api.call("GET", "/cancellations", query={"nextToken": "not-a-token"}, claims=customer)
    assert bad.status == 400
    carried = {"orderId": other, "nextToken": of_one.json["nextToken"]}  # a token of another query
    assert api.call("GET", "/cancellations", query=carried, claims=customer).status == 400


# -- CS ----------------------------------------------------------------------------------------


def test_cs_routes_are_for_agents_only(api: Api) -> None:
    for method, path in [
        ("GET", "/cs/cancellations"),
        ("GET", "/cs/cancellations/C-1"),
        ("POST", "/cs/orders/O-1/cancellations"),
        ("POST", "/cs/cancellations/C-1/retry-refund"),
    ]:
        assert api.call(method, path, body={}, claims=CUSTOMER).status == 403
        assert api.call(method, path, body={}).status == 401


def test_cs_cancels_out_of_stock_units_for_the_customer(api: Api) -> None:
    order_id = order(api, "O-PAID-7")
    body = {"lines": [{"lineId": "L1", "quantity": 1}], "reason": "out_of_stock", "note": "warehouse ran out"}
    response = api.call("POST", f"/cs/orders/{order_id}/cancellations", body=body, claims=AGENT)
    assert response.status == 201, response.text
    assert response.json["customerId"] == "cust-1001" and response.json["reason"] == "out_of_stock"
    assert response.json["quote"]["refundAmount"] == "50.00"
    assert response.json["history"][0]["actor"] == "cs:mei"
    assert response.json["reasonDetail"] == "warehouse ran out"
    seen = api.call("GET", f"/cancellations/{response.json['cancellationId']}", claims=CUSTOMER)
    assert seen.status == 200, "the customer sees what CS cancelled for them"
    not_cs_reason = api.call(
        "POST",
        f"/cs/orders/{order_id}/cancellations",
        body={**body, "reason": "no_longer_needed"},
        claims=AGENT,
    )
    assert not_cs_reason.status == 422
    assert api.call("POST", "/cs/orders/O-NOPE/cancellations", body=body, claims=AGENT).status == 404
    delivered = order(api, "O-SEED-1")
    assert api.call("POST", f"/cs/orders/{delivered}/cancellations", body=body, claims=AGENT).status == 409


def test_the_cs_queue_is_oldest_first_and_paginated(api: Api) -> None:
    ids = [awaiting_fulfilment(api)[0] for _ in range(2)]
    listed: list[str] = []
    token = None
    while True:
        query: dict[str, str | list[str]] = {"status": "AWAITING_FULFILMENT", "limit": "1"}
        if token:
            query["nextToken"] = token
        page = api.call("GET", "/cs/cancellations", query=query, claims=AGENT)
        assert page.status == 200, page.text
        listed += [c["cancellationId"] for c in page.json["items"]]
        token = page.json["nextToken"]
        if not token:
            break
    assert [i for i in listed if i in ids] == ids
    assert api.call("GET", "/cs/cancellations", query={"status": "NOPE"}, claims=AGENT).status == 400
    assert api.call("GET", "/cs/cancellations/C-NOPE", claims=AGENT).status == 404


def test_retry_refund_only_after_a_failed_refund(api: Api) -> None:
    cancellation_id, url = awaiting_fulfilment(api)
    retry = f"/cs/cancellations/{cancellation_id}/retry-refund"
    assert api.call("POST", retry, claims=AGENT).status == 409
    assert api.call("POST", "/cs/cancellations/C-NOPE/retry-refund", claims=AGENT).status == 404
    assert api.payments is not None
    api.payments.fail_next(1, permanent=True)
    assert post_url(api, url, {"outcome": "stopped"}).status == 200
    wait_status(api, cancellation_id, "REFUND_FAILED")
    queue = api.call("GET", "/cs/cancellations", claims=AGENT)  # the default queue: failed refunds
    assert cancellation_id in [c["cancellationId"] for c in queue.json["items"]]
    retried = api.call("POST", retry, claims=AGENT)
    assert retried.status == 200 and retried.json["status"] == "REFUNDING"
    assert api.call("POST", retry, claims=AGENT).status == 409
    done = wait_status(api, cancellation_id, "COMPLETED")
    assert done["refund"]["refundAmount"] == "100.00"


# -- the signed callbacks ----------------------------------------------------------------------


def test_fulfilment_answers_once_on_its_signed_url(api: Api) -> None:
    cancellation_id, url = awaiting_fulfilment(api)
    assert urlsplit(url).path == fulfilment_path(cancellation_id)
    unknown = post_url(api, url, {"outcome": "delivered"})
    assert unknown.status == 422 and "'stopped' or 'shipped'" in unknown.json["error"]["message"]
    assert post_url(api, url, raw_body="{not json").status == 400
    assert post_url(api, url, {"note": "no outcome"}).status == 400
    answered = post_url(api, url, {"outcome": "shipped", "note": "on the truck"})
    assert answered.status == 200 and answered.json["status"] == "AWAITING_INTERCEPTION"
    second = post_url(api, url, {"outcome": "stopped"})
    assert second.status == 409 and second.json["error"]["code"] == "conflict"
    delivery = signed_url_of(api, "Interception Requested", cancellation_id)
    assert urlsplit(delivery).path == interception_path(cancellation_id)
    assert post_url(api, delivery, {"outcome": "intercepted"}).status == 200
    assert post_url(api, delivery, {"outcome": "delivered"}).status == 409
    assert wait_status(api, cancellation_id, "COMPLETED")["refund"]["refundAmount"] == "100.00"


def test_a_bad_borrowed_or_expired_signature_is_403(api: Api) -> None:
    cancellation_id, url = awaiting_fulfilment(api)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    expires, signature = query["expires"][0], query["signature"][0]
    path = parts.path
    body = {"outcome": "stopped"}
    forged = ("0" if signature[0] != "0" else "1") + signature[1:]
    for bad in (
        f"{path}?expires={expires}&signature={forged}",
        f"{path}?expires={expires}",
        f"{path}?signature={signature}",
        path,
        f"{path}?expires={int(expires) + 60}&signature={signature}",
        f"{path}?expires=soon&signature={signature}",
        signed(path, 1_700_000_000),  # signed, but expired
        f"{interception_path(cancellation_id)}?expires={expires}&signature={signature}",  # the other answer
        f"{fulfilment_path('C-OTHER')}?expires={expires}&signature={signature}",  # another cancellation
    ):
        response = post_url(api, bad, body)
        assert response.status == 403, (bad, response.text)
        assert response.json["error"]["code"] == "forbidden"
    assert wait_status(api, cancellation_id, "AWAITING_FULFILMENT")
    assert post_url(api, signed(fulfilment_path("C-NOPE")), body).status == 404
    assert post_url(api, url, body).status == 200, "the real URL still works"


def test_control_characters_in_free_text_are_422_naming_the_field(api: Api) -> None:
    order_id = order(api, "O-PLACED-8")
    refused = create(api, order_id, {"reason": "other", "reasonDetail": "bad\u0007bell"})
    assert refused.status == 422 and refused.json["error"]["details"][0]["field"] == "reasonDetail"
    cs = api.call(
        "POST",
        f"/cs/orders/{order_id}/cancellations",
        body={"reason": "out_of_stock", "note": "\u001b[31m"},
        claims=AGENT,
    )
    assert cs.status == 422 and cs.json["error"]["details"][0]["field"] == "note"
