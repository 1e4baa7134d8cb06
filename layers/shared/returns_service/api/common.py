"""What every HTTP API function's models share: the free-text rule, the strict body, a line of a
request, and the contract's error body. Apart from ``api.models`` (the returns' routes) so that the
cancellation functions do not import the returns' API models (docs/ARCHITECTURE.md, Cold starts).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from returns_core.refunds.models import ReturnLine

# A decimal string without sign; whether its digits fit the order's currency is the operation's
# business (it knows the currency) and answers 422.
AMOUNT_PATTERN = r"^[0-9]{1,15}(\.[0-9]{1,4})?$"
NOTE_MAX = 2000
# The error type a control character gets; the API answers it with 422 (well-formed JSON, text
# the service will not store or pass on in its events).
CONTROL_CHARACTER = "control_character"
_ALLOWED_CONTROLS = frozenset("\n\t")


def _no_control_characters(text: str) -> str:
    for position, char in enumerate(text):
        if char not in _ALLOWED_CONTROLS and unicodedata.category(char) == "Cc":
            raise PydanticCustomError(
                CONTROL_CHARACTER,
                "control character U+{code} at position {position}: only newline and tab are allowed",
                {"code": f"{ord(char):04X}", "position": position},
            )
    return text


# Every free-text field a person types (reasons, notes, inspector, carrier): no control
# characters (Unicode category Cc: NUL, ESC, DEL, ...) except newline and tab.
FreeText = Annotated[str, AfterValidator(_no_control_characters)]


class StrictBody(BaseModel):
    # Strict: JSON types are not coerced ("1", 1.0 or true are not a quantity), unknown fields are
    # refused; both answer 400 naming the field.
    model_config = ConfigDict(defer_build=True, extra="forbid", strict=True)


# The shared request models validate leniently (they also read what the tables hold); the API takes
# the same shapes strictly. Subclasses, so the operations receive exactly the types they expect.


class ReturnLineRequest(ReturnLine):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True, strict=True)


class ErrorInfo(BaseModel):
    """``code`` is stable for programs, ``message`` is for people; ``details`` say which fields
    (``{"location", "field", "issue"}`` for a malformed request)."""

    model_config = ConfigDict(defer_build=True)

    code: str
    message: str
    details: list[dict[str, Any]] = Field(default_factory=list)


class ErrorBody(BaseModel):
    """The contract's error body: ``{"error": {"code", "message", "details"}}``."""

    model_config = ConfigDict(defer_build=True)

    error: ErrorInfo


class GatewayUnauthorized(BaseModel):
    """API Gateway's own 401 when its JWT authorizer refuses the token (missing, expired, another
    issuer or audience, a bad signature): the function never runs. The `WWW-Authenticate`
    header says why: `Bearer error="invalid_token", error_description="..."`."""

    model_config = ConfigDict(defer_build=True, json_schema_extra={"examples": [{"message": "Unauthorized"}]})

    message: Literal["Unauthorized"]
