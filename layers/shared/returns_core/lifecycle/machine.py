"""A lifecycle as data: statuses, actions, who may take each action, and where it leads.

Generic over the aggregate (a return today, a cancellation next): an aggregate declares its
status and action enums and one ``TransitionTable``; decisions ask the table for the target of
an action, so no decision can move an aggregate along an edge the table does not have, and the
documentation (the README diagram) and the state machine are checked against the same table.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar


class Role(StrEnum):
    """Who takes an action: the role, not the person (the person is the actor's id)."""

    CUSTOMER = "customer"
    CS = "cs"
    RECEIVER = "receiver"  # whoever receives the goods: a platform warehouse, or the POP seller
    SYSTEM = "system"  # the workflow itself: eligibility, time limits, payments
    FULFILMENT = "fulfilment"  # picks and ships an order: stops a cancellation's units (signed URL)
    DELIVERY = "delivery"  # the platform's own delivery: intercepts a cancelled parcel (signed URL)


@dataclass(frozen=True)
class Actor:
    """A role and the id the history shows (a customer id, an agent, an inspector, ``system``)."""

    role: Role
    id: str

    @classmethod
    def system(cls) -> Actor:
        return cls(Role.SYSTEM, "system")


class LifecycleError(Exception):
    """A decision the lifecycle refuses; the message is safe to show to the caller."""

    def __init__(self, message: str, details: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []


class NotAllowed(LifecycleError):
    """The aggregate's status does not allow the action now (a conflict with its state)."""


class NotPermitted(LifecycleError):
    """The actor's role may never take this action (a programming or authorisation error)."""


class Invalid(LifecycleError):
    """Well-formed but not acceptable: the decision's own inputs contradict the rules."""


S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


@dataclass(frozen=True)
class Transition(Generic[S, A]):
    source: S
    action: A
    target: S
    roles: frozenset[Role]


class TransitionTable(Generic[S, A]):
    """``status x action -> status`` and the roles allowed to take each action.

    An action may leave from several statuses; from one status an action leads to exactly one
    status (a self-transition records something without moving). Final statuses have no way out.
    """

    def __init__(
        self,
        aggregate: str,
        *,
        initial: S,
        final: Collection[S],
        transitions: Iterable[Transition[S, A]],
    ) -> None:
        self.aggregate = aggregate
        self.initial = initial
        self.final: frozenset[S] = frozenset(final)
        self._edges: dict[tuple[S, A], Transition[S, A]] = {}
        for transition in transitions:
            key = (transition.source, transition.action)
            if key in self._edges:
                raise ValueError(f"{aggregate}: {transition.action} from {transition.source} declared twice")
            if transition.source in self.final:
                raise ValueError(f"{aggregate}: final status {transition.source} has a way out")
            if not transition.roles:
                raise ValueError(f"{aggregate}: nobody may take {transition.action}")
            self._edges[key] = transition

    def __iter__(self) -> Iterator[Transition[S, A]]:
        return iter(self._edges.values())

    def find(self, source: S, action: A) -> Transition[S, A] | None:
        return self._edges.get((source, action))

    def allows(self, source: S, action: A) -> bool:
        return (source, action) in self._edges

    def sources(self, action: A) -> frozenset[S]:
        """Every status the action may be taken from."""
        return frozenset(source for source, taken in self._edges if taken == action)

    def target(self, source: S, action: A, role: Role) -> S:
        """Where ``action`` leads from ``source`` when ``role`` takes it.

        Raises NotAllowed (not from this status) or NotPermitted (never by this role).
        """
        transition = self._edges.get((source, action))
        if transition is None:
            raise NotAllowed(f"{_words(action)} is not possible: the {self.aggregate} is {source}")
        if role not in transition.roles:
            raise NotPermitted(f"{role} may not {_words(action)} a {self.aggregate}")
        return transition.target

    def moves(self) -> frozenset[tuple[S, S]]:
        """The (source, target) pairs between different statuses: the graph a diagram draws."""
        return frozenset((t.source, t.target) for t in self if t.source != t.target)

    def is_final(self, status: S) -> bool:
        return status in self.final


def transitions(
    sources: S | Collection[S], action: A, target: S | None, *roles: Role
) -> list[Transition[S, A]]:
    """One transition per source (``target`` None: the action keeps the status it is taken in)."""
    group: Collection[S] = (sources,) if isinstance(sources, StrEnum) else sources
    return [
        Transition(source, action, source if target is None else target, frozenset(roles)) for source in group
    ]


def _words(action: StrEnum) -> str:
    return str(action.value).replace("_", " ")
