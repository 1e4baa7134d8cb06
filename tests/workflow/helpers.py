"""Steps the workflow tests share: a CS approval, a signed warehouse receipt."""

from __future__ import annotations

from returns_service import receipt, review
from returns_service.models import ReceivedLine
from tests.workflow.conftest import Flow


def approve(return_id: str, fee: str | None = None) -> None:
    review.submit_review(
        return_id,
        "approve",
        return_shipping_paid_by="customer" if fee else "merchant",
        return_shipping_fee=fee,
        note="looks fine",
        actor="agent-7",
    )


def receive(flow: Flow, return_id: str, *lines: tuple[str, int, str]) -> None:
    expires, signature = flow.callback(return_id)
    receipt.verify_callback(return_id, expires, signature)
    received = [ReceivedLine(lineId=k, quantity=q, condition=c) for k, q, c in lines]
    receipt.record_receipt(return_id, received, "inspector-3", "")
