"""Errors a business operation raises; the API turns each into the contract's error body."""

from __future__ import annotations

from typing import Any, ClassVar


class ServiceError(Exception):
    """A refusal a caller can act on. ``message`` is safe to show: no internals."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class BadRequest(ServiceError):
    status = 400
    code = "bad_request"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The return's state does not allow this now (decided already, not waiting, received)."""

    status = 409
    code = "conflict"


class Unprocessable(ServiceError):
    """Well-formed but not allowed: a quantity over what is returnable, an order not delivered."""

    status = 422
    code = "unprocessable"
