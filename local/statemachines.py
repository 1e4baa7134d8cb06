"""Step Functions for the local stack: the template's state machines, run by moto's interpreter.

moto runs the real ASL (Retry, Catch, task tokens, heartbeats) in a thread per execution; the
Lambda tasks call the handlers in-process (local/lambdas.py through local/moto_patches.py). This
module renders a definition as Step Functions would (DefinitionSubstitutions, textual) and waits
for executions.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from local.template import Resolver, TemplateError

STATE_MACHINE_TYPE = "AWS::Serverless::StateMachine"

# moto's ASL interpreter logs every failure a state catches (a time limit, a Reroute.* error) at
# ERROR with the whole state's repr, from its own thread: normal flow here, and the execution
# history keeps each one (tests read it). Its other loggers stay as they are.
logging.getLogger("moto.stepfunctions.parser.asl.component.eval_component").setLevel(logging.CRITICAL)


def substitute(text: str, substitutions: Mapping[str, str], where: str) -> str:
    """DefinitionSubstitutions: each `${Key}` replaced; a placeholder without a value is an error
    (it would reach Step Functions as a literal and fail at run time, far from the typo)."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in substitutions:
            raise TemplateError(f"{where}: definition uses ${{{key}}}, not in DefinitionSubstitutions")
        return substitutions[key]

    return re.sub(r"\$\{([A-Za-z0-9_.:-]+)\}", replace, text)


def render_definition(logical_id: str, props: Mapping[str, Any], resolver: Resolver, root: Path) -> str:
    """The definition Step Functions would run: `DefinitionUri` (a JSON file of the repository)
    with its DefinitionSubstitutions applied as text, so an unquoted placeholder
    (`"HeartbeatSeconds": ${ReviewTimeout}`) becomes a number."""
    substitutions = {
        str(k): scalar_text(v)
        for k, v in resolver.resolve(props.get("DefinitionSubstitutions") or {}).items()
    }
    uri = resolver.resolve(props.get("DefinitionUri"))
    if not isinstance(uri, str):
        raise TemplateError(f"{logical_id}: DefinitionUri must be a file of the repository, got {uri!r}")
    path = root / uri
    text = substitute(path.read_text(encoding="utf-8"), substitutions, logical_id)
    try:
        return _compact(text)
    except ValueError as exc:
        raise TemplateError(f"{logical_id}: {path} is not valid JSON after substitution: {exc}") from exc


@functools.lru_cache(maxsize=64)
def _compact(text: str) -> str:
    """The definition as one line of JSON; once per text (every test deploys the same ones)."""
    return json.dumps(json.loads(text))


def scalar_text(value: Any) -> str:
    """A template value as the text an environment variable or a substitution holds."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        raise TemplateError(f"environment values and substitutions must be scalars, got {value!r}")
    return str(value)


def wait_execution(client: Any, execution_arn: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll `describe_execution` until the execution leaves RUNNING; TimeoutError otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        description: dict[str, Any] = dict(client.describe_execution(executionArn=execution_arn))
        if description["status"] != "RUNNING":
            return description
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{execution_arn} still RUNNING after {timeout}s")
        time.sleep(0.02)


def stop_running(client: Any, state_machine_arns: list[str]) -> None:
    """Stop what is still running (a closing stack's executions must not run on into the next)."""
    for arn in state_machine_arns:
        for execution in client.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
            client.stop_execution(executionArn=execution["executionArn"])
