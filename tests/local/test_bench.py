"""`make bench` counts what the service asks AWS for, not its own polling."""

from __future__ import annotations

import re

from benchmarks.capacity import Index, item_size, value_size
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


def test_the_meter_bills_what_the_functions_read_and_write(stack, seed_order, orders) -> None:
    """A strongly consistent read of a missing item is 1 read unit; a new return's put is 2 write
    units per KB (a transaction) and one small entry in each index."""
    seed_order(orders["O-SEED-1"])
    body = {"orderId": "O-SEED-1", "lines": [{"lineId": "L1", "quantity": 1}], "reason": "quality_issue"}
    with _counting(stack) as counts:
        assert stack.http("GET", "/returns/R-NOPE", claims={"sub": "cust-1001"}).status == 404
        created = stack.http(
            "POST",
            "/returns",
            body={**body, "reasonDetail": "", "method": "pickup"},
            headers={"content-type": "application/json"},
            claims={"sub": "cust-1001"},
        )
        assert created.status == 201, created.text
    kinds = counts["meter"].kinds
    missing = kinds[("GetItem", "ReturnsTable")]
    assert missing.requests >= 1 and missing.rru >= 1.0
    put = kinds[("TransactWriteItems.Put", "ReturnsTable")]
    assert put.requests == 1 and put.table_wru == 2 * -(-int(put.kb_written * 1024) // 1024)
    assert dict(put.index_wru) == {"ByCustomer": 1, "ByStatus": 1}


KEYS = ("returnId",)
BY_STATUS = Index("ByStatus", ("status", "createdKey"), frozenset())
BY_CUSTOMER = Index("ByCustomer", ("customerId", "createdKey"), frozenset({"orderId"}))
EVERYTHING = Index("Everything", ("status", "createdKey"), None)


def a_return(status: str, history: int) -> dict[str, dict[str, str]]:
    return {
        "returnId": {"S": "R-1"},
        "customerId": {"S": "cust-1001"},
        "orderId": {"S": "O-1"},
        "createdKey": {"S": "2026-12-02T10:00:00Z#R-1"},
        "status": {"S": status},
        "history": {"S": "x" * history},
    }


def test_item_sizes_follow_dynamodbs_rules() -> None:
    assert value_size({"S": "满199"}) == 6  # UTF-8 bytes
    assert value_size({"N": "12345"}) == 4  # a byte per two digits, plus one
    assert value_size({"BOOL": True}) == value_size({"NULL": True}) == 1
    assert value_size({"L": [{"S": "ab"}, {"N": "1"}]}) == 3 + (1 + 2) + (1 + 2)
    assert value_size({"M": {"k": {"S": "v"}}}) == 3 + 1 + 1 + 1
    assert item_size({"status": {"S": "REFUNDED"}}) == len("status") + len("REFUNDED")


def test_an_index_is_written_only_when_what_it_holds_changes() -> None:
    requested, pending = a_return("REQUESTED", 100), a_return("PENDING_REVIEW", 2800)
    later = a_return("PENDING_REVIEW", 4900)
    assert BY_STATUS.units(None, requested, KEYS) == 1  # a new entry: keys and 100 bytes
    assert BY_STATUS.units(requested, pending, KEYS) == 2  # the status moved: a delete and a put
    assert BY_STATUS.units(pending, later, KEYS) == 0  # keys only: the history is not in it
    assert BY_CUSTOMER.units(requested, later, KEYS) == 0  # customer, createdKey, orderId never change
    assert EVERYTHING.units(pending, later, KEYS) == 5  # ALL: the whole 5 KB item again
    assert EVERYTHING.units(requested, pending, KEYS) == 1 + 3


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
