"""The analytics SQL was rewritten for speed (each table read in one place, no window over more
than the refunds' lines); ``returns_before.sql`` is the text it replaced, kept only as the
reference here. On random shops (orders with older snapshots and duplicate deliveries,
cancellations, returns in every state, partial receipts, refunds over several lines with zero
and uneven paid amounts, two currencies, delivery times at the period's edges in other offsets)
both give the same rows for every groupBy.

The random shops keep to what the service emits: an order's latest snapshot has lines, a return
asks for lines of its order and has at most one Return Requested and one Refund Issued (each
possibly delivered twice), and its refund's lines are lines it asked for.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from returns_service.analytics import query
from returns_service.analytics.engines import DuckDbEngine
from returns_service.analytics.report import REASONS
from tests.analytics.records import Records, line

BEFORE = (Path(__file__).parent / "returns_before.sql").read_text(encoding="utf-8")
PERIOD = ("2026-05-01", "2026-05-03")
DELIVERIES = (
    "2026-04-30T20:00:00-08:00",  # 2026-05-01 UTC
    "2026-04-30T23:00:00Z",  # before the period
    "2026-05-01T00:00:00Z",
    "2026-05-02T12:30:00+08:00",
    "2026-05-03T23:59:59Z",
    "2026-05-04T02:00:00+08:00",  # 2026-05-03 UTC
    "2026-05-04T00:00:01Z",  # after the period
    None,  # not delivered
)
FINAL = ("REJECTED", "CANCELLED", "EXPIRED", "RETURNED_TO_CUSTOMER")


def random_shop(root: Path, seed: int) -> Records:
    rng = random.Random(seed)
    shop = Records(root)
    brands = ["Acme", "Bolt", "Cargo", "Dune"]
    for o in range(rng.randint(25, 35)):
        order_id = f"O{o}"
        lines = [
            line(f"L{n}", rng.choice(brands), rng.randint(1, 6), category=rng.choice(["home", "toys"]))
            for n in range(1, rng.randint(2, 4))
        ]
        delivered = rng.choice(DELIVERIES)
        channel, seller = rng.choice([("B2C", "platform"), ("POP", "S-1"), ("POP", "S-2")])
        if rng.random() < 0.4:  # an older snapshot, other brands
            older = [dict(item, brand="Old") for item in lines]
            shop.order(order_id, older, delivered_at=None, version=1, channel=channel, seller_id=seller)
        for _ in range(1 + (rng.random() < 0.3)):  # the latest snapshot, sometimes delivered twice
            shop.order(order_id, lines, delivered_at=delivered, version=3, channel=channel, seller_id=seller)
        if rng.random() < 0.3:
            shop.cancelled(order_id, [{"lineId": "L1", "quantity": 1}])
        currency = rng.choice(["CNY", "CNY", "HKD"])
        for r in range(rng.randint(0, 3)):
            add_return(shop, rng, f"R{o}-{r}", order_id, lines, currency)
    return shop


def add_return(
    shop: Records,
    rng: random.Random,
    return_id: str,
    order_id: str,
    lines: list[dict[str, Any]],
    currency: str,
) -> None:
    asked = [
        (item["lineId"], rng.randint(1, item["quantity"]))
        for item in rng.sample(lines, rng.randint(1, len(lines)))
    ]
    created = f"2026-05-0{rng.randint(2, 6)}T{rng.randint(0, 23):02d}:{rng.choice(['00', '30'])}:00Z"
    requested = shop.requested(return_id, order_id, asked, rng.choice(REASONS), created)
    if rng.random() < 0.2:
        shop.again("Return Requested", requested, created[:10])
    end = rng.random()
    if end < 0.15:
        shop.event("Return Rejected", return_id, order_id, "REJECTED", "2026-05-07")
        return
    if rng.random() < 0.6:
        received = [
            (line_id, rng.randint(0, quantity), rng.choice(["intact", "damaged"]))
            for line_id, quantity in asked
        ]
        status = rng.choice(FINAL) if end < 0.25 else "REFUNDING"
        shop.received(return_id, order_id, received, day="2026-05-07", status=status)
    if rng.random() < 0.6:
        paid = [
            (line_id, quantity, rng.choice(["0.00", "10.00", "33.33", "7.01"])) for line_id, quantity in asked
        ]
        amount = f"{rng.randint(0, 9999) // 100}.{rng.randint(0, 99):02d}"
        paid_at = f"2026-05-0{rng.randint(7, 9)}T{rng.randint(0, 23):02d}:15:00+08:00"
        refund = shop.refunded(return_id, order_id, amount, paid_at, paid, currency=currency)
        if rng.random() < 0.2:
            shop.again("Refund Issued", refund, "2026-05-09")
        shop.closed(return_id, order_id, "REFUNDED", day="2026-05-09")
    elif end > 0.9:
        shop.closed(return_id, order_id, rng.choice(["CANCELLED", "EXPIRED"]), day="2026-05-08")


def ordered(rows: list[dict[str, Any]]) -> list[str]:
    return sorted(
        repr(
            sorted(
                (name, None if value is None else int(value) if isinstance(value, int) else value)
                for name, value in row.items()
            )
        )
        for row in rows
    )


@pytest.mark.parametrize("seed", range(2))
def test_the_rewrite_gives_the_rows_of_the_query_it_replaced(tmp_path: Path, seed: int) -> None:
    shop = random_shop(tmp_path, seed)
    engine = DuckDbEngine(shop.root)
    for group_by in query.GROUP_BYS:
        request = query.Request.of(*PERIOD, group_by)
        before = engine.run(BEFORE, query.bind(BEFORE, request.parameters()))
        after = engine.run(query.sql(), query.bind(query.sql(), request.parameters()))
        assert len(before) > 1, "a shop with a cohort"
        assert ordered(after) == ordered(before), (seed, group_by)
