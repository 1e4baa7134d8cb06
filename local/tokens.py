"""The HTTP API's JWT authorizer for the local stack: HS256 tokens signed with the local
development key (standard library only), checked as API Gateway's JWT authorizer checks them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from typing import Any

DEV_KEY = os.environ.get("LOCAL_JWT_KEY", "returns-local-development-key (not a secret)")


class TokenError(ValueError):
    """A token the JWT authorizer would refuse; the message says why (in `WWW-Authenticate`)."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue_token(claims: Mapping[str, Any], key: str = DEV_KEY) -> str:
    """An HS256 JWT of `claims`, signed with `key`."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(dict(claims), separators=(",", ":")).encode())
    signature = hmac.new(key.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def verify_token(
    token: str,
    *,
    issuer: str | None,
    audience: list[str],
    key: str = DEV_KEY,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of a valid token, checked as the HTTP API JWT authorizer checks them: signature,
    `exp`, `nbf`, `iss`, and `aud` (or Cognito's `client_id`) among the configured audiences."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("not a JWT (three dot-separated parts expected)")
    try:
        header = json.loads(_b64url_decode(parts[0]))
        claims = json.loads(_b64url_decode(parts[1]))
        signature = _b64url_decode(parts[2])
    except ValueError as exc:
        raise TokenError(f"undecodable token: {exc}") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256":
        raise TokenError("only HS256 tokens signed with the local development key are accepted")
    expected = hmac.new(key.encode(), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        raise TokenError("bad signature")
    if not isinstance(claims, dict):
        raise TokenError("claims are not a JSON object")
    moment = time.time() if now is None else now
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= moment:
        raise TokenError("expired (or no exp)")
    if isinstance(claims.get("nbf"), int | float) and claims["nbf"] > moment:
        raise TokenError("not valid yet (nbf)")
    if issuer is not None and claims.get("iss") != issuer:
        raise TokenError(f"issuer {claims.get('iss')!r} is not {issuer!r}")
    audiences = claims.get("aud")
    offered = set(audiences if isinstance(audiences, list) else [audiences]) | {claims.get("client_id")}
    if audience and not offered & set(audience):
        raise TokenError(f"audience {audiences!r} is not one of {audience}")
    return claims


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of the Authorization header (API Gateway accepts it with or without `Bearer`)."""
    for name, value in headers.items():
        if name.lower() == "authorization" and value.strip():
            text = value.strip()
            return text[7:].strip() if text.lower().startswith("bearer ") else text
    return None
