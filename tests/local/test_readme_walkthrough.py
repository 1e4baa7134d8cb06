"""The README's curl walkthrough: its `field` helper picks fields out of answers and, when the
service refuses, shows the error body (not `KeyError: 'status'`); the README says what a first-time
user needs to know locally (the 10-minute review limit, how to change it, a clean state)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from local.stack import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def field_helper() -> str:
    match = re.search(r"^field\(\) \{.*?\"\$@\"; \}$", README, flags=re.MULTILINE | re.DOTALL)
    assert match, "the walkthrough defines field()"
    return match.group(0)


def field(answer: object, *path: str) -> subprocess.CompletedProcess[str]:
    script = f"{field_helper()}\nfield {' '.join(path)}"
    return subprocess.run(
        ["bash", "-c", script], input=json.dumps(answer), capture_output=True, text=True, timeout=30
    )


def test_field_picks_fields_out_of_answers() -> None:
    assert field({"returnId": "R-1", "status": "PENDING_REVIEW"}, "status").stdout == "PENDING_REVIEW\n"
    events = {"events": [{"Detail": {"callbackUrl": "u-0"}}, {"Detail": {"callbackUrl": "u-1"}}]}
    assert field(events, "events", "-1", "Detail", "callbackUrl").stdout == "u-1\n"


@pytest.mark.parametrize(
    "answer",
    [
        {"error": {"code": "conflict", "message": "the return is not waiting for review", "details": []}},
        {"message": "Unauthorized"},
    ],
)
def test_field_shows_the_error_body_when_the_service_refuses(answer) -> None:
    run = field(answer, "status")
    assert run.returncode != 0 and run.stdout == ""
    assert run.stderr.strip() == "the service refused: " + json.dumps(answer)
    assert "KeyError" not in run.stderr and "Traceback" not in run.stderr


def test_the_walkthrough_uses_the_helper_as_it_is_defined() -> None:
    uses = re.findall(r"\| field ([^)\n#]*)", README)
    assert uses and all(not use.strip().startswith("'[") for use in uses), uses


def test_the_readme_says_how_long_a_local_return_waits_and_how_to_start_clean() -> None:
    assert "The review time limit is 10 minutes (`ReviewTimeoutSeconds=600`)" in README
    assert "STACK_PARAMETERS='ReviewTimeoutSeconds=86400' make run" in README
    assert "start it again for a clean state" in README
