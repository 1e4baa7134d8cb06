"""The transition table: its shape, who may take what, and that the README draws exactly it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from returns_core.lifecycle import FINAL, RETURNS, NotAllowed, NotPermitted, ReturnAction, ReturnStatus, Role
from returns_core.lifecycle.machine import Transition, TransitionTable, transitions
from returns_core.lifecycle.statuses import ProposalKind, Step, Wait, step_for

S = ReturnStatus
A = ReturnAction
README = Path(__file__).resolve().parents[2] / "README.md"


def reachable() -> set[ReturnStatus]:
    seen = {RETURNS.initial}
    frontier = [RETURNS.initial]
    while frontier:
        here = frontier.pop()
        for transition in RETURNS:
            if transition.source == here and transition.target not in seen:
                seen.add(transition.target)
                frontier.append(transition.target)
    return seen


def test_every_status_is_reachable_and_every_way_ends() -> None:
    assert reachable() == set(S)
    for status in set(S) - FINAL:
        moves = {t.target for t in RETURNS if t.source == status} - {status}
        assert moves, f"{status} has no way on"
    assert {S.REFUNDED, S.REJECTED, S.CANCELLED, S.EXPIRED, S.RETURNED_TO_CUSTOMER} == FINAL


def test_who_may_take_an_action() -> None:
    assert RETURNS.target(S.PENDING_REVIEW, ReturnAction.APPROVE, Role.CS) == S.AWAITING_RECEIPT
    assert RETURNS.target(S.PENDING_REVIEW, ReturnAction.APPROVE, Role.SYSTEM) == S.AWAITING_RECEIPT
    with pytest.raises(NotPermitted):
        RETURNS.target(S.PENDING_REVIEW, ReturnAction.APPROVE, Role.CUSTOMER)
    with pytest.raises(NotPermitted):
        RETURNS.target(S.AWAITING_RECEIPT, ReturnAction.CANCEL, Role.CS)
    with pytest.raises(NotAllowed, match="the return is REFUNDING"):
        RETURNS.target(S.REFUNDING, ReturnAction.CANCEL, Role.CUSTOMER)
    assert RETURNS.sources(ReturnAction.CANCEL) == {
        S.REQUESTED,
        S.PENDING_REVIEW,
        S.AWAITING_CUSTOMER,  # on a fee only (rules.goods_in)
        S.AWAITING_RECEIPT,
    }
    # Damaged goods: only CS deducts; the time limit (the system) can only accept.
    assert RETURNS.target(S.PENDING_DAMAGE_REVIEW, ReturnAction.ACCEPT_DAMAGED, Role.SYSTEM) == S.REFUNDING
    with pytest.raises(NotPermitted):
        RETURNS.target(S.PENDING_DAMAGE_REVIEW, ReturnAction.DEDUCT, Role.SYSTEM)


def test_what_the_customer_must_agree_to() -> None:
    """Contract section 5a: CS proposes, only the customer answers, the system only on time out."""

    assert RETURNS.target(S.PENDING_REVIEW, A.PROPOSE_FEE, Role.CS) == S.AWAITING_CUSTOMER
    assert RETURNS.target(S.PENDING_DAMAGE_REVIEW, A.DEDUCT, Role.CS) == S.AWAITING_CUSTOMER
    for action in (A.PROPOSE_FEE, A.DEDUCT):
        with pytest.raises(NotPermitted):  # auto-approval never proposes a fee
            RETURNS.target(next(iter(RETURNS.sources(action))), action, Role.SYSTEM)
    answers = {
        A.ACCEPT_FEE: S.AWAITING_RECEIPT,
        A.DECLINE_FEE: S.PENDING_REVIEW,
        A.ACCEPT_DEDUCTION: S.REFUNDING,
        A.DECLINE_DEDUCTION: S.RETURNED_TO_CUSTOMER,
    }
    for action, target in answers.items():
        assert RETURNS.target(S.AWAITING_CUSTOMER, action, Role.CUSTOMER) == target
        with pytest.raises(NotPermitted):
            RETURNS.target(S.AWAITING_CUSTOMER, action, Role.CS)  # CS cannot answer for them
    assert RETURNS.target(S.AWAITING_CUSTOMER, A.FEE_UNANSWERED, Role.SYSTEM) == S.CANCELLED
    assert RETURNS.target(S.AWAITING_CUSTOMER, A.ACCEPT_DEDUCTION, Role.SYSTEM) == S.REFUNDING
    with pytest.raises(NotPermitted):
        RETURNS.target(S.AWAITING_CUSTOMER, A.DECLINE_FEE, Role.SYSTEM)
    for action in (A.APPROVE, A.REJECT, A.ACCEPT_DAMAGED, A.REJECT_DAMAGED):
        with pytest.raises(NotAllowed):  # a CS decision while the customer decides: 409
            RETURNS.target(S.AWAITING_CUSTOMER, action, Role.CS)


def test_a_table_refuses_contradictions() -> None:
    from enum import StrEnum

    class Door(StrEnum):
        OPEN = "OPEN"
        SHUT = "SHUT"

    class Push(StrEnum):
        PUSH = "push"

    with pytest.raises(ValueError, match="declared twice"):
        TransitionTable(
            "door",
            initial=Door.OPEN,
            final=(),
            transitions=[*transitions(Door.OPEN, Push.PUSH, Door.SHUT, Role.CUSTOMER)] * 2,
        )
    with pytest.raises(ValueError, match="has a way out"):
        TransitionTable(
            "door",
            initial=Door.OPEN,
            final=(Door.SHUT,),
            transitions=[Transition(Door.SHUT, Push.PUSH, Door.OPEN, frozenset({Role.CS}))],
        )
    with pytest.raises(ValueError, match="nobody"):
        TransitionTable(
            "door",
            initial=Door.OPEN,
            final=(),
            transitions=[Transition(Door.OPEN, Push.PUSH, Door.SHUT, frozenset())],
        )


def test_the_workflow_has_a_step_for_every_status_and_waits_where_the_table_waits() -> None:
    for status in set(S) - {S.AWAITING_CUSTOMER}:
        step = step_for(status)
        assert (step == Step.CLOSED) == (status in FINAL)
    assert step_for(S.PENDING_REVIEW, held_for_cs=True) == Step.AWAIT_REVIEW_BY_CS
    assert step_for(S.AWAITING_CUSTOMER, proposal=ProposalKind.RETURN_SHIPPING_FEE) == Step.AWAIT_FEE_ANSWER
    assert (
        step_for(S.AWAITING_CUSTOMER, proposal=ProposalKind.INSPECTION_DEDUCTION)
        == Step.AWAIT_DEDUCTION_ANSWER
    )
    with pytest.raises(ValueError, match="has a proposal"):
        step_for(S.AWAITING_CUSTOMER)
    for wait in Wait:
        # Where a wait ends the usual way is where the table's way out of its status leads.
        targets = {
            step_for(t.target, proposal=kind)
            for t in RETURNS
            if t.source == wait.status and t.target != wait.status
            for kind in ProposalKind
        }
        assert wait.then in targets, (wait, targets)


def _diagram_moves(text: str) -> set[tuple[str, str]]:
    block = re.search(r"```mermaid\nstateDiagram-v2\n(.*?)```", text, re.S)
    assert block, "README has no mermaid state diagram"
    moves = set()
    for line in block.group(1).splitlines():
        match = re.match(r"\s*(\[\*\]|[A-Z_]+)\s*-->\s*(\[\*\]|[A-Z_]+)", line)
        if match:
            moves.add((match.group(1), match.group(2)))
    return moves


def test_the_readme_diagram_is_the_transition_table() -> None:
    expected = {(str(a), str(b)) for a, b in RETURNS.moves()}
    expected.add(("[*]", str(RETURNS.initial)))
    expected |= {(str(status), "[*]") for status in FINAL}
    drawn = _diagram_moves(README.read_text(encoding="utf-8"))
    assert drawn - expected == set(), "the README draws moves the table does not have"
    assert expected - drawn == set(), "the README misses moves of the table"
