"""The pure core of the returns service: the refund engine and its rules, no I/O, no clock, no AWS.

``quote_request(request) -> quote`` is the engine as the contract (section 3) describes it, on
plain dicts; ``BadRequest`` is what it raises for a request it refuses.
"""

from returns_core.refunds.models import BadRequest
from returns_core.refunds.quote import quote_request

__all__ = ["BadRequest", "quote_request"]
