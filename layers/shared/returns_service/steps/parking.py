"""What every ``.waitForTaskToken`` step of the return workflow shares: keeping its token."""

from __future__ import annotations

from collections.abc import Callable

from returns_core.lifecycle import Return, Wait
from returns_core.lifecycle import decisions as decide
from returns_service import tasks, transitions

WaitDecision = Callable[[Return, str], decide.ReturnChange | None]


def park(return_id: str, wait: Wait, token: str, decide_wait: WaitDecision | None = None) -> None:
    """Keep ``token`` while the return waits. When what this step stored (or found) does not hold
    the token - the return moved on, or this very step ended it - the token is answered at once
    with where the return goes (``Reroute``); never before the write, never a token it kept."""

    def keep(ret: Return) -> decide.ReturnChange | None:
        at = transitions.now()
        return decide_wait(ret, at) if decide_wait is not None else decide.park(ret, wait, token, at)

    stored = transitions.apply(return_id, keep)
    if stored.task is None or stored.task.token != token:
        tasks.reroute(token, stored, str(wait))
