"""Models are built when first used (``defer_build``, for cold starts), but not those a strict API
model nests: a deferred model built inside a strict one validates strictly too (pydantic inlines
its schema under the strict config), so a page of returns would refuse ``"status": "REQUESTED"``
or not depending on which model a process happened to build first."""

from __future__ import annotations

import subprocess
import sys
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

import returns_service.api.cancellations
import returns_service.api.common
import returns_service.api.models
import returns_service.cancellations.views  # noqa: F401  (the strict pages' items)
from local.stack import REPO_ROOT


def _subclasses(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    for sub in model.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _nested(annotation: Any, found: set[type[BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                _nested(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        _nested(argument, found)


def test_every_model_a_strict_model_nests_is_built_at_import() -> None:
    strict = [
        m
        for m in _subclasses(BaseModel)
        if m.__module__.startswith("returns") and m.model_config.get("strict")
    ]
    assert len(strict) > 10, strict
    lax_inside: set[type[BaseModel]] = set()
    for model in strict:
        found: set[type[BaseModel]] = set()
        for field in model.model_fields.values():
            _nested(field.annotation, found)
        lax_inside |= {m for m in found if not m.model_config.get("strict")}
    assert lax_inside, "the pages nest the service's views"
    deferred = sorted(f"{m.__module__}.{m.__name__}" for m in lax_inside if m.model_config.get("defer_build"))
    assert deferred == [], f"nested in a strict model but deferred: {deferred}"


def test_a_strict_page_built_first_in_a_fresh_process_reads_statuses_as_text() -> None:
    probe = (
        "from tools.openapi_examples import EXAMPLES\n"
        "from returns_service.api.models import QueuePage\n"
        "page = QueuePage.model_validate(EXAMPLES['QueuePage'])\n"
        "print(page.items[0].status.value)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": f"{REPO_ROOT / 'layers' / 'shared'}:{REPO_ROOT}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.strip() == "PENDING_REVIEW"
