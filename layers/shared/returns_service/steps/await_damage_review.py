"""Damaged goods came back for a customer-choice reason: the damage review awaited."""

from __future__ import annotations

from returns_core.lifecycle import Wait
from returns_service.steps.parking import park


def await_damage_review(return_id: str, token: str) -> None:
    """Park the damage-review token; CS accepts, deducts or rejects."""
    park(return_id, Wait.DAMAGE_REVIEW, token)
