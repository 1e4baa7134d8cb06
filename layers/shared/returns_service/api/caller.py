"""Who is calling: the claims the HTTP API's JWT authorizer has already verified.

The handlers never see a token, only ``requestContext.authorizer.jwt.claims``. API Gateway hands
over array claims flattened to a string (``"[cs admin]"``: brackets, names separated by one space);
other integrations pass a list. Only those two shapes are read, exactly: a group name may hold
punctuation (``support,cs``, ``"cs"``, ``cs,``) and must never be split or unquoted into ``cs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from returns_service.errors import Forbidden, Unauthorized

CS_GROUP = "cs"
GROUPS_CLAIM = "cognito:groups"


@dataclass(frozen=True)
class Caller:
    """A verified caller: ``subject`` is the JWT ``sub`` (a customer's ``customerId``)."""

    subject: str
    groups: frozenset[str]
    username: str

    @property
    def is_cs(self) -> bool:
        return CS_GROUP in self.groups

    @property
    def actor(self) -> str:
        """How a CS decision is signed in the return's history."""
        return f"cs:{self.username or self.subject}"


def parse_groups(raw: Any) -> frozenset[str]:
    """``cognito:groups`` as a set of whole names, from API Gateway's ``"[a b]"`` or a list.

    Anything else (a bare string, JSON text, empty or doubled separators) is no group at all:
    Cognito group names hold no spaces, so a claim that does not split cleanly was not made by
    Cognito, and refusing it can only take rights away, never give them.
    """
    if isinstance(raw, (list, tuple)):
        return frozenset(group for group in raw if isinstance(group, str) and group)
    if not isinstance(raw, str) or not (raw.startswith("[") and raw.endswith("]")):
        return frozenset()
    inner = raw[1:-1]
    if not inner:
        return frozenset()
    names = inner.split(" ")
    if any(not name for name in names):
        return frozenset()
    return frozenset(names)


def caller_of(event: APIGatewayProxyEventV2) -> Caller:
    """The caller of a JWT-authorized route; 401 if the event carries no subject."""
    claims: dict[str, Any] = event.request_context.authorizer.jwt_claim
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        raise Unauthorized("A valid bearer token is required.")
    username = str(claims.get("cognito:username") or claims.get("username") or "").strip()
    return Caller(subject=subject, groups=parse_groups(claims.get(GROUPS_CLAIM)), username=username)


def customer_of(event: APIGatewayProxyEventV2) -> str:
    """The customer id of a storefront caller: the JWT ``sub``."""
    return caller_of(event).subject


def cs_agent_of(event: APIGatewayProxyEventV2) -> Caller:
    """A CS caller, or 403: the token is fine but it does not carry the ``cs`` group."""
    caller = caller_of(event)
    if not caller.is_cs:
        raise Forbidden("This route is for customer service agents (group 'cs').")
    return caller
