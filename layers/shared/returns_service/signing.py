"""HMAC-SHA256 signed warehouse callback URLs: the URL is the warehouse's only credential.

The signature covers the method, the path (so the return id) and the expiry; the secret lives in
Secrets Manager, read through Powertools parameters and cached for a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from aws_lambda_powertools.utilities import parameters

from returns_service.errors import Forbidden
from returns_service.settings import settings

_SECRET_MAX_AGE = 300
# What this service hands out: an expiry in epoch seconds and a hex HMAC-SHA256. Anything else
# (non-ASCII, another length, not hex) is refused before it reaches the comparison.
_EXPIRES = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


def _secret() -> bytes:
    value = parameters.get_secret(settings.callback_secret_id, max_age=_SECRET_MAX_AGE)
    if isinstance(value, bytes):
        return value
    return str(value).encode()


def sign(purpose: str, message: bytes) -> bytes:
    """HMAC-SHA256 of ``message`` for one ``purpose`` (e.g. page tokens) with the signing key; the
    purpose comes first, so no other use can produce a callback URL's signature or another's."""
    return hmac.new(_secret(), purpose.encode() + b"\0" + message, hashlib.sha256).digest()


def receipt_path(return_id: str) -> str:
    return f"/warehouse/returns/{quote(return_id, safe='')}/receipt"


def signature(return_id: str, expires: int) -> str:
    message = f"POST\n{receipt_path(return_id)}\n{expires}".encode()
    return hmac.new(_secret(), message, hashlib.sha256).hexdigest()


def callback_url(return_id: str, now: datetime) -> tuple[str, datetime]:
    """The signed receipt URL for a return and the moment it stops being accepted."""
    expires_at = datetime.fromtimestamp(int(now.timestamp()) + settings.callback_url_ttl_seconds, UTC)
    expires = int(expires_at.timestamp())
    query = urlencode({"expires": str(expires), "signature": signature(return_id, expires)})
    return f"{settings.callback_base_url}{receipt_path(return_id)}?{query}", expires_at


def verify(return_id: str, expires: str, given: str, now: datetime) -> None:
    """Raise Forbidden unless ``given`` signs this return and ``expires`` is still ahead."""
    if not _EXPIRES.fullmatch(expires) or not _SIGNATURE.fullmatch(given):
        raise Forbidden("the callback URL is not valid")
    expected = signature(return_id, int(expires))
    if not hmac.compare_digest(expected.encode(), given.lower().encode()):
        raise Forbidden("the callback URL is not valid")
    if int(expires) <= now.timestamp():
        raise Forbidden("the callback URL has expired")
