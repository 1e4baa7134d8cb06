"""Each function sees only its own environment, as in Lambda, although all run in one process.

The local stack puts the union of the functions' variables in ``os.environ`` (one process), so a
function reading a setting that template.yaml gives only to another function would work here and
fail in AWS. While a function runs, this module knows which variables template.yaml gives it and a
setting read outside them raises the error AWS would give (a missing variable), naming the
function. The check wraps the layer's ``Setting`` descriptor from outside; the layer knows nothing
of it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from returns_service.settings import Setting


@dataclass(frozen=True)
class FunctionEnvironment:
    """The function that runs and the variables its template entry gives it."""

    logical_id: str
    variables: frozenset[str]


_RUNNING: ContextVar[FunctionEnvironment | None] = ContextVar("local_function_environment", default=None)
_INSTALL = threading.Lock()
_original_get: Callable[..., Any] | None = None
_missing: type[Exception] = RuntimeError


def _checked_get(descriptor: Setting[Any], owner: object | None, kind: type[Any]) -> Any:
    running = _RUNNING.get()
    if owner is not None and running is not None and descriptor.variable not in running.variables:
        raise _missing(
            f"environment variable {descriptor.variable} is not set: template.yaml does not give it"
            f" to {running.logical_id}"
        )
    assert _original_get is not None
    return _original_get(descriptor, owner, kind)


def install() -> None:
    """Wrap ``Setting.__get__`` once per process (idempotent). Imported here: the layer is on the
    path once a stack is deployed."""
    global _original_get, _missing
    from returns_service.settings import ConfigurationError, Setting

    with _INSTALL:
        _missing = ConfigurationError
        if _original_get is None:
            _original_get = Setting.__get__
            Setting.__get__ = _checked_get  # type: ignore[assignment,method-assign]


@contextmanager
def running(function: FunctionEnvironment) -> Iterator[None]:
    """While the block runs (in this thread or task), settings are those of ``function``."""
    token = _RUNNING.set(function)
    try:
        yield
    finally:
        _RUNNING.reset(token)
