"""Each function's environment and policy name only what it uses (template.yaml, checked).

Two directions. A setting a function reads but is not given fails in the local stack, which runs
each function with only its own variables (local/function_environment.py), so every end-to-end
test checks it. This module checks the other direction statically: each variable a function is
given is read by a module its handler can import, and each table, bus, queue, secret or bucket its
policy grants is one its environment names (or its event sources and destinations use), and the
other way round.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from local.template import load_template
from returns_service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared"
TEMPLATE = load_template(ROOT / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
PARAMETERS = set(TEMPLATE.get("Parameters") or {})
GLOBAL_VARIABLES: dict[str, Any] = (
    ((TEMPLATE.get("Globals") or {}).get("Function") or {}).get("Environment") or {}
).get("Variables") or {}
# Read by Powertools itself (logger, metrics), not through the service's settings.
POWERTOOLS = re.compile(r"POWERTOOLS_\w+")
SETTING_OF_VARIABLE = {variable: name for name, variable in Settings.variables().items()}
# What a policy may grant although no variable names it: a step's task token carries its state
# machine, a stream or a dead-letter queue is the function's event source or destination.
BY_CONTEXT = {"AWS::StepFunctions::StateMachine", "AWS::Serverless::StateMachine"}
# Granted although no variable names it, and why.
REACHED_THROUGH = {
    ("CsApiFunction", "AnalyticsBucket"): "Athena reads the records and writes the results there"
    " with the caller's credentials; the workgroup names the bucket",
}
FUNCTIONS = sorted(
    name for name, resource in RESOURCES.items() if resource["Type"] == "AWS::Serverless::Function"
)


def _module_file(module: str) -> Path | None:
    base = LAYER.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _closure(handler: Path) -> set[Path]:
    """The handler's file and every layer module it can import, directly or not."""
    seen: set[Path] = set()
    todo = [handler]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] not in ("returns_service", "returns_core"):
                continue
            for depth in range(1, len(parts) + 1):  # a package's __init__ runs on import too
                found = _module_file(".".join(parts[:depth]))
                if found is not None:
                    todo.append(found)
    return seen


@cache
def _settings_read(handler: Path) -> frozenset[str]:
    names: set[str] = set()
    for path in _closure(handler):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "settings"
            ):
                names.add(node.attr)
    return frozenset(names)


def _properties(function: str) -> dict[str, Any]:
    properties: dict[str, Any] = RESOURCES[function]["Properties"]
    return properties


def _variables(function: str) -> dict[str, Any]:
    own = (_properties(function).get("Environment") or {}).get("Variables") or {}
    return {**GLOBAL_VARIABLES, **own}


def _handler(function: str) -> Path:
    props = _properties(function)
    module = str(props["Handler"]).rpartition(".")[0]
    return ROOT / str(props["CodeUri"]) / f"{module.replace('.', '/')}.py"


def _references(value: Any) -> set[str]:
    """Logical ids and parameters a template value refers to (Ref, GetAtt, ${...} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else str(inner).split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", str(text))}
                if isinstance(inner, list):
                    found |= _references(inner[1])
            else:
                found |= _references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= _references(inner)
    return {name for name in found if not name.startswith("AWS::")}


def _things(names: set[str]) -> set[str]:
    """The resources and parameters among the names that are something a function reaches."""
    kept = set()
    for name in names:
        if name in PARAMETERS:
            if name.endswith(("Secret", "Bucket", "BusName", "Table")):
                kept.add(name)
        elif name in RESOURCES and RESOURCES[name]["Type"] not in BY_CONTEXT:
            kept.add(name)
    return kept


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_variable_a_function_is_given_is_read_by_its_code(function: str) -> None:
    read = _settings_read(_handler(function))
    unread = sorted(
        variable
        for variable in _variables(function)
        if not POWERTOOLS.fullmatch(variable) and SETTING_OF_VARIABLE.get(variable) not in read
    )
    assert not unread, f"{function} is given {unread}, which no module its handler imports reads"


@pytest.mark.parametrize("function", FUNCTIONS)
def test_each_resource_a_policy_grants_is_one_the_function_names(function: str) -> None:
    props = _properties(function)
    granted = _things(_references(props.get("Policies") or []))
    named = _things(_references(_variables(function)))
    wired = _references({key: props.get(key) for key in ("Events", "EventInvokeConfig", "DeadLetterQueue")})
    wired |= {name for (owner, name) in REACHED_THROUGH if owner == function}
    assert granted <= named | wired, (
        f"{function}'s policy grants {sorted(granted - named - wired)}, which nothing it is given names"
    )
    assert named <= granted, f"{function} is given {sorted(named - granted)} but no policy lets it reach them"


def test_the_check_sees_the_settings_of_a_deep_import() -> None:
    """The closure follows imports through packages: the publisher reads the bus's name."""
    assert "event_bus_name" in _settings_read(_handler("PublishEventsFunction"))
