"""POP, the parcel registered: the seller's receipt awaited under the seller's time limit."""

from __future__ import annotations

from returns_core.lifecycle import Wait
from returns_core.lifecycle import decisions as decide
from returns_service.steps.parking import park


def await_seller_receipt(return_id: str, token: str) -> None:
    """Park the token under the seller's time limit (contract section 8); the seller's receipt
    (the same signed URL) completes it."""
    park(return_id, Wait.SELLER_RECEIPT, token, lambda ret, at: decide.await_seller_receipt(ret, token, at))
