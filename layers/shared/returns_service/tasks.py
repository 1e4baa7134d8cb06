"""Task tokens: kept on the return, never handed to a caller, used once.

A waiting step parks its token on the return (a save conditioned on the revision it read); a
decision that moves the return on takes the token in the same save, then answers the workflow
with where the return goes. Two decisions cannot both take it: the second one's save is stale.
A step that arrives after the return moved on answers its own token at once (``Reroute``).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from returns_core.lifecycle import Change, Return, Step, Wait, rules
from returns_core.lifecycle.model import WaitingTask
from returns_service import aws
from returns_service.store.dynamo import error_code

logger = Logger(child=True)

_GONE = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})
REROUTE = "Reroute"  # "Reroute.<state>": every wait of statemachine/returns.asl.json catches it


def next_step(ret: Return) -> Step:
    return rules.next_step(ret)


def route(ret: Return) -> dict[str, str]:
    """What a time-limit step tells the state machine: the return and the state it goes to."""
    return {"returnId": ret.returnId, "next": str(next_step(ret))}


def claimed(change: Change[Return]) -> WaitingTask | None:
    """The token a saved change took off the return (None when it took none)."""
    before = change.before.task if change.before is not None else None
    after = change.after.task
    if before is None or (after is not None and after.token == before.token):
        return None
    return before


def answer(token: str, wait: Wait, ret: Return) -> None:
    """Complete a waiting task with where the return goes: the wait's usual way on (success, no
    extra state), or ``Reroute`` to the state its status calls for. A token the workflow no
    longer waits on (its time limit passed) is ignored: the time-limit step follows the status."""
    step = next_step(ret)
    if step == wait.then:
        complete(token, {"returnId": ret.returnId}, str(wait))
    else:
        reroute(token, ret, str(wait))


def reroute(token: str, ret: Return, wait: str) -> None:
    """SendTaskFailure ``Reroute.<state>``: the waiting state catches it straight to the state the
    return's status calls for."""
    step = next_step(ret)
    try:
        aws.stepfunctions().send_task_failure(
            taskToken=token, error=f"{REROUTE}.{step}", cause=f"the return is {ret.status}"
        )
    except ClientError as error:
        if error_code(error) not in _GONE:
            raise
        logger.info("task token no longer waited for", extra={"code": error_code(error), "wait": wait})


def complete(token: str, output: dict[str, str], wait: str) -> None:
    """SendTaskSuccess with ``output`` (a return's or a cancellation's route); a token the
    workflow no longer waits on is ignored."""
    try:
        aws.stepfunctions().send_task_success(taskToken=token, output=json.dumps(output))
    except ClientError as error:
        if error_code(error) not in _GONE:
            raise
        logger.info("task token no longer waited for", extra={"code": error_code(error), "wait": wait})


def settle(change: Change[Return]) -> None:
    """After a save: answer the token the change took, if any."""
    task = claimed(change)
    if task is not None:
        answer(task.token, task.waitingFor, change.after)


def error_text(error: dict[str, Any] | None) -> str:
    """A state machine's caught error (``{"Error", "Cause"}``) as one line: ``Name: cause``
    (the errorMessage when the cause is a Lambda error payload)."""
    if not error:
        return "unknown error"
    name = str(error.get("Error", "Error"))
    cause = error.get("Cause")
    if isinstance(cause, str):
        try:
            parsed = json.loads(cause)
            cause = parsed.get("errorMessage", cause) if isinstance(parsed, dict) else cause
        except ValueError:
            pass
    return f"{name}: {cause}" if cause else name
