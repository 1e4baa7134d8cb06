"""The state machine follows the transition table: each wait goes on the usual way to where the
table's usual way out of its status leads, catches ``Reroute.<state>`` straight to every other
state a status can call for, and the happy path is three states (statemachine/returns.asl.json)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from returns_core.lifecycle import Step, Wait
from returns_service.tasks import REROUTE

ROOT = Path(__file__).resolve().parents[2]
ASL = ROOT / "statemachine" / "returns.asl.json"
# The waits of the table and the states that wait there.
WAIT_STATES = {
    Wait.REVIEW: ["AwaitReview", "AwaitReviewByCs"],
    Wait.RECEIPT: ["AwaitReceipt"],
    Wait.SELLER_RECEIPT: ["AwaitSellerReceipt"],
    Wait.DAMAGE_REVIEW: ["AwaitDamageReview"],
    Wait.FEE_ANSWER: ["AwaitFeeAnswer"],
    Wait.DEDUCTION_ANSWER: ["AwaitDeductionAnswer"],
    Wait.REFUND_RETRY: ["AwaitRefundRetry"],
}
# Steps of the core the state machine has no state for yet (they end an execution as failed).
NOT_YET: dict[Step, str] = {}
TIME_LIMITS = {
    "AwaitReview",
    "AwaitReceipt",
    "AwaitSellerReceipt",
    "AwaitDamageReview",
    "AwaitFeeAnswer",
    "AwaitDeductionAnswer",
}


def definition() -> tuple[str, dict[str, Any]]:
    text = ASL.read_text(encoding="utf-8")
    return text, json.loads(re.sub(r"\$\{[A-Za-z]+\}", "1", text))


def test_every_step_of_the_core_is_a_state() -> None:
    _, asl = definition()
    states = asl["States"]
    missing = {step for step in Step if str(step) not in states} - set(NOT_YET)
    assert missing == set()
    assert states["Closed"]["Type"] == "Succeed"
    routed = {choice["Next"] for choice in states["Route"]["Choices"]}
    assert routed == {str(step) for step in Step} - {str(step) for step in NOT_YET}


def test_waits_go_on_as_the_table_does_and_catch_every_reroute() -> None:
    _, asl = definition()
    states = asl["States"]
    for wait, names in WAIT_STATES.items():
        for name in names:
            state = states[name]
            assert state["Resource"].endswith(".waitForTaskToken"), name
            assert state["Next"] == str(wait.then), name
            caught = {c["ErrorEquals"][0]: c["Next"] for c in state["Catch"]}
            for step in set(Step) - set(NOT_YET):
                assert caught.get(f"{REROUTE}.{step}") == str(step), (name, step)
            if name in TIME_LIMITS:
                limit = caught["States.Timeout"]
                assert states[limit]["Next"] == "Route", name  # a time limit's step says where


def test_time_limits_and_retries_are_substitutions() -> None:
    """moto sleeps for real: every time limit and retry interval is a template parameter."""
    text, asl = definition()
    for name in TIME_LIMITS:
        assert "TimeoutSeconds" in asl["States"][name], name
    assert "TimeoutSeconds" not in asl["States"]["AwaitReviewByCs"]  # CS must look: no limit
    for match in re.finditer(r'"(IntervalSeconds|TimeoutSeconds|HeartbeatSeconds)": ([^,\n]+)', text):
        assert match.group(2).startswith("${"), match.group(0)


def test_the_happy_path_is_three_states() -> None:
    _, asl = definition()
    states = asl["States"]
    path, name = [], asl["StartAt"]
    while True:
        path.append(name)
        state = states[name]
        if state.get("End"):
            break
        name = state["Next"]
    assert path == ["AwaitReview", "AwaitReceipt", "IssueRefund"]


def test_a_pop_return_is_four_states() -> None:
    """POP: the parcel's registration reroutes the receipt wait to the seller's, which then goes on
    to the refund the usual way; its time limit takes the goods as received (contract section 8)."""
    _, asl = definition()
    states = asl["States"]
    receipt = {c["ErrorEquals"][0]: c["Next"] for c in states["AwaitReceipt"]["Catch"]}
    assert receipt[f"{REROUTE}.{Step.AWAIT_SELLER_RECEIPT}"] == "AwaitSellerReceipt"
    seller = states["AwaitSellerReceipt"]
    assert seller["Next"] == "IssueRefund" and states["IssueRefund"].get("End") is True
    limit = {c["ErrorEquals"][0]: c["Next"] for c in seller["Catch"]}["States.Timeout"]
    assert limit == "TakeAsReceived" and states[limit]["Next"] == "Route"
