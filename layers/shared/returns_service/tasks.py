"""Task tokens: kept on the return item, never handed to a caller, used once.

A waiting step parks its token on the return while the return is in the status it waits in; a
decision claims it with a conditional update (status and token unchanged → token removed, new
status set) before completing the task, so a second decision finds nothing to claim. When a step
arrives after the status moved on (a cancel between two steps), it completes its own token at once
with where the return has to go, so the workflow always follows the status.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from returns_service import aws
from returns_service.errors import Conflict, NotFound
from returns_service.store import returns as store
from returns_service.store.dynamo import error_code, timestamp

logger = Logger(child=True)

FINAL = frozenset({"REFUNDED", "REJECTED", "CANCELLED", "EXPIRED", "RETURNED_TO_CUSTOMER"})
_GONE = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})
CANCELLED_ERROR = "ReturnCancelled"


def next_step(item: dict[str, Any]) -> str:
    """Where the workflow goes for the return's status (the state machine's ``Route`` choice)."""
    status = item["status"]
    if status in FINAL:
        return "close"
    return {
        "REQUESTED": "eligibility",
        "PENDING_REVIEW": "review_by_cs" if item.get("autoApprovalRefused") else "review",
        "AWAITING_RECEIPT": "receipt",
        "PENDING_DAMAGE_REVIEW": "damage_review",
        "REFUNDING": "refund",
        "REFUND_FAILED": "refund_failed",
    }[status]


def route(item: dict[str, Any]) -> dict[str, str]:
    """The output every step gives the state machine."""
    return {"returnId": item["returnId"], "next": next_step(item)}


def park(
    return_id: str,
    token: str,
    waiting_for: str,
    expect: Collection[str],
    *,
    to: str | None = None,
    actor: str = "system",
    note: str = "",
    sets: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Keep ``token`` on the return while it is in one of ``expect`` (moving it ``to``, if given).

    Returns the updated item, or None when the return had moved on: the token is then completed
    at once with the route for its present status.
    """
    try:
        return store.update(
            return_id,
            expect=expect,
            to=to,
            actor=actor,
            note=note,
            sets={"task": {"token": token, "waitingFor": waiting_for, "since": timestamp()}, **(sets or {})},
            record=to is not None,
        )
    except store.StateChanged as changed:
        if changed.item is None:
            raise NotFound(f"return {return_id} does not exist") from None
        logger.info(
            "return moved on before the wait", extra={"returnId": return_id, "waitingFor": waiting_for}
        )
        complete(token, route(changed.item))
        return None


def claim(
    return_id: str,
    *,
    expect: Collection[str],
    to: str,
    actor: str,
    note: str,
    sets: dict[str, Any] | None = None,
    customer_id: str | None = None,
    conflict: str,
) -> tuple[dict[str, Any], str | None]:
    """Move a waiting return ``to`` a new status, taking its token (if parked) in the same write.

    Raises NotFound (missing, or another customer's) and Conflict (not in ``expect``). Returns the
    new item and the token to complete (None when no step waits yet: it will see the new status).
    """
    for _ in range(5):
        item = store.get(return_id)
        if item is None or (customer_id is not None and item["customerId"] != customer_id):
            raise NotFound(f"return {return_id} does not exist")
        if item["status"] not in expect:
            raise Conflict(f"{conflict} (the return is {item['status']})")
        token = (item.get("task") or {}).get("token")
        try:
            new = store.update(
                return_id,
                expect={item["status"]},
                to=to,
                actor=actor,
                note=note,
                sets=sets,
                removes=("task",),
                condition="#task.#token = :token" if token else "attribute_not_exists(#task)",
                names={"#task": "task", "#token": "token"} if token else {"#task": "task"},
                values={":token": token} if token else None,
            )
        except store.StateChanged:
            continue  # a step parked its token, or another decision won: look again
        return new, token
    raise Conflict("the return changed while deciding; try again")


def complete(token: str | None, output: dict[str, Any]) -> None:
    """SendTaskSuccess; a token the workflow gave up on (timed out) is ignored: it re-routes."""
    if token is None:
        return
    try:
        aws.stepfunctions().send_task_success(taskToken=token, output=json.dumps(output))
    except ClientError as error:
        if error_code(error) not in _GONE:
            raise
        logger.info("task token no longer waited for", extra={"code": error_code(error)})


def fail(token: str | None, error: str, cause: str) -> None:
    """SendTaskFailure with an error the state machine catches (ignored when no longer waited for)."""
    if token is None:
        return
    try:
        aws.stepfunctions().send_task_failure(taskToken=token, error=error, cause=cause)
    except ClientError as client_error:
        if error_code(client_error) not in _GONE:
            raise
        logger.info("task token no longer waited for", extra={"code": error_code(client_error)})
