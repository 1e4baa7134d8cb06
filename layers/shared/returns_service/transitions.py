"""Every change to a return is load -> decide (returns_core.lifecycle) -> save (the repository).

``apply`` runs that loop: a save that finds the return changed since it was loaded (a racing
decision, a step parking its token) is stale, and the decision is taken again on what is stored,
so a conflicting decision ends as the lifecycle says (usually 409), never as a lost update.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from returns_core.lifecycle import FINAL, Change, Invalid, LifecycleError, NotAllowed, NotPermitted, Return
from returns_service import clock, tasks
from returns_service.errors import Conflict, Forbidden, NotFound, ServiceError, Unprocessable
from returns_service.store import returns as repository

ATTEMPTS = 5
Decide = Callable[[Return], Change[Return] | None]


def now() -> str:
    """What every decision is given as ``at``: the moment it is taken."""
    return clock.timestamp()


def refusal(error: LifecycleError) -> ServiceError:
    """The API's answer to a decision the lifecycle refused."""
    if isinstance(error, NotAllowed):
        return Conflict(error.message, error.details)
    if isinstance(error, NotPermitted):
        return Forbidden(error.message, error.details)
    if isinstance(error, Invalid):
        return Unprocessable(error.message, error.details)
    return Unprocessable(error.message, error.details)


def load(return_id: str, customer_id: str | None = None) -> Return:
    """The stored return; NotFound when missing or another customer's (ids cannot be probed)."""
    ret = repository.load(return_id)
    if ret is None or (customer_id is not None and ret.customerId != customer_id):
        raise NotFound(f"return {return_id} does not exist")
    return ret


def apply(
    return_id: str, decide: Decide, *, customer_id: str | None = None, timed_out: bool = False
) -> Return:
    """Load, decide, save (again on a stale save); answer the token the change took.

    ``decide`` returns None when there is nothing to change. Lifecycle refusals become the API's
    errors (NotAllowed -> 409, Invalid -> 422). ``timed_out``: a time limit's step, whose change
    takes the token of the wait that timed out; nobody waits on it, so it is not answered (the
    step tells the state machine where to go in its output, and needs no Step Functions call).
    """
    for _ in range(ATTEMPTS):
        ret = load(return_id, customer_id)
        try:
            change = decide(ret)
        except LifecycleError as error:
            raise refusal(error) from None
        if change is None:
            return ret
        try:
            repository.save(change)
        except repository.Stale:
            continue
        stored(change, answer=not timed_out)
        return change.after
    raise Conflict("the return changed while deciding; try again")


def stored(change: Change[Return], *, answer: bool = True) -> None:
    """What follows a saved change: its token answered, a close counted. (Its events were saved
    with it; the table's stream publishes them: store/outbox.py.)"""
    if answer:
        tasks.settle(change)
    before = change.before.status if change.before is not None else None
    if change.after.status in FINAL and before != change.after.status:
        with single_metric(name="ReturnsClosed", unit=MetricUnit.Count, value=1) as metric:
            metric.add_dimension(name="status", value=str(change.after.status))
