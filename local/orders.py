"""The order system's side of the local stack: example orders and how they reach the service.

Orders arrive as EventBridge events (contract section 1: `source: shop.orders`,
`detail-type: Order Updated`, the snapshot as `detail`), so seeding goes through the same
order-sync path production uses instead of writing tables behind the service's back.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local.stack import REPO_ROOT, Stack

ORDER_SOURCE = "shop.orders"
ORDER_DETAIL_TYPE = "Order Updated"
EXAMPLE_ORDERS_DIR = REPO_ROOT / "events" / "orders"


def load_example_orders(directory: Path = EXAMPLE_ORDERS_DIR) -> dict[str, dict[str, Any]]:
    """The example snapshots by orderId (fresh copies: callers may change them)."""
    orders: dict[str, dict[str, Any]] = {}
    for path in sorted(directory.glob("*.json")):
        snapshot = json.loads(path.read_text(encoding="utf-8"))
        orders[str(snapshot["orderId"])] = snapshot
    return copy.deepcopy(orders)


def publish_order(stack: Stack, snapshot: dict[str, Any]) -> str:
    """Put `snapshot` on the bus as the order system does; order-sync stores it before this returns
    (delivery is synchronous). Raises if nothing consumes order events or the consumer failed."""
    targets = stack.matching_targets(ORDER_SOURCE, ORDER_DETAIL_TYPE, snapshot)
    if not targets:
        raise LookupError(
            f"no rule of {stack.template_path.name} takes {ORDER_SOURCE} / {ORDER_DETAIL_TYPE} events"
            " (order-sync is not deployed)"
        )
    failures_before = len(stack.delivery_errors)
    event_id = stack.put_event(ORDER_SOURCE, ORDER_DETAIL_TYPE, snapshot)
    failures = stack.delivery_errors[failures_before:]
    if failures:
        error = failures[0]["error"]
        raise RuntimeError(
            f"order {snapshot.get('orderId')}: {failures[0]['target']} failed:"
            f" {error['errorType']}: {error['errorMessage']}"
        )
    return event_id


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def moved_to_present(snapshot: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """A copy with its timestamps moved so it was delivered a day ago (spacing kept); an order not
    yet delivered is moved so it was placed a day ago. Keeps the examples inside return windows."""
    now = now or datetime.now(UTC)
    moved = copy.deepcopy(snapshot)
    anchor_key = "deliveredAt" if moved.get("deliveredAt") else "placedAt"
    anchor = moved.get(anchor_key)
    if not anchor:
        return moved
    shift = (now - timedelta(days=1)) - _parse_time(str(anchor))
    shift = timedelta(seconds=round(shift.total_seconds()))
    for key in ("placedAt", "deliveredAt"):
        if moved.get(key):
            moved[key] = _format_time(_parse_time(str(moved[key])) + shift)
    return moved
