"""Task tokens: kept on the return, never handed to a caller, used once.

A waiting step parks its token on the return (a save conditioned on the revision it read); a
decision that moves the return on takes the token in the same save, then answers the workflow
with where the return goes. Two decisions cannot both take it: the second one's save is stale.
A step that arrives after the return moved on answers its own token at once.
"""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from returns_core.lifecycle import Change, Return, ReturnStatus, Step, Wait, rules
from returns_core.lifecycle.model import WaitingTask
from returns_service import aws
from returns_service.store.dynamo import error_code

logger = Logger(child=True)

_GONE = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})

# The state machine's Route choice names (statemachine/returns.asl.json).
_ROUTE = {
    Step.AWAIT_REVIEW: "review",
    Step.AWAIT_REVIEW_BY_CS: "review_by_cs",
    Step.AWAIT_RECEIPT: "receipt",
    Step.AWAIT_SELLER_RECEIPT: "seller_receipt",
    Step.AWAIT_DAMAGE_REVIEW: "damage_review",
    Step.AWAIT_FEE_ANSWER: "fee_answer",
    Step.AWAIT_DEDUCTION_ANSWER: "deduction_answer",
    Step.ISSUE_REFUND: "refund",
    Step.AWAIT_REFUND_RETRY: "refund_failed",
    Step.CLOSED: "close",
}


def next_step(ret: Return) -> Step:
    return rules.next_step(ret)


def route(ret: Return) -> dict[str, str]:
    """The output a step gives the state machine: the return and where it goes next."""
    step = next_step(ret)
    if step == Step.AWAIT_REVIEW and ret.status == ReturnStatus.REQUESTED:
        name = "eligibility"
    else:  # a step the state machine has no state for yet ends it as Unroutable, saying which
        name = _ROUTE.get(step, str(step))
    return {"returnId": ret.returnId, "next": name}


def claimed(change: Change[Return]) -> WaitingTask | None:
    """The token a saved change took off the return (None when it took none)."""
    before = change.before.task if change.before is not None else None
    after = change.after.task
    if before is None or (after is not None and after.token == before.token):
        return None
    return before


def answer(token: str, wait: Wait, ret: Return) -> None:
    """Complete a waiting task with where the return goes; a token the workflow no longer waits
    on (its time limit passed) is ignored: the time-limit step follows the stored status."""
    complete(token, route(ret), str(wait))


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
