"""EventBridge for the local stack: what is put is recorded, then delivered to the rules' targets.

moto keeps the buses and rules (created through its API by the deployer) and matches patterns;
it does not deliver to Lambda, Step Functions or Firehose targets, so this module does, right
after the entry is put, in the putting thread: tests stay deterministic (what an event causes has
happened when `put_events` returns). A failing target does not fail the put, as with
EventBridge; it is logged and kept in `delivery_errors`.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.firehose import LocalFirehose
from local.lambdas import Lambdas, function_error_payload

LOG = logging.getLogger("local.eventbridge")


class EventBridge:
    """Records the entries put on the stack's buses and delivers them to the rules' targets."""

    def __init__(
        self,
        lambdas: Lambdas,
        start_execution: Callable[[str, Any], None],
        is_state_machine: Callable[[str], bool],
    ) -> None:
        self.events: list[dict[str, Any]] = []
        self.delivery_errors: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.firehose = LocalFirehose(Path(), {})
        self._lambdas = lambdas
        self._start_execution = start_execution
        self._is_state_machine = is_state_machine

    def record_error(self, target: str, event: Any, exc: BaseException) -> None:
        with self.lock:
            self.delivery_errors.append(
                {"target": target, "event": event, "error": function_error_payload(exc)}
            )

    def events_of(self, detail_type: str | None = None, source: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [
                e
                for e in self.events
                if (detail_type is None or e["DetailType"] == detail_type)
                and (source is None or e["Source"] == source)
            ]

    def after_put_events(
        self, backend: Any, entries: list[dict[str, Any]], results: list[dict[str, Any]]
    ) -> None:
        """Record what was put, then deliver it to the function / state machine / Firehose targets
        of the enabled rules it matches on its bus."""
        for entry, result in zip(entries, results, strict=False):
            event_id = result.get("EventId")
            if not event_id:
                continue
            detail = json.loads(entry["Detail"])
            when = _event_time(entry.get("Time"))
            bus_name = bus_name_of(entry.get("EventBusName") or "default")
            record = {
                "Source": entry["Source"],
                "DetailType": entry["DetailType"],
                "Detail": detail,
                "EventBusName": bus_name,
                "Time": when,
                "Resources": list(entry.get("Resources") or []),
                "EventId": event_id,
            }
            with self.lock:
                self.events.append(record)
            message: Any = {
                "version": "0",
                "id": event_id,
                "detail-type": entry["DetailType"],
                "source": entry["Source"],
                "account": backend.account_id,
                "time": when,
                "region": backend.region_name,
                "resources": record["Resources"],
                "detail": detail,
            }
            for rule_name, target in matching_rules(backend, message, bus_name):
                self._deliver(rule_name, target, message)

    def _deliver(self, rule_name: str, target: Mapping[str, Any], message: dict[str, Any]) -> None:
        arn = str(target["Arn"])
        if self.firehose.handles(arn):
            self.firehose.deliver(arn, target_input(target, message))
            return
        function = self._lambdas.find(arn) if ":lambda:" in arn else None
        if function is not None:
            self._lambdas.invoke_async(rule_name, function, target_input(target, message))
            return
        if ":states:" in arn and self._is_state_machine(arn):
            payload = target_input(target, message)
            try:
                self._start_execution(arn, payload)
            except Exception as exc:
                LOG.exception("rule %s: target %s failed", rule_name, arn)
                self.record_error(arn, payload, exc)


def matching_rules(backend: Any, message: Any, bus_name: str | None) -> list[tuple[str, Mapping[str, Any]]]:
    """(rule name, target) of every enabled rule `message` matches, on `bus_name` (or every bus).

    moto's own matcher (EventBridge's pattern language); its public `TestEventPattern` does the
    same through the API at ~2 ms a call, for every rule of every event put."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    for bus in list(backend.event_buses.values()):
        if bus_name is not None and bus.name != bus_name:
            continue
        for rule in list(bus.rules.values()):
            if rule.state == "ENABLED" and rule.event_pattern.matches_event(message):
                found.extend((str(rule.name), target) for target in rule.targets)
    return found


def bus_name_of(value: Any) -> str:
    """An EventBusName may hold a name or an ARN."""
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text


def _event_time(value: Any) -> str:
    if value is None:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def target_input(target: Mapping[str, Any], message: Any) -> Any:
    """What EventBridge hands the target: the event, or its `InputTransformer`'s output (the only
    target input template.yaml uses)."""
    transformer = target.get("InputTransformer")
    if not transformer:
        return message
    from moto.events.utils import EventTemplateParser

    # moto's parser reads `ingestion-time` (EventBridge's predefined variable).
    with_ingestion_time: Any = {"ingestion-time": message.get("time"), **message}
    text = EventTemplateParser.parse(
        input_template=transformer.get("InputTemplate"),
        input_paths_map=transformer.get("InputPathsMap", {}),
        event=with_ingestion_time,
    )
    try:
        return json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return text
