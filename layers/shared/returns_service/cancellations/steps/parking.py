"""What the cancellation workflow's ``.waitForTaskToken`` steps share: keeping their token."""

from __future__ import annotations

from returns_core.lifecycle.cancellation import Wait
from returns_service import tasks
from returns_service.cancellations import decisions


def park(cancellation_id: str, token: str, waiting: Wait, decide: decisions.Decide) -> bool:
    """Save what ``decide`` gives (the token kept on the cancellation). When the stored
    cancellation does not hold the token - it moved on before the wait - the token is completed at
    once with where the status sends the workflow. True when the token is kept."""
    _, after = decisions.apply(cancellation_id, decide)
    if after.task is not None and after.task.token == token:
        return True
    tasks.complete(token, decisions.route(after), str(waiting))
    return False
