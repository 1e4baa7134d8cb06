"""A request given as plain JSON data is read without pydantic only when pydantic would read it alike.

``quote_request`` reads a plainly well-formed request field by field (the fast path) and hands
anything else to ``QuoteRequest``. These tests hold the fast path to pydantic's: the same numbers
for every example order, and for requests changed at random (a field dropped, given another
type or value, an unknown field added) the same quote or the same refusal, word for word.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from returns_core import BadRequest, quote_request
from returns_core.order import OrderSnapshot, plain_order
from returns_core.refunds.models import QuoteRequest
from returns_core.refunds.quote import _plain_request, describe, quote_json
from tests.unit.refund_model import load_order, request, snapshot
from tests.unit.test_order_snapshot import EXAMPLES


def through_pydantic(data: object) -> dict[str, Any] | str:
    """The quote of ``data`` read by pydantic alone, or the message of its refusal."""
    try:
        return quote_json(QuoteRequest.model_validate(data))
    except ValidationError as error:
        return describe(error)
    except BadRequest as error:
        return str(error)


def through_engine(data: object) -> dict[str, Any] | str:
    try:
        return quote_request(data)
    except BadRequest as error:
        return str(error)


@pytest.mark.parametrize("order_id", EXAMPLES)
def test_every_example_order_reads_the_same_without_pydantic(order_id: str) -> None:
    data = load_order(order_id)
    assert plain_order(data) == OrderSnapshot.model_validate(data).numbers


def _order() -> dict[str, Any]:
    promotions: list[dict[str, Any]] = [
        {"promotionId": "P1", "kind": "percentage", "percent": "10", "lineIds": ["L1", "L3"], "title": "Ten"},
        {
            "promotionId": "P2",
            "kind": "threshold",
            "threshold": "100.00",
            "discount": "10.00",
            "repeat": True,
            "maxDiscount": "30.00",
            "lineIds": ["L1", "L2", "L3"],
            "refundPolicy": "prorate",
            "fundedBy": "platform",
        },
    ]
    order = snapshot("CNY", [(5_990, 2, True), (19_900, 1, False), (1_550, 3, True)], promotions, fee=1_000)
    order.update(placedAt="2026-11-19T08:00:00Z", deliveredAt="2026-11-23T10:30:00.5+08:00")
    order["lines"][0].update(sku="SKU-1", title="Mug", brand="B", category="home", packageId="PKG-1")
    return order


def _request() -> dict[str, Any]:
    earlier = [
        {
            "lines": [{"lineId": "L3", "quantity": 1}],
            "reason": "quality_issue",
            "kind": "return",
            "fees": "0.00",
            "refunded": None,
        }
    ]
    data = request(
        _order(), {"L1": 1, "L3": 1}, "no_longer_needed", previous=earlier, fee="5.00", deduction="0.00"
    )
    data["return"]["kind"] = "return"
    return data


def test_a_plain_request_is_read_without_pydantic_as_pydantic_reads_it() -> None:
    data = _request()
    plain = _plain_request(data)
    assert plain is not None
    assert plain.order == OrderSnapshot.model_validate(data["order"]).numbers
    assert through_engine(data) == through_pydantic(data)


# Values a JSON field could hold instead of the one it has: what pydantic coerces, refuses or takes.
ODD_VALUES = st.sampled_from(
    [None, "", " ", "x", "0", "1", "2", "10.00", "-1.00", "1.5", "PAID", "POP", "prorate", "percentage",
     "2026-11-19", "2026-11-19T08:00:00", "2026-13-01T00:00:00Z", "quality_issue", "cancellation",
     0, 1, 2, -1, 10**10, 2**64, 1.0, 2.5, True, False, [], ["L1"], {}, {"lineId": "L1"}]
)  # fmt: skip


def _paths(value: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value: keys of objects, indexes of lists."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_changed_request_gets_the_same_quote_or_refusal_as_through_pydantic(data: st.DataObject) -> None:
    changed = _request()
    for _ in range(data.draw(st.integers(1, 2))):
        path = data.draw(st.sampled_from(_paths(changed)))
        *parents, last = path
        target: Any = changed
        for part in parents:
            target = target[part]
        how = data.draw(st.sampled_from(["replace", "drop", "add"]))
        if how == "drop" and isinstance(target, dict):
            del target[last]
        elif how == "add" and isinstance(target, dict):
            target["unexpected"] = data.draw(ODD_VALUES)
        else:
            target[last] = copy.deepcopy(data.draw(ODD_VALUES))
    assert through_engine(changed) == through_pydantic(changed)


def test_what_pydantic_would_coerce_is_left_to_pydantic() -> None:
    for change in (
        lambda r: r["return"]["lines"][0].update(quantity="1"),
        lambda r: r["order"]["lines"][0].update(returnable=1),
        lambda r: r["order"].update(version=True),
        lambda r: r.update(return_=r.pop("return")),
        lambda r: r["order"].update(placedAt="2026-11-19"),
    ):
        data = _request()
        change(data)
        assert _plain_request(data) is None
        assert through_engine(data) == through_pydantic(data)


# Every shape the fast path checks, each broken once: the same refusal (or coerced quote) as pydantic's.
BROKEN: list[tuple[tuple[Any, ...], object]] = [
    (("order", "orderId"), ""),
    (("order", "orderId"), 7),
    (("order", "customerId"), ""),
    (("order", "customerId"), None),
    (("order", "currency"), 156),
    (("order", "currency"), "XXX"),
    (("order", "status"), "LOST"),
    (("order", "status"), None),
    (("order", "channel"), "C2C"),
    (("order", "channel"), "POP"),
    (("order", "sellerId"), 5),
    (("order", "version"), -1),
    (("order", "version"), "1"),
    (("order", "version"), 2**63),
    (("order", "fulfilledBy"), "courier"),
    (("order", "fulfilledBy"), 1),
    (("order", "placedAt"), "2026-02-30T08:00:00Z"),
    (("order", "placedAt"), "2026-11-19T08:00:00.1234567Z"),
    (("order", "deliveredAt"), 20261123),
    (("order", "lines"), []),
    (("order", "lines"), {}),
    (("order", "lines", 0), "L1"),
    (("order", "lines", 0, "lineId"), ""),
    (("order", "lines", 0, "lineId"), 1),
    (("order", "lines", 1, "lineId"), "L1"),
    (("order", "lines", 0, "unitPrice"), 59.9),
    (("order", "lines", 0, "unitPrice"), "59.9"),
    (("order", "lines", 0, "unitPrice"), "59.90,1"),
    (("order", "lines", 0, "quantity"), 0),
    (("order", "lines", 0, "quantity"), 1_000_000_001),
    (("order", "lines", 0, "quantity"), 2.0),
    (("order", "lines", 0, "returnable"), "yes"),
    (("order", "lines", 0, "sku"), 12),
    (("order", "lines", 2, "title"), None),
    (("order", "lines", 1, "packageId"), []),
    (("order", "promotions"), None),
    (("order", "promotions", 0), []),
    (("order", "promotions", 0, "promotionId"), ""),
    (("order", "promotions", 1, "promotionId"), "P1"),
    (("order", "promotions", 0, "kind"), "bundle"),
    (("order", "promotions", 0, "kind"), "threshold"),
    (("order", "promotions", 0, "lineIds"), []),
    (("order", "promotions", 0, "lineIds"), "L1"),
    (("order", "promotions", 0, "lineIds"), ["L1", 3]),
    (("order", "promotions", 0, "lineIds"), ["L1", "L9"]),
    (("order", "promotions", 0, "refundPolicy"), "keep"),
    (("order", "promotions", 0, "title"), 10),
    (("order", "promotions", 1, "repeat"), "true"),
    (("order", "promotions", 1, "fundedBy"), "bank"),
    (("order", "promotions", 1, "threshold"), 100),
    (("order", "promotions", 1, "maxDiscount"), "thirty"),
    (("order", "promotions", 0, "percent"), 10),
    (("order", "shipping"), None),
    (("order", "shipping", "fee"), 10),
    (("order", "shipping", "charged"), None),
    (("order", "shipping", "freeThreshold"), 299),
    (("order", "payments"), {}),
    (("order", "payments", 0), None),
    (("order", "payments", 0, "paymentId"), ""),
    (("order", "payments", 0, "method"), 3),
    (("order", "payments", 0, "amount"), 100),
    (("order", "payments", 0, "amount"), "1.00"),
    (("previousReturns",), {}),
    (("previousReturns", 0), "L3"),
    (("previousReturns", 0, "lines"), []),
    (("previousReturns", 0, "lines", 0), {"lineId": "L3"}),
    (("previousReturns", 0, "lines", 0), {"lineId": "L3", "quantity": 1, "note": ""}),
    (("previousReturns", 0, "lines", 0, "lineId"), ""),
    (("previousReturns", 0, "lines", 0, "quantity"), 0),
    (("previousReturns", 0, "lines", 0, "quantity"), True),
    (("previousReturns", 0, "reason"), "changed_mind"),
    (("previousReturns", 0, "reason"), 3),
    (("previousReturns", 0, "kind"), "exchange"),
    (("previousReturns", 0, "kind"), None),
    (("previousReturns", 0, "fees"), 0),
    (("previousReturns", 0, "refunded"), 1.5),
    (("previousReturns", 0, "returnShippingFee"), "1.00"),
    (("return",), None),
    (("return", "lines"), None),
    (("return", "lines", 0, "quantity"), 2**63),
    (("return", "reason"), None),
    (("return", "kind"), "cancellation"),
    (("return", "returnShippingFee"), 5),
    (("return", "inspectionDeduction"), []),
    (("return", "fees"), "1.00"),
    (("return", "refunded"), None),
    (("unexpected",), 1),
]


@pytest.mark.parametrize(("path", "value"), BROKEN, ids=[f"{'.'.join(map(str, p))}={v!r}" for p, v in BROKEN])
def test_each_checked_shape_broken_reads_as_through_pydantic(path: tuple[Any, ...], value: object) -> None:
    data = _request()
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    assert through_engine(data) == through_pydantic(data)


@pytest.mark.parametrize("missing", ["order", "return", "lines", "unitPrice", "quantity", "fee", "amount"])
def test_a_missing_field_reads_as_through_pydantic(missing: str) -> None:
    data = _request()
    holders = {
        "order": data,
        "return": data,
        "lines": data["return"],
        "unitPrice": data["order"]["lines"][0],
        "quantity": data["order"]["lines"][1],
        "fee": data["order"]["shipping"],
        "amount": data["order"]["payments"][0],
    }
    del holders[missing][missing]
    assert _plain_request(data) is None
    assert through_engine(data) == through_pydantic(data)


def test_fields_left_out_take_pydantic_defaults_on_the_fast_path() -> None:
    data = request(
        snapshot("JPY", [(1_200, 2, True), (800, 1, True)], [], fee=0),
        {"L1": 1},
        "other",
    )
    del data["previousReturns"]
    for line in data["order"]["lines"]:
        del line["returnable"]
    del data["order"]["channel"], data["order"]["sellerId"], data["order"]["payments"][0]["method"]
    plain = _plain_request(data)
    assert plain is not None
    assert plain.order == OrderSnapshot.model_validate(data["order"]).numbers
    assert through_engine(data) == through_pydantic(data)


def test_edge_values_pydantic_takes_are_read_on_the_fast_path() -> None:
    """The bounds of each checked number are the model's own: version 0 and 2**63 - 1, a line of
    1 and of 1,000,000,000 units, a return of up to 2**63 - 1 units all skip pydantic."""
    for version in (0, 2**63 - 1):
        data = _request()
        data["order"]["version"] = version
        assert _plain_request(data) is not None
    # The model's snapshot() lists every unit: a line of one unit, then its quantity raised.
    order = snapshot("JPY", [(1, 1, True), (5, 1, True)], [], fee=0)
    order["lines"][0]["quantity"] = 1_000_000_000
    order["payments"][0]["amount"] = str(1_000_000_000 + 5)
    data = request(order, {"L1": 2**63 - 1}, "other")
    assert _plain_request(data) is not None
    assert through_engine(data) == through_pydantic(data)  # refused: over what is left to return


@pytest.mark.parametrize("quantity", [0, -1, 1_000_000_001])
def test_a_line_quantity_out_of_bounds_is_refused_as_by_pydantic(quantity: int) -> None:
    """A free line (price 0) keeps the numbers adding up, so only the bound itself can refuse it."""
    order = snapshot("JPY", [(100, 1, True), (0, 1, True)], [])
    order["lines"][1]["quantity"] = quantity
    data = request(order, {"L1": 1}, "other")
    assert _plain_request(data) is None
    refusal = through_engine(data)
    assert isinstance(refusal, str)
    assert refusal == through_pydantic(data)


def test_a_cancellation_before_a_return_is_read_on_the_fast_path() -> None:
    data = _request()
    data["order"]["status"] = "PAID"
    data["previousReturns"][0].update(kind="cancellation", reason="out_of_stock")
    assert _plain_request(data) is not None
    assert through_engine(data) == through_pydantic(data)
