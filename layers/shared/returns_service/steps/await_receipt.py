"""Park the receipt token and hand the receiver (a warehouse, or the POP seller) a signed URL."""

from __future__ import annotations

from returns_core.lifecycle import Return, Wait
from returns_core.lifecycle import decisions as decide
from returns_service import clock, signing
from returns_service.settings import settings
from returns_service.steps.parking import park


def await_receipt(return_id: str, token: str) -> None:
    """Park the receipt token with a signed callback URL. A POP seller's URL lives longer by the
    seller's time limit, which may start (with the customer's parcel registration) as late as the
    end of the usual one."""

    def waiting(ret: Return, at: str) -> decide.ReturnChange | None:
        longer = settings.seller_receipt_timeout_seconds if ret.receiver == "seller" else 0
        url, expires_at = signing.callback_url(return_id, clock.parse(at), longer_by=longer)
        return decide.await_receipt(ret, token, url, clock.timestamp(expires_at), at)

    park(return_id, Wait.RECEIPT, token, waiting)
