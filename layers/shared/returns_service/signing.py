"""HMAC-SHA256 signed callback URLs: the URL is the caller's only credential (the warehouse's
receipt, fulfilment's and delivery's answers to a cancellation).

The signature covers the method, the path (so the case and which answer) and the expiry; the
secret lives in Secrets Manager, read through Powertools parameters and cached for a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from returns_service import aws
from returns_service.errors import Forbidden
from returns_service.settings import settings

_SECRET_MAX_AGE = 300
# What this service hands out: an expiry in epoch seconds and a hex HMAC-SHA256. Anything else
# (non-ASCII, another length, not hex) is refused before it reaches the comparison.
_EXPIRES = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


def _secret() -> bytes:
    value = aws.secrets().get(settings.callback_secret_id, max_age=_SECRET_MAX_AGE)
    if isinstance(value, bytes):
        return value
    return str(value).encode()


def sign(purpose: str, message: bytes) -> bytes:
    """HMAC-SHA256 of ``message`` for one ``purpose`` (e.g. page tokens) with the signing key; the
    purpose comes first, so no other use can produce a callback URL's signature or another's."""
    return hmac.new(_secret(), purpose.encode() + b"\0" + message, hashlib.sha256).digest()


def receipt_path(return_id: str) -> str:
    return f"/warehouse/returns/{quote(return_id, safe='')}/receipt"


def path_signature(path: str, expires: int) -> str:
    """The HMAC of a callback: the method, the path (so which case and which answer) and the expiry."""
    message = f"POST\n{path}\n{expires}".encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()


def signed_url(path: str, now: datetime, *, longer_by: int = 0) -> tuple[str, datetime]:
    """The signed callback URL of ``path`` and the moment it stops being accepted (``longer_by``
    seconds after the usual lifetime)."""
    ttl = settings.callback_url_ttl_seconds + longer_by
    expires_at = datetime.fromtimestamp(int(now.timestamp()) + ttl, UTC)
    expires = int(expires_at.timestamp())
    query = urlencode({"expires": str(expires), "signature": path_signature(path, expires)})
    return f"{settings.callback_base_url}{path}?{query}", expires_at


def verify_path(path: str, expires: str, given: str, now: datetime) -> None:
    """Raise Forbidden unless ``given`` signs ``path`` and ``expires`` is still ahead."""
    if not _EXPIRES.fullmatch(expires) or not _SIGNATURE.fullmatch(given):
        raise Forbidden("the callback URL is not valid")
    expected = path_signature(path, int(expires))
    if not hmac.compare_digest(expected.encode(), given.lower().encode()):
        raise Forbidden("the callback URL is not valid")
    if int(expires) <= now.timestamp():
        raise Forbidden("the callback URL has expired")


def signature(return_id: str, expires: int) -> str:
    return path_signature(receipt_path(return_id), expires)


def callback_url(return_id: str, now: datetime, *, longer_by: int = 0) -> tuple[str, datetime]:
    """The signed receipt URL for a return and the moment it stops being accepted (``longer_by``:
    a POP seller's time limit may start late in the usual lifetime)."""
    return signed_url(receipt_path(return_id), now, longer_by=longer_by)


def verify(return_id: str, expires: str, given: str, now: datetime) -> None:
    """Raise Forbidden unless ``given`` signs this return's receipt and ``expires`` is still ahead."""
    verify_path(receipt_path(return_id), expires, given, now)
