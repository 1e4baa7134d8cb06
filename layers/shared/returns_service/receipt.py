"""The receiving side (a platform warehouse, or the seller): the signed callback URL and the
receipt it posts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from returns_core.lifecycle import Actor, Role
from returns_core.lifecycle import decisions as decide
from returns_core.lifecycle.model import ReceivedLine, Return
from returns_service import signing, transitions
from returns_service.models import ReturnView
from returns_service.review import quote_context
from returns_service.views import to_view


def verify_callback(return_id: str, expires: str, signature: str) -> None:
    """Forbidden unless the URL was signed by this service for this return and has not expired."""
    signing.verify(return_id, expires, signature, datetime.now(UTC))


def record_receipt(return_id: str, lines: Sequence[ReceivedLine], inspector: str, note: str) -> ReturnView:
    """Record what was received; the return goes on to the refund, a damage review, or back.

    Units received intact or damaged are accepted; wrong items and units not received are not
    refunded (their reservation is released when the return closes).
    """
    receiver = Actor(Role.RECEIVER, inspector or "warehouse")

    def receive(ret: Return) -> decide.ReturnChange:
        return decide.receive(
            ret,
            receiver,
            lines=lines,
            inspector=inspector,
            note=note,
            context=quote_context(ret),
            at=transitions.now(),
        )

    return to_view(transitions.apply(return_id, receive))
