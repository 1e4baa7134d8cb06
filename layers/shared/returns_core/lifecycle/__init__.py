"""The return's lifecycle, pure: statuses, the one transition table, the rules and the decisions.

No storage, no clock, no AWS: a decision takes the return as loaded, what happened and when
(``at``), and gives a ``Change`` (the new return, its events with stable ids, the units to
release) for the repository to store in one write.

    machine.py    generic: roles, actors, ``TransitionTable`` (reused by other aggregates)
    events.py     generic: ``DomainEvent`` (stable ``eventId``), ``Change``
    statuses.py   ``ReturnStatus``, ``ReturnAction``, ``RETURNS`` (the table), waits and steps
    model.py      ``Return``, the typed value the repository stores
    rules.py      eligibility, receipt outcome, auto-approval, damage decisions
    quoting.py    the refund engine's quote for a return
    decisions.py  every decision: (return, input, at) -> Change
"""

from returns_core.lifecycle.events import Change, DomainEvent
from returns_core.lifecycle.machine import (
    Actor,
    Invalid,
    LifecycleError,
    NotAllowed,
    NotPermitted,
    Role,
    Transition,
    TransitionTable,
)
from returns_core.lifecycle.model import Return
from returns_core.lifecycle.statuses import (
    FINAL,
    RETURNS,
    ProposalKind,
    ReturnAction,
    ReturnStatus,
    Step,
    TimeLimit,
    Wait,
    step_for,
)

__all__ = [
    "FINAL",
    "RETURNS",
    "Actor",
    "Change",
    "DomainEvent",
    "Invalid",
    "LifecycleError",
    "NotAllowed",
    "NotPermitted",
    "ProposalKind",
    "Return",
    "ReturnAction",
    "ReturnStatus",
    "Role",
    "Step",
    "TimeLimit",
    "Transition",
    "TransitionTable",
    "Wait",
    "step_for",
]
