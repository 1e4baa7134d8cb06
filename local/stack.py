"""Deploys template.yaml into moto so the tests and `make run` exercise what AWS would run.

moto's CloudFormation cannot deploy a SAM application, so this module reads the template itself
(local/template.py) and creates, in moto, every resource the service talks to: DynamoDB tables,
Secrets Manager secrets, EventBridge buses and rules, Lambda functions, the Step Functions state
machine and the HTTP API routes. Each Lambda invocation (from Step Functions, EventBridge or an
HTTP request) runs the real handler in-process, so one test covers the handler, the workflow and
the tables together. Rules with a Firehose delivery stream target write what they match into a
local folder laid out as the stream's S3 bucket (local/firehose.py), where analytics reads it.

Usage::

    with mock_aws(config=MOTO_CONFIG):
        stack = deploy(parameters={"ReviewTimeoutSeconds": "2"})
        resp = stack.http("POST", "/returns", body={...}, claims={"sub": "cust-1001"})

Two moto methods are patched once per process and look up the current stack, so several stacks
over a test session need no restore: `LambdaSimpleBackend.invoke` (runs the handler) and
`EventsBackend.put_events` (records entries and delivers them to function targets).
EventBridge delivery is synchronous, right after the entry is put, in the putting thread: tests
stay deterministic (what an event causes has happened when `put_events` returns). A failing target
does not fail the put, as with EventBridge; it is logged and kept in `stack.delivery_errors`.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import io
import json
import logging
import os
import re
import secrets
import shutil
import string
import sys
import tempfile
import threading
import time
import traceback
import uuid
import weakref
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import boto3
import yaml

from local.firehose import STREAM_TYPE, LocalFirehose, Stream
from local.httpapi import HttpResponse, Route, build_event, cors_headers, read_response, select_route
from local.streams import StreamDelivery, StreamMapping, streams_client, written_tables
from local.template import Resolver, TemplateError, load_template, parameter_values

if TYPE_CHECKING:
    from moto.core.config import DefaultConfig

__all__ = ["MOTO_CONFIG", "REPO_ROOT", "TEMPLATE_PATH", "HttpResponse", "Stack", "TemplateError", "deploy"]

LOG = logging.getLogger("local.stack")

# Not resetting boto3's default session between mocks keeps botocore's loaded service models:
# a fresh session costs ~0.25 s per test. Credentials are fake (mocked) either way.
MOTO_CONFIG: DefaultConfig = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
    "core": {
        "mock_credentials": True,
        "passthrough": {"urls": [], "services": []},
        "reset_boto3_session": False,
        "service_whitelist": None,
    },
}
REPO_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = REPO_ROOT / "template.yaml"
DEFAULT_STACK_NAME = "returns-service"
REGION = "us-east-1"
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

FUNCTION_TYPES = {"AWS::Serverless::Function", "AWS::Lambda::Function"}
TABLE_TYPES = {"AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"}
SECRET_TYPE = "AWS::SecretsManager::Secret"
BUS_TYPE = "AWS::Events::EventBus"
RULE_TYPE = "AWS::Events::Rule"
STATE_MACHINE_TYPES = {"AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine"}
HTTP_API_TYPE = "AWS::Serverless::HttpApi"
IMPLICIT_HTTP_API = "ServerlessHttpApi"
RULE_EVENT_TYPES = {"EventBridgeRule", "CloudWatchEvent"}
QUEUE_TYPE = "AWS::SQS::Queue"
# Declared for a real deployment and deliberately not created locally, because nothing local reads
# them: AWS::CloudWatch::Alarm and AWS::Logs::LogGroup (the local stack has no CloudWatch), the
# AWS::SNS::Topic / Subscription alarms are mailed through, AWS::SQS::QueuePolicy (moto does not
# enforce resource policies). Like every type this deployer does not create, a Ref or GetAtt of
# them resolves to a predicted id (_fallback_id).
# Where the analytics code finds the records the local Firehose streams write (the bucket).
ANALYTICS_LOCAL_DIR = "ANALYTICS_LOCAL_DIR"
NO_TOKEN = "no bearer token in the Authorization header"

_DUMMY_ZIP: bytes
with io.BytesIO() as _buffer:
    with zipfile.ZipFile(_buffer, "w") as _zip:
        _zip.writestr("app.py", "def handler(event, context):\n    return event\n")
    _DUMMY_ZIP = _buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# Lambda runtime emulation
# ---------------------------------------------------------------------------------------------
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    def __init__(self, function: LocalFunction) -> None:
        self.function_name = function.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function.arn
        self.memory_limit_in_mb = function.memory
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function.name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + function.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class LocalFunction:
    """A template function: where its handler lives and how Lambda would call it."""

    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    timeout: int
    memory: int
    module_name: str
    _module: ModuleType | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def entry_point(self) -> Callable[[Any, Any], Any]:
        """The handler callable, importing `<CodeUri>/<module>.py` on first use (one copy per stack,
        under a unique module name, so stacks never share module-level state)."""
        with self._lock:
            if self._module is None:
                module_file, _, _ = self.handler.rpartition(".")
                path = self.code_dir / (module_file.replace(".", "/") + ".py")
                if not path.is_file():
                    raise TemplateError(f"{self.logical_id}: handler file {path} does not exist")
                spec = importlib.util.spec_from_file_location(self.module_name, path)
                if spec is None or spec.loader is None:
                    raise TemplateError(f"{self.logical_id}: cannot import {path}")
                module = importlib.util.module_from_spec(spec)
                sys.modules[self.module_name] = module
                try:
                    spec.loader.exec_module(module)
                except BaseException:
                    sys.modules.pop(self.module_name, None)
                    raise
                self._module = module
            attribute = self.handler.rpartition(".")[2]
            entry = getattr(self._module, attribute, None)
            if not callable(entry):
                raise TemplateError(f"{self.logical_id}: {self.handler} is not a callable in {self.code_dir}")
            return entry  # type: ignore[no-any-return]

    def call(self, event: Any) -> Any:
        """Run the handler in-process, as Lambda would: exceptions propagate to the caller."""
        return self.entry_point()(event, LambdaContext(self))

    def unload(self) -> None:
        sys.modules.pop(self.module_name, None)


def function_error_payload(exc: BaseException) -> dict[str, Any]:
    """The Lambda error payload: Step Functions Retry/Catch match on `errorType`."""
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


# ---------------------------------------------------------------------------------------------
# Resources
# ---------------------------------------------------------------------------------------------
@dataclass
class _Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    physical_id: Any = None
    attributes: dict[str, Any] = field(default_factory=dict)


class _Ids:
    """`Ref` / `Fn::GetAtt` of resources: the ids they were (or will be) created with."""

    def __init__(
        self, resources: Mapping[str, _Resource], fallback: Callable[[str, str | None], str]
    ) -> None:
        self._resources = resources
        self._fallback = fallback

    def ref(self, logical_id: str) -> Any:
        resource = self._resources.get(logical_id)
        if resource is not None and resource.physical_id is not None:
            return resource.physical_id
        return self._fallback(logical_id, None)

    def get_att(self, logical_id: str, attribute: str) -> Any:
        resource = self._resources.get(logical_id)
        if resource is not None and attribute in resource.attributes:
            return resource.attributes[attribute]
        return self._fallback(logical_id, attribute)


class Stack:
    """A deployed copy of the template inside the current moto mock."""

    def __init__(self, template_path: Path, stack_name: str, region: str) -> None:
        self.template_path = template_path
        self.root = template_path.parent
        self.stack_name = stack_name
        self.region = region
        self.account_id = "123456789012"
        self.parameters: dict[str, Any] = {}
        self.env: dict[str, str] = {}
        self.events: list[dict[str, Any]] = []
        self.delivery_errors: list[dict[str, Any]] = []
        self.routes: list[Route] = []
        self.authorizers: dict[str, dict[str, Any]] = {}
        self.functions: dict[str, LocalFunction] = {}
        self.state_machines: dict[str, str] = {}
        self._resources: dict[str, _Resource] = {}
        self._function_by_name: dict[str, LocalFunction] = {}
        self._api_ids: dict[str, str] = {}
        self._saved_environ: dict[str, str | None] = {}
        self._events_lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._clients: dict[str, Any] = {}
        self._cors: dict[str, dict[str, Any]] = {}
        # Asynchronous invocations (EventBridge -> Lambda): retries and on-failure destination (an
        # SQS queue ARN) per function logical id, from its EventInvokeConfig.
        self._async: dict[str, tuple[int, str | None]] = {}
        self._streams: list[StreamDelivery] = []
        self._closed = False
        # Firehose delivery streams write into this folder, which stands for their S3 bucket.
        self.records_dir = Path()
        self.firehose = LocalFirehose(self.records_dir, {})
        self._owns_records_dir = False

    # -- public interface --------------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A boto3 client of the stack's region, one per service (clients are thread-safe and
        creating one costs ~10 ms)."""
        with self._events_lock:
            if service not in self._clients:
                self._clients[service] = boto3.client(service, region_name=self.region)  # type: ignore[call-overload]
            return self._clients[service]

    def physical_id(self, logical_id: str) -> Any:
        """The name / ARN the resource was created with (what `Ref` gives in CloudFormation)."""
        resource = self._resources.get(logical_id)
        if resource is None:
            raise KeyError(f"{logical_id} is not a resource of {self.template_path.name}")
        return resource.physical_id

    def attribute(self, logical_id: str, attribute: str) -> Any:
        """What `Fn::GetAtt logical_id.attribute` gives."""
        resource = self._resources.get(logical_id)
        if resource is None or attribute not in resource.attributes:
            raise KeyError(f"{logical_id}.{attribute} is not known to the local stack")
        return resource.attributes[attribute]

    @property
    def state_machine_arn(self) -> str:
        """The template's state machine (there must be exactly one to use this shortcut)."""
        if len(self.state_machines) != 1:
            raise LookupError(f"expected one state machine, the template has {sorted(self.state_machines)}")
        return next(iter(self.state_machines.values()))

    def invoke(self, function: str, event: Any) -> Any:
        """Call a function's handler in-process (by logical id or function name); exceptions propagate."""
        return self._function(function).call(event)

    def http(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        raw_body: str | bytes | None = None,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str | list[str]] | None = None,
        claims: Mapping[str, Any] | None = None,
    ) -> HttpResponse:
        """A request through the template's HTTP API routes, answered as API Gateway would.

        `claims` are the verified JWT claims (None = no token): a JWT route without them is 401.
        """
        if "?" in path:
            path, _, raw_query = path.partition("?")
            parsed: dict[str, str | list[str]] = {
                k: v if len(v) > 1 else v[0] for k, v in parse_qs(raw_query, keep_blank_values=True).items()
            }
            query = {**parsed, **(query or {})}
        chosen = select_route(self.routes, method, path)
        origin = next((str(v) for k, v in (headers or {}).items() if k.lower() == "origin"), None)
        preflight = method.upper() == "OPTIONS" and any(
            k.lower() == "access-control-request-method" for k in (headers or {})
        )
        cors = self._cors.get(chosen[0].api) if chosen else None
        if cors is None and len(self._cors) == 1:
            cors = next(iter(self._cors.values()))
        if cors is not None and origin is not None:
            if preflight:
                return HttpResponse.of(204, cors_headers(cors, origin, preflight=True), "")
            answer = self._route(chosen, method, path, body, raw_body, headers, query, claims)
            answer.headers = {
                **{k: v for k, v in answer.headers.items() if not k.startswith("access-control-")},
                **cors_headers(cors, origin, preflight=False),
            }
            return answer
        return self._route(chosen, method, path, body, raw_body, headers, query, claims)

    def _route(
        self,
        chosen: tuple[Route, dict[str, str]] | None,
        method: str,
        path: str,
        body: Any,
        raw_body: str | bytes | None,
        headers: Mapping[str, str] | None,
        query: Mapping[str, str | list[str]] | None,
        claims: Mapping[str, Any] | None,
    ) -> HttpResponse:
        if chosen is None:
            return HttpResponse.message(404, "Not Found")
        route, path_parameters = chosen
        if route.authorizer is not None and claims is None:
            return HttpResponse.unauthorized(NO_TOKEN)
        event = build_event(
            route,
            path_parameters,
            method,
            path,
            body=body,
            raw_body=raw_body,
            headers=headers,
            query=query,
            claims=claims if route.authorizer is not None else None,
            api_id=self._api_ids.get(route.api, "localapi"),
            account_id=self.account_id,
        )
        try:
            result = self._function(route.function).call(event)
        except Exception:
            LOG.exception("%s failed on %s %s", route.function, method, path)
            return HttpResponse.message(500, "Internal Server Error")
        return read_response(result)

    def wait_execution(self, execution_arn: str, timeout: float = 10.0) -> dict[str, Any]:
        """Poll `describe_execution` until the execution leaves RUNNING; TimeoutError otherwise."""
        client = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        while True:
            description: dict[str, Any] = dict(client.describe_execution(executionArn=execution_arn))
            if description["status"] != "RUNNING":
                return description
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{execution_arn} still RUNNING after {timeout}s")
            time.sleep(0.02)

    def put_event(
        self, source: str, detail_type: str, detail: Mapping[str, Any], bus_name: str | None = None
    ) -> str:
        """Put one entry on a bus as an outside publisher would; returns the EventId.

        Without `bus_name`: the bus of the first rule the entry matches, else the template's only
        bus, else the default bus.
        """
        if bus_name is None:
            bus_name = self._bus_for(source, detail_type, detail)
        client = self.client("events")
        answer = client.put_events(
            Entries=[
                {
                    "Source": source,
                    "DetailType": detail_type,
                    "Detail": json.dumps(detail),
                    "EventBusName": bus_name,
                }
            ]
        )
        entry = answer["Entries"][0]
        if "EventId" not in entry:
            raise RuntimeError(f"put_events refused the entry: {entry}")
        return str(entry["EventId"])

    def events_of(self, detail_type: str | None = None, source: str | None = None) -> list[dict[str, Any]]:
        """The recorded entries, filtered by detail-type and/or source."""
        with self._events_lock:
            return [
                e
                for e in self.events
                if (detail_type is None or e["DetailType"] == detail_type)
                and (source is None or e["Source"] == source)
            ]

    def close(self) -> None:
        """Stop running executions, forget handler modules and give os.environ back."""
        global _CURRENT
        if self._closed:
            return
        self._closed = True
        try:
            client = self.client("stepfunctions")
            for arn in self.state_machines.values():
                for execution in client.list_executions(stateMachineArn=arn, statusFilter="RUNNING")[
                    "executions"
                ]:
                    client.stop_execution(executionArn=execution["executionArn"])
        except Exception:  # the mock may already be gone: nothing left to stop then
            LOG.debug("could not stop executions", exc_info=True)
        for delivery in self._streams:
            delivery.cancel()
            self._threads.extend(delivery.timers)
        _retire_threads(self._threads)
        for function in self.functions.values():
            function.unload()
        for name, value in self._saved_environ.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if self._owns_records_dir:
            shutil.rmtree(self.records_dir, ignore_errors=True)
        if _CURRENT is self:
            _CURRENT = None

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- moto hooks (called through the patches) ---------------------------------------------
    def _function(self, name_or_arn: str) -> LocalFunction:
        found = self._find_function(name_or_arn)
        if found is None:
            raise KeyError(f"{name_or_arn} is not a function of {self.template_path.name}")
        return found

    def _find_function(self, name_or_arn: str) -> LocalFunction | None:
        if name_or_arn in self.functions:
            return self.functions[name_or_arn]
        name = name_or_arn
        if name.startswith("arn:"):
            # arn:aws:lambda:region:account:function:name[:qualifier]
            parts = name.split(":")
            name = parts[6] if len(parts) > 6 else name
        else:
            name = name.split(":", 1)[0]
        return self._function_by_name.get(name)

    def _invoke_for_moto(
        self, function: LocalFunction, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        """Lambda's Invoke API: the handler's result as JSON, or the error payload with
        `x-amz-function-error`; an `Event` invocation runs in a thread and returns at once."""
        text = body.decode() if isinstance(body, bytes) else (body or "")
        event = json.loads(text) if text.strip() else {}
        if (headers or {}).get("X-Amz-Invocation-Type") == "Event":
            worker = threading.Thread(target=self._run_async, args=(function, event), daemon=True)
            self._threads.append(worker)
            worker.start()
            return b""
        try:
            payload = json.dumps(function.call(event)).encode()
        except Exception as exc:
            LOG.info("%s raised %s: %s", function.logical_id, type(exc).__name__, exc)
            response_headers["x-amz-function-error"] = "Unhandled"
            payload = json.dumps(function_error_payload(exc)).encode()
        response_headers["Content-Length"] = str(len(payload))
        return payload

    def _run_async(self, function: LocalFunction, event: Any) -> None:
        try:
            function.call(event)
        except Exception as exc:
            LOG.exception("%s failed on an asynchronous invocation", function.logical_id)
            self._record_delivery_error(function.logical_id, event, exc)

    def _record_delivery_error(self, target: str, event: Any, exc: BaseException) -> None:
        with self._events_lock:
            self.delivery_errors.append(
                {"target": target, "event": event, "error": function_error_payload(exc)}
            )

    def _after_put_events(
        self, backend: Any, entries: list[dict[str, Any]], results: list[dict[str, Any]]
    ) -> None:
        """Record what was put, then deliver it to the function / state machine targets of the
        rules it matches (moto delivers only to its own supported targets)."""
        for entry, result in zip(entries, results, strict=False):
            event_id = result.get("EventId")
            if not event_id:
                continue
            detail = json.loads(entry["Detail"])
            when = _event_time(entry.get("Time"))
            bus_name = str(backend._normalize_event_bus_arn(entry.get("EventBusName")))
            record = {
                "Source": entry["Source"],
                "DetailType": entry["DetailType"],
                "Detail": detail,
                "EventBusName": bus_name,
                "Time": when,
                "Resources": list(entry.get("Resources") or []),
                "EventId": event_id,
            }
            with self._events_lock:
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
            bus = backend.describe_event_bus(bus_name)
            for rule in list(bus.rules.values()):
                if rule.state != "ENABLED" or not rule.event_pattern.matches_event(message):
                    continue
                for target in rule.targets:
                    self._deliver(rule.name, target, message)

    def _deliver(self, rule_name: str, target: Mapping[str, Any], message: dict[str, Any]) -> None:
        arn = str(target["Arn"])
        if self.firehose.handles(arn):
            self.firehose.deliver(arn, _target_input(target, message))
            return
        function = self._find_function(arn) if ":lambda:" in arn else None
        is_state_machine = ":states:" in arn and arn in self.state_machines.values()
        if function is None and not is_state_machine:
            return
        payload = _target_input(target, message)
        if function is not None:
            self._invoke_async(rule_name, function, payload)
            return
        try:
            self.client("stepfunctions").start_execution(stateMachineArn=arn, input=json.dumps(payload))
        except Exception as exc:
            LOG.exception("rule %s: target %s failed", rule_name, arn)
            self._record_delivery_error(arn, payload, exc)

    def _invoke_async(self, rule_name: str, function: LocalFunction, payload: Any) -> None:
        """EventBridge invokes Lambda asynchronously: Lambda retries a failing event (its
        EventInvokeConfig's MaximumRetryAttempts, 2 by default; here at once, not minutes apart),
        then sends it to the on-failure destination. The put itself never fails."""
        retries, on_failure = self._async.get(function.logical_id, (2, None))
        attempts = 0
        while True:
            attempts += 1
            try:
                function.call(payload)
                return
            except Exception as exc:
                if attempts <= retries:
                    continue
                LOG.exception("rule %s: target %s failed %d times", rule_name, function.arn, attempts)
                self._record_delivery_error(function.logical_id, payload, exc)
                if on_failure is not None:
                    self._send_to_destination(on_failure, function, payload, exc, attempts)
                return

    def _send_to_destination(
        self, arn: str, function: LocalFunction, payload: Any, exc: BaseException, attempts: int
    ) -> None:
        """The record Lambda sends to an SQS on-failure destination after the last retry."""
        record = {
            "version": "1.0",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"{function.arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": payload,
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                "functionError": "Unhandled",
            },
            "responsePayload": function_error_payload(exc),
        }
        if ":sqs:" not in arn:
            LOG.warning(
                "%s: on-failure destination %s is not a queue; not delivered locally", function.name, arn
            )
            return
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))

    def _after_dynamodb_write(self, tables: set[str]) -> None:
        for delivery in self._streams:
            if delivery.mapping.table in tables:
                delivery.pump()

    def _send_to_queue(self, arn: str, body: dict[str, Any]) -> None:
        if ":sqs:" not in arn:
            LOG.warning("on-failure destination %s is not a queue; not delivered locally", arn)
            return
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))

    def matching_targets(
        self, source: str, detail_type: str, detail: Mapping[str, Any], bus_name: str | None = None
    ) -> list[tuple[str, str]]:
        """(bus, target ARN) of every enabled rule an entry would match (on `bus_name` or any bus)."""
        from moto.events.models import events_backends

        backend = events_backends[self.account_id][self.region]
        message: Any = {"source": source, "detail-type": detail_type, "detail": dict(detail)}
        found: list[tuple[str, str]] = []
        for bus in list(backend.event_buses.values()):
            if bus_name is not None and bus.name != bus_name:
                continue
            for rule in list(bus.rules.values()):
                if rule.state == "ENABLED" and rule.event_pattern.matches_event(message):
                    found.extend((str(bus.name), str(target["Arn"])) for target in rule.targets)
        return found

    def _bus_for(self, source: str, detail_type: str, detail: Mapping[str, Any]) -> str:
        targets = self.matching_targets(source, detail_type, detail)
        if targets:
            return targets[0][0]
        buses = [r.physical_id for r in self._resources.values() if r.type == BUS_TYPE]
        return str(buses[0]) if len(buses) == 1 else "default"


def _event_time(value: Any) -> str:
    if value is None:
        return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(value)


def _target_input(target: Mapping[str, Any], message: Any) -> Any:
    """What EventBridge hands the target: the event, or `Input` / `InputPath` / `InputTransformer`."""
    if target.get("Input"):
        return json.loads(str(target["Input"]))
    if target.get("InputPath"):
        value: Any = message
        for key in str(target["InputPath"]).lstrip("$").strip(".").split("."):
            if key:
                value = value.get(key) if isinstance(value, dict) else None
        return value
    transformer = target.get("InputTransformer")
    if transformer:
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
    return message


# ---------------------------------------------------------------------------------------------
# Process-wide patches of moto: installed once, they look up the current stack
# ---------------------------------------------------------------------------------------------
_CURRENT: Stack | None = None
_PATCH_LOCK = threading.Lock()
_DYNAMODB_LOCK = threading.Lock()  # one DynamoDB request at a time (see dynamodb_call_action)
_PATCHED = False
# Threads of closed stacks (their state machine executions, async invocations). moto may let an
# execution run on after its test: it must not reach the next test's stack, whose functions
# have the same names. Their invocations fail and their events are not recorded.
_RETIRED_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


def _retire_threads(own: list[threading.Thread]) -> None:
    from moto.stepfunctions.parser.utils import TMP_THREADS

    for thread in [*TMP_THREADS, *own]:
        if thread.is_alive() and thread is not threading.current_thread():
            _RETIRED_THREADS.add(thread)


def _in_retired_thread() -> bool:
    return threading.current_thread() in _RETIRED_THREADS


def current_stack() -> Stack | None:
    """The stack the moto patches route to (the last one deployed and not closed)."""
    return _CURRENT


def _delivered_locally(arn: str) -> bool:
    return arn.startswith("arn:") and arn.split(":")[2] in ("lambda", "states", "firehose")


def _install_patches() -> None:
    global _PATCHED
    with _PATCH_LOCK:
        if _PATCHED:
            return
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.dynamodb.responses import DynamoHandler
        from moto.events.models import EventsBackend, Rule

        original_invoke = LambdaSimpleBackend.invoke
        original_put_events = EventsBackend.put_events
        original_send_to_targets = Rule.send_to_targets

        def invoke(
            self: Any,
            function_name: str,
            qualifier: str | None,
            body: Any,
            headers: Any,
            response_headers: Any,
        ) -> str | bytes | None:
            stack = _CURRENT
            if _in_retired_thread():
                response_headers["x-amz-function-error"] = "Unhandled"
                error = {"errorType": "StackClosed", "errorMessage": "the stack of this execution is closed"}
                return json.dumps(error).encode()
            if stack is not None:
                fn = self.get_function(function_name, qualifier)
                local = stack._find_function(fn.function_name)
                if local is not None:
                    return stack._invoke_for_moto(local, body, headers, response_headers)
            result: str | bytes | None = original_invoke(
                self, function_name, qualifier, body, headers, response_headers
            )
            return result

        def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
            results: list[dict[str, Any]] = original_put_events(self, events)
            stack = _CURRENT
            if stack is not None and not _in_retired_thread():
                stack._after_put_events(self, events, results)
            return results

        def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
            # moto raises NotImplementedError for Lambda / Step Functions targets: those are
            # delivered by the stack after the put; moto keeps its own (SQS, logs, buses).
            others = [t for t in self.targets if not _delivered_locally(str(t["Arn"]))]
            if len(others) == len(self.targets):
                original_send_to_targets(self, original_event, transform_input)
            elif others:
                rule = copy.copy(self)
                rule.targets = others
                original_send_to_targets(rule, original_event, transform_input)

        from moto.stepfunctions.parser.models import StepFunctionsParserBackend

        original_validate = StepFunctionsParserBackend._validate_definition
        valid_definitions: set[str] = set()

        def validate_definition(definition: str) -> None:
            # Parsing ASL costs ~0.2 s; every test deploys the same definition.
            if definition not in valid_definitions:
                original_validate(definition)
                valid_definitions.add(definition)

        setattr(StepFunctionsParserBackend, "_validate_definition", staticmethod(validate_definition))  # noqa: B010
        original_dynamodb_call = DynamoHandler.call_action

        def dynamodb_call_action(self: Any) -> Any:
            # DynamoDB applies a conditional write or a transaction atomically; moto checks and
            # writes in two steps, so two threads could both pass a condition. One at a time.
            with _DYNAMODB_LOCK:
                answer = original_dynamodb_call(self)
            # Then, as DynamoDB Streams -> Lambda does (in this thread, once the write is applied),
            # the stream records of the tables written go to the functions consuming them.
            stack = _CURRENT
            if stack is not None and stack._streams and not _in_retired_thread():
                params = self.body if isinstance(self.body, dict) else {}  # parsed by call_action
                tables = written_tables(str(self._get_action()), params)
                if tables:
                    stack._after_dynamodb_write(tables)
            return answer

        setattr(DynamoHandler, "call_action", dynamodb_call_action)  # noqa: B010
        setattr(LambdaSimpleBackend, "invoke", invoke)  # noqa: B010 - patching a class on purpose
        setattr(EventsBackend, "put_events", put_events)  # noqa: B010
        setattr(Rule, "send_to_targets", send_to_targets)  # noqa: B010
        _PATCHED = True


# ---------------------------------------------------------------------------------------------
# Deploying
# ---------------------------------------------------------------------------------------------
def deploy(
    parameters: Mapping[str, str] | None = None,
    *,
    template: Path | str = TEMPLATE_PATH,
    stack_name: str = DEFAULT_STACK_NAME,
    region: str = REGION,
    records_dir: Path | str | None = None,
) -> Stack:
    """Create the template's resources in the active moto mock and return the stack.

    Must run inside `mock_aws(config=MOTO_CONFIG)`. `parameters` override the template defaults.
    `records_dir` is where the Firehose delivery streams write (a temporary folder, removed on
    close, when not given); the analytics code reads it (ANALYTICS_LOCAL_DIR).
    """
    from moto.core.config import default_user_config

    lambda_config = default_user_config.get("lambda", {})
    sfn_config = default_user_config.get("stepfunctions", {})
    if lambda_config.get("use_docker", True) is not False or not sfn_config.get("execute_state_machine"):
        raise RuntimeError("deploy() needs mock_aws(config=MOTO_CONFIG) to be active")
    for name, value in FAKE_CREDENTIALS.items():
        os.environ.setdefault(name, value)
    os.environ["AWS_DEFAULT_REGION"] = region
    _install_patches()
    previous = _CURRENT
    if previous is not None:
        previous.close()
    deployer = _Deployer(Path(template), stack_name, region, parameters)
    if records_dir is None:
        deployer.stack.records_dir = Path(tempfile.mkdtemp(prefix="returns-records-"))
        deployer.stack._owns_records_dir = True
    else:
        deployer.stack.records_dir = Path(records_dir)
    return deployer.run()


class _Deployer:
    """One deployment: resolves the template and creates its resources in moto, in an order that
    lets any resource refer to any other (ids are known before anything is created)."""

    def __init__(
        self, template_path: Path, stack_name: str, region: str, overrides: Mapping[str, str] | None
    ) -> None:
        self.template = load_template(template_path)
        self.stack = Stack(template_path, stack_name, region)
        self.overrides = overrides
        self.resources: dict[str, _Resource] = {}
        self.globals: dict[str, Any] = self.template.get("Globals") or {}
        self.role_arn = ""
        self.seq = next(_DEPLOY_COUNTER)

    # -- ids -----------------------------------------------------------------------------------
    def _arn(self, service: str, resource: str, *, region: bool = True) -> str:
        return f"arn:aws:{service}:{self.stack.region if region else ''}:{self.stack.account_id}:{resource}"

    def _fallback_id(self, logical_id: str, attribute: str | None) -> str:
        """Ids of resources the local stack does not create (roles, log groups, the layer)."""
        name = f"{self.stack.stack_name}-{logical_id}"
        spec = self.template["Resources"].get(logical_id) or {}
        kind = str(spec.get("Type", ""))
        if attribute is None:
            if kind == "AWS::Serverless::LayerVersion":
                return self._arn("lambda", f"layer:{name}:1")
            return name
        if attribute == "Arn":
            if kind.startswith("AWS::IAM::") or logical_id.endswith("Role"):
                return self._arn("iam", f"role/{name}", region=False)
            if kind == "AWS::Logs::LogGroup":
                return self._arn("logs", f"log-group:{name}:*")
            return self._arn("cloudformation", f"{self.stack.stack_name}/{logical_id}")
        return f"{name}-{attribute}"

    def _name(self, logical_id: str, props: Mapping[str, Any], key: str, max_len: int = 64) -> str:
        explicit = props.get(key)
        if explicit:
            return str(self.resolver.resolve(explicit))
        return f"{self.stack.stack_name}-{logical_id}"[:max_len]

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> Stack:
        global _CURRENT
        stack = self.stack
        sts = stack.client("sts")
        stack.account_id = str(sts.get_caller_identity()["Account"])
        stack.parameters = parameter_values(self.template, self.overrides)
        pseudo = {
            "AWS::Region": stack.region,
            "AWS::AccountId": stack.account_id,
            "AWS::Partition": "aws",
            "AWS::StackName": stack.stack_name,
            "AWS::StackId": self._arn("cloudformation", f"stack/{stack.stack_name}/{uuid.uuid4()}"),
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": "",
        }
        self.resolver = Resolver(
            self.template, stack.parameters, pseudo, _Ids(self.resources, self._fallback_id)
        )
        for logical_id, spec in self.template["Resources"].items():
            if not isinstance(spec, dict) or "Type" not in spec:
                raise TemplateError(f"resource {logical_id} has no Type")
            if "Condition" in spec and not self.resolver.condition(str(spec["Condition"])):
                continue
            properties = dict(spec.get("Properties") or {})
            if spec["Type"] in FUNCTION_TYPES and spec["Type"].startswith("AWS::Serverless"):
                properties = _merge_globals(self.globals.get("Function") or {}, properties)
            if spec["Type"] == HTTP_API_TYPE:
                properties = _merge_globals(self.globals.get("HttpApi") or {}, properties)
            self.resources[logical_id] = _Resource(logical_id, str(spec["Type"]), properties)
        stack._resources = self.resources
        self._add_layers_to_path()
        self._add_implicit_api()
        self._predict_ids()

        self.role_arn = self._create_role()
        for resource in self._of(SECRET_TYPE):
            self._create_secret(resource)
        for resource in self._of(*TABLE_TYPES):
            self._create_table(resource)
        for resource in self._of(BUS_TYPE):
            self._create_bus(resource)
        for resource in self._of(QUEUE_TYPE):
            self._create_queue(resource)
        environment = self._environment()
        for resource in self._of(*FUNCTION_TYPES):
            self._create_function(resource, environment)
        for resource in self._of(*STATE_MACHINE_TYPES):
            self._create_state_machine(resource)
        for resource in self._of(HTTP_API_TYPE):
            self._register_api(resource)
        for resource in self._of(*FUNCTION_TYPES, *STATE_MACHINE_TYPES):
            self._register_events(resource)
        for resource in self._of(RULE_TYPE):
            self._create_rule(resource)
        stack.firehose = LocalFirehose(
            stack.records_dir,
            {
                str(r.attributes["Arn"]): Stream.of(str(r.physical_id), self.resolver.resolve(r.properties))
                for r in self._of(STREAM_TYPE)
            },
        )

        self._apply_environment(environment)
        _CURRENT = stack
        return stack

    def _of(self, *types: str) -> Iterator[_Resource]:
        return (r for r in list(self.resources.values()) if r.type in types)

    def _add_layers_to_path(self) -> None:
        """Layer code is importable in Lambda (/opt/python): here, its ContentUri on sys.path."""
        for resource in self._of("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            props = resource.properties
            uri = self.resolver.resolve(props.get("ContentUri", props.get("Content")))
            if isinstance(uri, str):
                directory = str((self.stack.root / uri).resolve())
                if directory not in sys.path:
                    sys.path.insert(0, directory)

    def _add_implicit_api(self) -> None:
        """SAM creates `ServerlessHttpApi` for HttpApi events that name no ApiId."""
        if IMPLICIT_HTTP_API in self.resources:
            return
        for resource in self._of(*FUNCTION_TYPES):
            for event in (resource.properties.get("Events") or {}).values():
                if event.get("Type") == "HttpApi" and not (event.get("Properties") or {}).get("ApiId"):
                    self.resources[IMPLICIT_HTTP_API] = _Resource(
                        IMPLICIT_HTTP_API, HTTP_API_TYPE, dict(self.globals.get("HttpApi") or {})
                    )
                    return

    def _predict_ids(self) -> None:
        """Names and ARNs of everything before anything is created, so references can go either way
        (a function's environment naming the state machine that calls the function)."""
        stack = self.stack
        # Rules last: their ARN depends on the (predicted) name of their bus.
        ordered = sorted(self.resources.values(), key=lambda r: r.type == RULE_TYPE)
        for r in ordered:
            props = r.properties
            if r.type in TABLE_TYPES:
                name = self._name(r.logical_id, props, "TableName", 255)
                r.physical_id = name
                r.attributes = {"Arn": self._arn("dynamodb", f"table/{name}")}
            elif r.type == SECRET_TYPE:
                name = self._name(r.logical_id, props, "Name", 512)
                r.physical_id = self._arn("secretsmanager", f"secret:{name}")
                r.attributes = {"Id": r.physical_id, "Name": name}
            elif r.type == QUEUE_TYPE:
                name = self._name(r.logical_id, props, "QueueName", 80)
                r.physical_id = f"https://sqs.{stack.region}.amazonaws.com/{stack.account_id}/{name}"
                r.attributes = {"Arn": self._arn("sqs", name), "QueueName": name, "QueueUrl": r.physical_id}
            elif r.type == BUS_TYPE:
                name = self._name(r.logical_id, props, "Name", 256)
                r.physical_id = name
                r.attributes = {"Name": name, "Arn": self._arn("events", f"event-bus/{name}")}
            elif r.type in FUNCTION_TYPES:
                name = self._name(r.logical_id, props, "FunctionName")
                r.physical_id = name
                r.attributes = {"Arn": self._arn("lambda", f"function:{name}")}
            elif r.type in STATE_MACHINE_TYPES:
                key = "Name" if r.type.startswith("AWS::Serverless") else "StateMachineName"
                name = self._name(r.logical_id, props, key, 80)
                arn = self._arn("states", f"stateMachine:{name}")
                r.physical_id = arn
                r.attributes = {"Arn": arn, "Name": name}
                stack.state_machines[r.logical_id] = arn
            elif r.type == RULE_TYPE:
                name = self._name(r.logical_id, props, "Name")
                r.physical_id = name
                bus = props.get("EventBusName")
                bus_name = _bus_name(self.resolver.resolve(bus)) if bus else "default"
                prefix = "" if bus_name == "default" else f"{bus_name}/"
                r.attributes = {"Arn": self._arn("events", f"rule/{prefix}{name}")}
            elif r.type == STREAM_TYPE:
                name = self._name(r.logical_id, props, "DeliveryStreamName")
                r.physical_id = name
                r.attributes = {"Arn": self._arn("firehose", f"deliverystream/{name}")}
            elif r.type == HTTP_API_TYPE:
                api_id = hashlib.sha1(f"{stack.stack_name}/{r.logical_id}".encode()).hexdigest()[:10]
                r.physical_id = api_id
                r.attributes = {
                    "ApiId": api_id,
                    "ApiEndpoint": f"https://{api_id}.execute-api.{stack.region}.amazonaws.com",
                }
                stack._api_ids[r.logical_id] = api_id

    # -- creators ------------------------------------------------------------------------------
    def _create_role(self) -> str:
        iam = self.stack.client("iam")
        name = f"{self.stack.stack_name}-local-execution"[:64]
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        try:
            return str(
                iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            )
        except iam.exceptions.EntityAlreadyExistsException:
            return str(iam.get_role(RoleName=name)["Role"]["Arn"])

    def _create_secret(self, resource: _Resource) -> None:
        props = self.resolver.resolve(resource.properties)
        client = self.stack.client("secretsmanager")
        name = resource.attributes["Name"]
        if "SecretString" in props:
            value = str(props["SecretString"])
        else:
            value = _generate_secret(props.get("GenerateSecretString") or {})
        kwargs: dict[str, Any] = {"Name": name, "SecretString": value}
        if props.get("Description"):
            kwargs["Description"] = str(props["Description"])
        arn = str(client.create_secret(**kwargs)["ARN"])
        resource.physical_id = arn
        resource.attributes["Id"] = arn

    def _create_table(self, resource: _Resource) -> None:
        props = self.resolver.resolve(resource.properties)
        client = self.stack.client("dynamodb")
        kwargs = (
            _simple_table_request(props)
            if resource.type == "AWS::Serverless::SimpleTable"
            else _table_request(props)
        )
        kwargs["TableName"] = resource.physical_id
        description = client.create_table(**kwargs)["TableDescription"]
        if description.get("LatestStreamArn"):
            resource.attributes["StreamArn"] = description["LatestStreamArn"]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and _truthy(ttl.get("Enabled", True)):
            client.update_time_to_live(
                TableName=resource.physical_id,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": str(ttl["AttributeName"])},
            )

    def _create_queue(self, resource: _Resource) -> None:
        props = self.resolver.resolve(resource.properties)
        attributes = {
            key: str(props[key])
            for key in ("DelaySeconds", "MessageRetentionPeriod", "VisibilityTimeout", "FifoQueue")
            if key in props
        }
        answer = self.stack.client("sqs").create_queue(
            QueueName=str(resource.attributes["QueueName"]), Attributes=attributes
        )
        resource.physical_id = resource.attributes["QueueUrl"] = str(answer["QueueUrl"])

    def _create_bus(self, resource: _Resource) -> None:
        if resource.physical_id == "default":
            return
        self.stack.client("events").create_event_bus(Name=resource.physical_id)

    def _environment(self) -> dict[str, str]:
        """The one environment every function gets: Globals, then each function's own (merged).
        Two functions giving one variable different values is an error (one os.environ)."""
        environment: dict[str, str] = {}
        owners: dict[str, str] = {}
        for resource in self._of(*FUNCTION_TYPES):
            variables = self.resolver.resolve(
                (resource.properties.get("Environment") or {}).get("Variables") or {}
            )
            for name, value in variables.items():
                text = _env_text(value)
                if name in environment and environment[name] != text:
                    raise TemplateError(
                        f"environment variable {name} differs between {owners[name]} and"
                        f" {resource.logical_id}: the local stack runs every function with one environment"
                    )
                environment[name] = text
                owners.setdefault(name, resource.logical_id)
        if not environment:
            variables = self.resolver.resolve(
                ((self.globals.get("Function") or {}).get("Environment") or {}).get("Variables") or {}
            )
            environment = {name: _env_text(value) for name, value in variables.items()}
        return environment

    def _create_function(self, resource: _Resource, environment: dict[str, str]) -> None:
        props = resource.properties
        if str(props.get("PackageType", "Zip")) != "Zip":
            raise TemplateError(f"{resource.logical_id}: only Zip functions run locally")
        code_uri = self.resolver.resolve(props.get("CodeUri", props.get("Code")))
        if not isinstance(code_uri, str):
            raise TemplateError(f"{resource.logical_id}: CodeUri must be a local directory, got {code_uri!r}")
        handler = str(self.resolver.resolve(props.get("Handler", "")))
        if "." not in handler:
            raise TemplateError(f"{resource.logical_id}: Handler must be module.function, got {handler!r}")
        timeout = int(self.resolver.resolve(props.get("Timeout", 3)))
        memory = int(self.resolver.resolve(props.get("MemorySize", 128)))
        local = LocalFunction(
            logical_id=resource.logical_id,
            name=str(resource.physical_id),
            arn=str(resource.attributes["Arn"]),
            code_dir=(self.stack.root / code_uri).resolve(),
            handler=handler,
            timeout=timeout,
            memory=memory,
            module_name=f"_local_fn_{self.seq}_{resource.logical_id}",
        )
        self.stack.client("lambda").create_function(
            FunctionName=local.name,
            Runtime=str(self.resolver.resolve(props.get("Runtime", "python3.11"))),
            Role=self.role_arn,
            Handler=handler,
            Code={"ZipFile": _DUMMY_ZIP},
            Timeout=timeout,
            MemorySize=memory,
            Environment={"Variables": environment},
        )
        self.stack.functions[resource.logical_id] = local
        invoke_config = self.resolver.resolve(props.get("EventInvokeConfig") or {})
        on_failure = ((invoke_config.get("DestinationConfig") or {}).get("OnFailure") or {}).get(
            "Destination"
        )
        retries = int(invoke_config.get("MaximumRetryAttempts", 2))
        self.stack._async[resource.logical_id] = (retries, str(on_failure) if on_failure else None)
        self.stack._function_by_name[local.name] = local

    def _create_state_machine(self, resource: _Resource) -> None:
        props = resource.properties
        substitutions = {
            str(k): _env_text(v)
            for k, v in self.resolver.resolve(props.get("DefinitionSubstitutions") or {}).items()
        }
        if "DefinitionUri" in props:
            uri = self.resolver.resolve(props["DefinitionUri"])
            if not isinstance(uri, str):
                raise TemplateError(f"{resource.logical_id}: DefinitionUri must be a local file, got {uri!r}")
            path = self.stack.root / uri
            # Substituted as text before parsing, as Step Functions does: an unquoted
            # placeholder (`"HeartbeatSeconds": ${ReviewTimeout}`) becomes a number.
            text = _substitute(path.read_text(encoding="utf-8"), substitutions, resource.logical_id)
            try:
                parsed = yaml.safe_load(text) if path.suffix in (".yaml", ".yml") else json.loads(text)
            except (ValueError, yaml.YAMLError) as exc:
                where = f"{resource.logical_id}: {path}"
                raise TemplateError(f"{where} is not valid after substitution: {exc}") from exc
        elif "Definition" in props:
            inline = json.dumps(self.resolver.resolve(props["Definition"]))
            parsed = json.loads(_substitute(inline, substitutions, resource.logical_id))
        elif "DefinitionString" in props:
            raw = str(self.resolver.resolve(props["DefinitionString"]))
            parsed = json.loads(_substitute(raw, substitutions, resource.logical_id))
        else:
            raise TemplateError(f"{resource.logical_id}: no Definition, DefinitionUri or DefinitionString")
        rendered = json.dumps(parsed)
        kind = str(self.resolver.resolve(props.get("Type", props.get("StateMachineType", "STANDARD"))))
        if kind not in ("STANDARD", "EXPRESS"):
            raise TemplateError(f"{resource.logical_id}: Type must be STANDARD or EXPRESS, got {kind!r}")
        machine_type: Any = kind
        client = self.stack.client("stepfunctions")
        client.create_state_machine(
            name=str(resource.attributes["Name"]),
            definition=rendered,
            roleArn=self.role_arn,
            type=machine_type,
        )

    def _register_api(self, resource: _Resource) -> None:
        auth = self.resolver.resolve(resource.properties.get("Auth") or {})
        for name, spec in (auth.get("Authorizers") or {}).items():
            jwt = spec.get("JwtConfiguration") or {}
            audience = jwt.get("audience", jwt.get("Audience", []))
            self.stack.authorizers[name] = {
                "api": resource.logical_id,
                "issuer": jwt.get("issuer", jwt.get("Issuer")),
                "audience": audience if isinstance(audience, list) else [audience],
                "identitySource": spec.get("IdentitySource", "$request.header.Authorization"),
            }
        resource.attributes["_DefaultAuthorizer"] = auth.get("DefaultAuthorizer")
        cors = resource.properties.get("CorsConfiguration")
        if cors:
            resolved = self.resolver.resolve(cors)
            # `CorsConfiguration: true` (SAM) allows every origin, method and header.
            everything = {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
            self.stack._cors[resource.logical_id] = resolved if isinstance(resolved, dict) else everything

    def _register_events(self, resource: _Resource) -> None:
        """The `Events` of a function / state machine: HttpApi routes and EventBridge rules."""
        for event_id, event in (resource.properties.get("Events") or {}).items():
            kind = event.get("Type")
            props = self.resolver.resolve(event.get("Properties") or {})
            if kind == "HttpApi" and resource.type in FUNCTION_TYPES:
                self._add_route(resource, event_id, props)
            elif kind == "DynamoDB" and resource.type in FUNCTION_TYPES:
                self._add_stream(resource, props)
            elif kind in RULE_EVENT_TYPES:
                bus = _bus_name(props.get("EventBusName", "default"))
                rule_name = str(
                    props.get("RuleName") or f"{self.stack.stack_name}-{resource.logical_id}-{event_id}"
                )
                self._put_rule(
                    rule_name[:64],
                    bus,
                    props.get("Pattern"),
                    str(props.get("State", "ENABLED")),
                    [{"Id": f"{resource.logical_id}Target", "Arn": str(resource.attributes["Arn"])}],
                )

    def _add_stream(self, resource: _Resource, props: Mapping[str, Any]) -> None:
        """A DynamoDB stream event source: delivered after each write (local/streams.py)."""
        stream = str(props["Stream"])
        destination = ((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
        mapping = StreamMapping(
            function=self.stack.functions[resource.logical_id],
            stream_arn=stream,
            batch_size=int(props.get("BatchSize", 100)),
            max_retries=int(props.get("MaximumRetryAttempts", -1)),
            report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
            on_failure=None if destination is None else str(destination),
            starting_position=str(props.get("StartingPosition", "TRIM_HORIZON")),
        )
        stack = self.stack
        stack._streams.append(
            StreamDelivery(
                mapping=mapping,
                streams=streams_client(stack.region),
                lock=_DYNAMODB_LOCK,
                closed=lambda: stack._closed,
                send_to_queue=stack._send_to_queue,
                region=stack.region,
            )
        )

    def _add_route(self, resource: _Resource, event_id: str, props: Mapping[str, Any]) -> None:
        api_logical = _api_logical_id(props.get("ApiId"), self.resources) or IMPLICIT_HTTP_API
        api = self.resources.get(api_logical)
        if api is None:
            raise TemplateError(
                f"{resource.logical_id}.{event_id}: HttpApi {api_logical} is not in the template"
            )
        auth = props.get("Auth") or {}
        authorizer = auth.get("Authorizer", api.attributes.get("_DefaultAuthorizer"))
        if authorizer == "NONE":
            authorizer = None
        if authorizer is not None and authorizer not in self.stack.authorizers:
            raise TemplateError(f"{resource.logical_id}.{event_id}: unknown authorizer {authorizer!r}")
        method = str(props.get("Method", "ANY")).upper()
        path = str(props.get("Path", "$default"))
        if method == "X-AMAZON-APIGATEWAY-ANY-METHOD":
            method = "ANY"
        route = Route(
            api=api_logical,
            method=method,
            path=path,
            function=resource.logical_id,
            authorizer=authorizer,
            scopes=tuple(auth.get("AuthorizationScopes") or ()),
        )
        clash = [r for r in self.stack.routes if r.api == api_logical and r.route_key == route.route_key]
        if clash:
            raise TemplateError(
                f"route {route.route_key} is declared by {clash[0].function} and {resource.logical_id}"
            )
        self.stack.routes.append(route)

    def _create_rule(self, resource: _Resource) -> None:
        props = self.resolver.resolve(resource.properties)
        if "EventPattern" not in props:
            return  # schedules do not fire locally
        targets = [
            {k: v for k, v in target.items() if k in ("Id", "Arn", "Input", "InputPath", "InputTransformer")}
            for target in props.get("Targets") or []
        ]
        for target in targets:
            if isinstance(target.get("Input"), dict):
                target["Input"] = json.dumps(target["Input"])
        self._put_rule(
            str(resource.physical_id),
            _bus_name(props.get("EventBusName", "default")),
            props["EventPattern"],
            str(props.get("State", "ENABLED")),
            targets,
        )

    def _put_rule(self, name: str, bus: str, pattern: Any, state: str, targets: list[dict[str, Any]]) -> None:
        client = self.stack.client("events")
        client.put_rule(
            Name=name,
            EventBusName=bus,
            EventPattern=pattern if isinstance(pattern, str) else json.dumps(pattern),
            State=state,  # ENABLED or DISABLED: moto refuses others
        )
        if targets:
            client.put_targets(Rule=name, EventBusName=bus, Targets=targets)

    def _apply_environment(self, environment: dict[str, str]) -> None:
        stack = self.stack
        stack.env = dict(environment)
        local = {
            "AWS_DEFAULT_REGION": stack.region,
            "AWS_REGION": stack.region,
            "POWERTOOLS_TRACE_DISABLED": "true",
            ANALYTICS_LOCAL_DIR: str(stack.records_dir),
        }
        for name, value in {**local, **environment}.items():
            stack._saved_environ.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        _forget_cached_clients()


_DEPLOY_COUNTER = iter(range(1, sys.maxsize))


def _forget_cached_clients() -> None:
    """A fresh stack, fresh caches: the service's cached boto3 clients (``returns_service.aws``,
    functools caches) and Powertools' cached parameters (secrets of the previous stack)."""
    try:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()  # type: ignore[no-untyped-call]
    except ModuleNotFoundError:
        pass
    module = sys.modules.get("returns_service.aws")
    for value in vars(module).values() if module is not None else ():
        clear = getattr(value, "cache_clear", None)
        if callable(clear):
            clear()


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------
def _merge_globals(global_props: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """SAM Globals: the resource's own values win; maps merge, lists and scalars are replaced
    (Environment.Variables merge, Layers append as SAM does)."""
    merged: dict[str, Any] = {}
    for key in set(global_props) | set(own):
        if key not in own:
            merged[key] = global_props[key]
        elif key not in global_props:
            merged[key] = own[key]
        elif key == "Layers" and isinstance(global_props[key], list) and isinstance(own[key], list):
            merged[key] = [*global_props[key], *own[key]]
        elif (
            isinstance(global_props[key], dict) and isinstance(own[key], dict) and not _is_intrinsic(own[key])
        ):
            merged[key] = _merge_globals(global_props[key], own[key])
        else:
            merged[key] = own[key]
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    if len(value) == 1 and next(iter(value)) in ("Ref", "Condition"):
        return True
    return any(k.startswith("Fn::") for k in value)


def _api_logical_id(api_ref: Any, resources: Mapping[str, _Resource]) -> str | None:
    """The logical id an event's `ApiId` points at (a resolved id, or `!Ref Api` already resolved)."""
    if api_ref is None:
        return None
    for resource in resources.values():
        if resource.type == HTTP_API_TYPE and api_ref in (resource.physical_id, resource.logical_id):
            return resource.logical_id
    raise TemplateError(f"ApiId {api_ref!r} is not an AWS::Serverless::HttpApi of the template")


def _bus_name(value: Any) -> str:
    """An EventBusName property may hold a name or an ARN."""
    text = str(value)
    return text.rsplit("/", 1)[-1] if text.startswith("arn:") else text


def _env_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        raise TemplateError(f"environment values must be scalars, got {value!r}")
    return str(value)


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _substitute(text: str, substitutions: Mapping[str, str], where: str) -> str:
    """DefinitionSubstitutions: each `${Key}` replaced; a placeholder without a value is an error
    (it would reach Step Functions as a literal and fail at run time, far from the typo)."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in substitutions:
            raise TemplateError(f"{where}: definition uses ${{{key}}}, not in DefinitionSubstitutions")
        return substitutions[key]

    return re.sub(r"\$\{([A-Za-z0-9_.:-]+)\}", replace, text)


def _table_request(props: Mapping[str, Any]) -> dict[str, Any]:
    """AWS::DynamoDB::Table properties -> CreateTable arguments."""
    billing = str(props.get("BillingMode", "PROVISIONED"))
    request: dict[str, Any] = {
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": billing,
    }
    if billing == "PROVISIONED":
        request["ProvisionedThroughput"] = _throughput(props.get("ProvisionedThroughput"))
    indexes = []
    for index in props.get("GlobalSecondaryIndexes") or []:
        gsi = {k: index[k] for k in ("IndexName", "KeySchema", "Projection") if k in index}
        if billing == "PROVISIONED":
            gsi["ProvisionedThroughput"] = _throughput(index.get("ProvisionedThroughput"))
        indexes.append(gsi)
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    local_indexes = [
        {k: index[k] for k in ("IndexName", "KeySchema", "Projection") if k in index}
        for index in props.get("LocalSecondaryIndexes") or []
    ]
    if local_indexes:
        request["LocalSecondaryIndexes"] = local_indexes
    stream = props.get("StreamSpecification")
    if stream and stream.get("StreamViewType"):
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    # SSESpecification is left out: encryption at rest changes nothing locally, and moto would
    # generate a KMS key for it (~70 ms per table per test).
    if props.get("Tags"):
        request["Tags"] = props["Tags"]
    if "DeletionProtectionEnabled" in props:
        request["DeletionProtectionEnabled"] = _truthy(props["DeletionProtectionEnabled"])
    return request


def _simple_table_request(props: Mapping[str, Any]) -> dict[str, Any]:
    """AWS::Serverless::SimpleTable: one hash key (default `id`, String)."""
    key = props.get("PrimaryKey") or {"Name": "id", "Type": "String"}
    kinds = {"String": "S", "Number": "N", "Binary": "B"}
    request: dict[str, Any] = {
        "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": kinds[str(key["Type"])]}],
    }
    if props.get("ProvisionedThroughput"):
        request["BillingMode"] = "PROVISIONED"
        request["ProvisionedThroughput"] = _throughput(props["ProvisionedThroughput"])
    else:
        request["BillingMode"] = "PAY_PER_REQUEST"
    if props.get("Tags"):
        request["Tags"] = [{"Key": str(k), "Value": str(v)} for k, v in props["Tags"].items()]
    return request


def _throughput(value: Any) -> dict[str, int]:
    value = value or {}
    return {
        "ReadCapacityUnits": int(value.get("ReadCapacityUnits", 5)),
        "WriteCapacityUnits": int(value.get("WriteCapacityUnits", 5)),
    }


def _generate_secret(spec: Mapping[str, Any]) -> str:
    """GenerateSecretString: a random password, optionally placed in SecretStringTemplate."""
    length = int(spec.get("PasswordLength", 32))
    alphabet = ""
    if not _truthy(spec.get("ExcludeLowercase", False)):
        alphabet += string.ascii_lowercase
    if not _truthy(spec.get("ExcludeUppercase", False)):
        alphabet += string.ascii_uppercase
    if not _truthy(spec.get("ExcludeNumbers", False)):
        alphabet += string.digits
    if not _truthy(spec.get("ExcludePunctuation", False)):
        alphabet += "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    if _truthy(spec.get("IncludeSpace", False)):
        alphabet += " "
    excluded = str(spec.get("ExcludeCharacters", ""))
    alphabet = "".join(c for c in alphabet if c not in excluded)
    if not alphabet:
        raise TemplateError("GenerateSecretString excludes every character")
    password = "".join(secrets.choice(alphabet) for _ in range(length))
    template = spec.get("SecretStringTemplate")
    if template:
        document = json.loads(str(template))
        document[str(spec.get("GenerateStringKey", "password"))] = password
        return json.dumps(document)
    return password
