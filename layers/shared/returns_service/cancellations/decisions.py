"""Load → decide (the rules) → save, for every step and answer of a cancellation.

A save is conditioned on the revision the decision was taken on; when another decision won the
race the cancellation is loaded again and the rules decide on what is stored now (and refuse,
when it moved on: a second answer, a time limit after the answer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from returns_core.lifecycle import cancellation as rules
from returns_core.lifecycle.cancellation import (
    Cancellation,
    CancellationChange,
    Invalid,
    LifecycleError,
    NotPermitted,
)
from returns_service.errors import Conflict, Forbidden, NotFound, ServiceError, Unprocessable
from returns_service.store import cancellations as store

ATTEMPTS = 5

Decide = Callable[[Cancellation], CancellationChange | None]


def load(cancellation_id: str) -> Cancellation:
    found = store.load(cancellation_id)
    if found is None:
        raise NotFound(f"cancellation {cancellation_id} does not exist")
    return found


def route(c: Cancellation) -> dict[str, str]:
    """What every step gives the state machine: the state the stored status sends it to."""
    return {"cancellationId": c.cancellationId, "next": rules.step_for(c.status).value}


def refusal(error: LifecycleError) -> ServiceError:
    """The rules' refusal as the API's: 409 for the state, 422 for the request, 403 for the caller."""
    if isinstance(error, Invalid):
        return Unprocessable(error.message, error.details)
    if isinstance(error, NotPermitted):
        return Forbidden(error.message, error.details)
    return Conflict(error.message, error.details)


def apply(
    cancellation_id: str, decide: Decide, *, also: Sequence[dict[str, Any]] = ()
) -> tuple[Cancellation, Cancellation]:
    """Decide on the stored cancellation and save the change (with ``also`` in the same
    transaction): (before, after). ``decide`` giving None leaves it as it is (after is before);
    the rules' refusals propagate."""
    for _ in range(ATTEMPTS):
        current = load(cancellation_id)
        change = decide(current)
        if change is None:
            return current, current
        try:
            store.save(change, also=also)
        except store.StateChanged as changed:
            if changed.cancellation_moved_on:
                continue  # another decision won: decide again on what it left
            raise
        return current, change.after
    raise Conflict(f"cancellation {cancellation_id} kept changing while deciding; try again")
