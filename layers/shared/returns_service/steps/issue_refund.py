"""REFUNDING -> REFUNDED and closed: the state machine's last step."""

from __future__ import annotations

from returns_service import refund, tasks


def issue_refund(return_id: str) -> dict[str, str]:
    """Pay the refund; a failure is the state machine's to retry or to catch (AwaitRefundRetry)."""
    return tasks.route(refund.issue_refund(return_id))
