"""The warehouse receipt: no JWT, the signed URL is the credential. Forged, expired, borrowed and
replayed signatures; lines that were not part of the return; malformed bodies."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from returns_service import signing
from tests.api.client import CUSTOMER, Api, new_return, one, present, signed_url

INTACT_L2: dict[str, Any] = {
    "lines": [{"lineId": "L2", "quantity": 1, "condition": "intact"}],
    "inspector": "wh-1",
}


@pytest.fixture
def api(stack, orders, seed_order) -> Api:
    for order_id in ("O-SEED-1", "O-MIX-2"):
        seed_order(present(orders[order_id]))
    return Api(stack)


@pytest.fixture
def awaiting(api) -> tuple[str, str]:
    """A return of O-SEED-1 L2, approved, waiting for the goods: (returnId, its callback URL)."""
    created = api.created(new_return("O-SEED-1", one("L2")))
    api.approved(created["returnId"])
    return created["returnId"], api.callback_url(created["returnId"])


def with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for name, value in changes.items():
        if value is None:
            query.pop(name, None)
        else:
            query[name] = value
    return f"{parts.path}?{urlencode(query)}"


def test_receipt_through_the_signed_url_then_a_replay_is_409(api, awaiting):
    return_id, url = awaiting
    response = api.receipt(url, {**INTACT_L2, "note": "sealed"})
    assert response.status == 200, response.text
    assert response.json["returnId"] == return_id
    assert response.json["status"] in {"REFUNDING", "REFUNDED"}
    replay = api.receipt(url, INTACT_L2)
    assert replay.status == 409 and replay.json["error"]["code"] == "conflict"
    done = api.wait_status(return_id, "REFUNDED")
    assert done["refund"]["refundAmount"] == "0.00"


def test_a_forged_signature_is_403(api, awaiting):
    return_id, url = awaiting
    signature = parse_qs(urlsplit(url).query)["signature"][0]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    for forged in (flipped, "", "x" * 64, signature.upper() + "00", signature[:-1]):
        response = api.receipt(with_query(url, signature=forged), INTACT_L2)
        assert response.status == 403, (forged, response.text)
        assert response.json["error"]["code"] == "forbidden"
    assert api.cs_get(return_id).json["status"] == "AWAITING_RECEIPT"


def test_a_signature_without_its_expiry_or_with_another_expiry_is_403(api, awaiting):
    _, url = awaiting
    expires = parse_qs(urlsplit(url).query)["expires"][0]
    assert api.receipt(with_query(url, expires=None), INTACT_L2).status == 403
    assert api.receipt(with_query(url, signature=None), INTACT_L2).status == 403
    assert api.receipt(with_query(url, expires=None, signature=None), INTACT_L2).status == 403
    assert api.receipt(with_query(url, expires=str(int(expires) + 3600)), INTACT_L2).status == 403
    assert api.receipt(with_query(url, expires="tomorrow"), INTACT_L2).status == 403


def test_an_expired_signature_is_403(api, awaiting):
    return_id, url = awaiting
    past = 1_700_000_000
    expired = with_query(url, expires=str(past), signature=signing.signature(return_id, past))
    response = api.receipt(expired, INTACT_L2)
    assert response.status == 403
    assert api.receipt(url, INTACT_L2).status == 200, "the live URL still works"


def test_the_url_of_one_return_does_not_open_another(api, awaiting):
    _, url = awaiting
    other = api.created(new_return("O-SEED-1", one("L1"), reason="quality_issue"))
    api.approved(other["returnId"])
    query = urlsplit(url).query
    borrowed = f"/warehouse/returns/{other['returnId']}/receipt?{query}"
    body = {"lines": [{"lineId": "L1", "quantity": 1, "condition": "intact"}], "inspector": "wh-1"}
    assert api.receipt(borrowed, body).status == 403


def test_receipt_lines_that_are_not_part_of_the_return_are_422(api, awaiting):
    return_id, url = awaiting
    for lines in [
        [{"lineId": "L1", "quantity": 1, "condition": "intact"}],  # a line of the order, not of the return
        [{"lineId": "L2", "quantity": 2, "condition": "intact"}],  # more units than returned
        [{"lineId": "L9", "quantity": 1, "condition": "intact"}],  # no such line
        [
            {"lineId": "L2", "quantity": 1, "condition": "intact"},
            {"lineId": "L2", "quantity": 1, "condition": "damaged"},
        ],
    ]:
        response = api.receipt(url, {"lines": lines, "inspector": "wh-1"})
        assert response.status == 422, (lines, response.text)
        assert response.json["error"]["code"] == "unprocessable"
    assert api.cs_get(return_id).json["status"] == "AWAITING_RECEIPT"
    assert api.receipt(url, INTACT_L2).status == 200, "a refused receipt can be sent again, corrected"


def test_receipt_for_a_return_not_awaiting_goods_is_409(api):
    created = api.created(new_return("O-SEED-1", one("L2")))
    return_id = created["returnId"]
    api.wait_status(return_id, "PENDING_REVIEW")
    url = signed_url(return_id)
    assert api.receipt(url, INTACT_L2).status == 409
    api.call("POST", f"/returns/{return_id}/cancel", claims=CUSTOMER)
    assert api.receipt(url, INTACT_L2).status == 409


def test_receipt_of_an_unknown_return_with_a_valid_signature_is_404(api):
    assert api.receipt(signed_url("R-NOPE"), INTACT_L2).status == 404


def test_cancel_after_receipt_is_409(api, awaiting):
    return_id, url = awaiting
    assert api.receipt(url, INTACT_L2).status == 200
    response = api.call("POST", f"/returns/{return_id}/cancel", claims=CUSTOMER)
    assert response.status == 409
