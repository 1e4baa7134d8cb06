"""`make bench` counts what the service asks AWS for, not its own polling."""

from __future__ import annotations

import re

from benchmarks.workflow import _counting
from local.stack import REPO_ROOT
from returns_service.store import returns as return_store


def test_only_requests_made_inside_a_function_are_counted(stack) -> None:
    with _counting() as counts:
        for _ in range(3):
            assert return_store.load("R-NOPE") is None  # the benchmark polling, outside any function
        assert sum(counts["requests"].values()) == 0
        answer = stack.http("GET", "/returns/R-NOPE", claims={"sub": "cust-1001"})
        assert answer.status == 404
    assert counts["lambda"] == {"StorefrontApiFunction": 1}
    assert counts["requests"][("dynamodb", "GetItem")] == 1


def test_the_readme_and_the_workflow_notes_quote_the_same_run() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    workflow = (REPO_ROOT / "docs" / "WORKFLOW.md").read_text(encoding="utf-8")
    figures = re.search(
        r"\| DynamoDB requests \| (\d+) \((\d+) reads, (\d+) updates, (\d+) transactions\)", readme
    )
    assert figures, "README: | DynamoDB requests | N (R reads, U updates, T transactions) |"
    total, reads, updates, transactions = figures.groups()
    assert int(total) == int(reads) + int(updates) + int(transactions)
    notes = " ".join(workflow.split())
    kinds = f"{reads} GetItem, {updates} UpdateItem, {transactions} TransactWriteItems"
    quoted = f"{total} DynamoDB requests ({kinds})"
    assert quoted in notes
    transitions = re.search(r"\| state transitions \| (\d+) \|", readme)
    assert transitions and f"per return: {transitions.group(1)} state transitions" in notes
