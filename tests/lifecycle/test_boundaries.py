"""The architecture, checked: statuses (a return's, a cancellation's) are written only by the
lifecycle core, DynamoDB is spoken only by the repository (returns_service/store: expressions,
transactions, table names, the client itself), and the layer carries no test seams."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from returns_core.lifecycle import ReturnStatus
from returns_core.lifecycle.cancellation import CancellationStatus
from returns_service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared"
CORE = LAYER / "returns_core"
STORE = LAYER / "returns_service" / "store"
PRODUCTION = [LAYER, ROOT / "functions"]

DYNAMODB_WORDS = (
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "list_append",
    "if_not_exists",
    "begins_with",
    "Expression",  # ConditionExpression, UpdateExpression, KeyConditionExpression, ...
    "TransactItems",
    "ExclusiveStartKey",
    "LastEvaluatedKey",
)
DYNAMODB_CALLS = {
    "get_item",
    "put_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "transact_write_items",
    "transact_get_items",
    "batch_get_item",
    "batch_write_item",
    "Table",
}
# Every table the settings name (a new table's setting is covered without touching this test).
TABLE_SETTINGS = {name for name in Settings.variables() if name.endswith("_table")}
# The DynamoDB clients of returns_service/aws.py: only the repository calls them.
DYNAMODB_CLIENTS = {"dynamodb", "dynamodb_client"}
AWS_CLIENTS = LAYER / "returns_service" / "aws.py"  # where the clients are made (no expression)


def sources(*roots: Path, outside: Path) -> Iterator[tuple[Path, ast.AST]]:
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            if outside in path.parents:
                continue
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"


# Words that are a status's name but mean something else where they are written.
NOT_RETURN_STATUSES = {
    ("layers/shared/returns_service/analytics/engines.py", "CANCELLED"): "an Athena query's state",
    ("layers/shared/returns_service/analytics/engines.py", "FAILED"): "an Athena query's state",
}


def test_no_status_literal_outside_the_core() -> None:
    statuses = {str(status) for status in ReturnStatus} | {str(status) for status in CancellationStatus}
    found = [
        f"{where(path, node)} {node.value!r}"
        for path, tree in sources(*PRODUCTION, outside=CORE)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in statuses
        and (str(path.relative_to(ROOT)), node.value) not in NOT_RETURN_STATUSES
    ]
    assert found == [], "status literals outside returns_core:\n" + "\n".join(found)


def test_no_dynamodb_expression_call_or_table_outside_the_repository() -> None:
    found = []
    for path, tree in sources(*PRODUCTION, outside=STORE):
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if any(word in node.value for word in DYNAMODB_WORDS):
                    found.append(f"{where(path, node)} expression {node.value[:60]!r}")
            elif isinstance(node, ast.keyword) and node.arg and any(w in node.arg for w in DYNAMODB_WORDS):
                found.append(f"{where(path, node)} argument {node.arg}")
            elif isinstance(node, ast.Attribute) and node.attr in TABLE_SETTINGS:
                found.append(f"{where(path, node)} table {node.attr}")
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in DYNAMODB_CALLS
                and "dynamodb" in ast.unparse(node.func.value)
            ):
                found.append(f"{where(path, node)} call {ast.unparse(node.func)}")
            elif (
                isinstance(node, ast.Attribute)
                and node.attr in DYNAMODB_CLIENTS
                and ast.unparse(node.value) == "aws"
            ):
                found.append(f"{where(path, node)} client {ast.unparse(node)}")
            elif isinstance(node, ast.ImportFrom) and any(
                alias.name in DYNAMODB_CLIENTS for alias in node.names
            ):
                found.append(f"{where(path, node)} client imported from {node.module}")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("boto3.dynamodb"):
                found.append(f"{where(path, node)} import {node.module}")
            elif isinstance(node, ast.Constant) and node.value == "dynamodb" and path != AWS_CLIENTS:
                found.append(f"{where(path, node)} client 'dynamodb'")
    assert found == [], "DynamoDB outside returns_service/store:\n" + "\n".join(found)


def test_the_layer_carries_no_fakes_or_reset_hooks() -> None:
    found = [
        f"{where(path, node)} {node.name}"
        for path, tree in sources(LAYER, outside=LAYER / "nowhere")
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.ClassDef)
        and any(word in node.name.lower() for word in ("fake", "reset", "stub", "for_tests"))
    ]
    assert found == [], "test seams in the Lambda layer:\n" + "\n".join(found)
