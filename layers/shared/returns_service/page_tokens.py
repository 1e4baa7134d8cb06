"""``nextToken`` of the paginated routes: opaque to callers and tamper-proof.

A token is the DynamoDB key to continue from, HMAC-SHA256-signed (the service's signing key, see
``signing.sign``) together with the query it belongs to: a token edited by hand, forged, or
carried over to another status, customer or order is refused with 400 before it reaches DynamoDB.
The key inside is not secret (the caller sees those returns anyway), only unforgeable.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Collection, Mapping
from typing import Any

from returns_service import signing
from returns_service.errors import BadRequest

_PURPOSE = "page-token"
_NOT_OURS = "nextToken is not one this service gave for this query"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode("ascii"))


def _mac(payload: bytes, query: Mapping[str, str | None]) -> bytes:
    bound = json.dumps(dict(query), separators=(",", ":"), sort_keys=True).encode()
    return signing.sign(_PURPOSE, bound + b"\n" + payload)


def encode(key: Mapping[str, Any] | None, query: Mapping[str, str | None]) -> str | None:
    """The token that continues ``query`` after ``key`` (None when there is nothing after)."""
    if not key:
        return None
    payload = json.dumps(dict(key), separators=(",", ":"), sort_keys=True).encode()
    return f"{_b64(payload)}.{_b64(_mac(payload, query))}"


def decode(token: str, query: Mapping[str, str | None], expected_keys: Collection[str]) -> dict[str, str]:
    """The key a token of ``query`` continues from; 400 for anything this service did not sign."""
    payload_text, dot, mac_text = token.partition(".")
    try:
        payload, mac = _unb64(payload_text), _unb64(mac_text)
    except (binascii.Error, ValueError):
        raise BadRequest(_NOT_OURS) from None
    if not dot or not hmac.compare_digest(mac, _mac(payload, query)):
        raise BadRequest(_NOT_OURS)
    key = json.loads(payload)
    if (
        not isinstance(key, dict)
        or set(key) != set(expected_keys)
        or not all(isinstance(v, str) for v in key.values())
    ):
        raise BadRequest(_NOT_OURS)
    return key
