"""Order sync: keeps the order snapshot current from the order system's ``Order Updated`` events.

A snapshot older than (or as old as) the stored one is ignored, so events arriving out of order or
twice never roll an order back. A snapshot whose numbers do not add up is refused rather than
stored: the invocation fails, Lambda retries it twice, then the event goes to the order-sync
dead-letter queue (template: EventInvokeConfig OnFailure, OrderSyncDeadLetterQueue), whose depth
the OrderSyncDeadLettersAlarm watches; an event EventBridge cannot hand to Lambda goes there too.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_core.order import OrderSnapshot
from returns_service.store import orders

logger = Logger()


class OrderUpdated(EventBridgeModel):
    """``source: shop.orders``, ``detail-type: Order Updated``; the snapshot is the detail."""

    detail: dict[str, Any]


@logger.inject_lambda_context(clear_state=True)
@event_parser(model=OrderUpdated)
def handler(event: OrderUpdated, context: LambdaContext) -> dict[str, Any]:
    snapshot = OrderSnapshot.model_validate(event.detail)
    logger.append_keys(orderId=snapshot.orderId, version=snapshot.version)
    stored = orders.save_snapshot(snapshot, event.detail)
    if not stored:
        logger.info("stale snapshot ignored")
    return {"orderId": snapshot.orderId, "version": snapshot.version, "stored": stored}
