"""Deploys template.yaml into moto so the tests and `make run` exercise what AWS would run.

moto's CloudFormation cannot deploy a SAM application, so the local stack reads the template
itself and creates, in moto, every resource the service talks to. Its parts, one job each:

- local/template.py: reading the template (tags, parameters, intrinsic functions);
- local/resources.py: creating the template's resources in moto (tables, secrets, bus, rules,
  queues, functions, state machines, routes, stream consumers, Firehose streams);
- local/lambdas.py: the functions' real handlers, called in-process as Lambda calls them;
- local/statemachines.py: the definitions as Step Functions renders them, waiting for executions;
- local/eventbridge.py: what is put on a bus, recorded and delivered to the rules' targets;
- local/streams.py: DynamoDB Streams -> Lambda (the outbox's delivery);
- local/firehose.py: Firehose streams writing to a folder that stands for their S3 bucket;
- local/httpapi.py: API Gateway HTTP API (routes, the JWT gate, CORS, payload format 2.0);
- local/moto_patches.py: where moto is patched, pinned to its version.

Each Lambda invocation (from Step Functions, EventBridge, a stream or an HTTP request) runs the
real handler in-process, so one test covers the handler, the workflow and the tables together.

Usage::

    with mock_aws(config=MOTO_CONFIG):
        stack = deploy(parameters={"ReviewTimeoutSeconds": "2"})
        resp = stack.http("POST", "/returns", body={...}, claims={"sub": "cust-1001"})
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

from local import function_environment, moto_patches
from local.eventbridge import EventBridge, matching_rules
from local.httpapi import HttpApi, HttpResponse
from local.lambdas import LambdaContext, Lambdas, LocalFunction, function_error_payload
from local.resources import Resources, deploy_resources
from local.statemachines import stop_running, wait_execution
from local.template import TemplateError

if TYPE_CHECKING:
    from moto.core.config import DefaultConfig

__all__ = [
    "MOTO_CONFIG",
    "NO_TOKEN",
    "REPO_ROOT",
    "TEMPLATE_PATH",
    "HttpResponse",
    "LambdaContext",
    "LocalFunction",
    "Stack",
    "TemplateError",
    "deploy",
    "function_error_payload",
]

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
# Where the analytics code finds the records the local Firehose streams write (the bucket).
ANALYTICS_LOCAL_DIR = "ANALYTICS_LOCAL_DIR"
NO_TOKEN = HttpApi.NO_TOKEN


class Stack:
    """A deployed copy of the template inside the current moto mock: its resources and the ways
    to reach them (HTTP routes, functions, buses, state machines)."""

    def __init__(self, template_path: Path, stack_name: str, region: str, records_dir: Path) -> None:
        self.template_path = template_path
        self.root = template_path.parent
        self.stack_name = stack_name
        self.region = region
        self.account_id = "123456789012"
        self.records_dir = records_dir
        self._closed = False
        self._saved_environ: dict[str, str | None] = {}
        self._owns_records_dir = False
        self.lambdas = Lambdas(self._record_delivery_error, self.send_to_queue)
        self.resources = Resources()
        self.bridge = EventBridge(self.lambdas, self._start_execution, self._is_state_machine)
        self.api = HttpApi(self.lambdas.find)

    # -- what tests and tools read ---------------------------------------------------------------
    @property
    def parameters(self) -> dict[str, Any]:
        return self.resources.parameters

    @property
    def env(self) -> dict[str, str]:
        return self.resources.env

    @property
    def functions(self) -> dict[str, LocalFunction]:
        return self.lambdas.functions

    @property
    def state_machines(self) -> dict[str, str]:
        return self.resources.state_machines

    @property
    def routes(self) -> list[Any]:
        return self.api.routes

    @property
    def authorizers(self) -> dict[str, dict[str, Any]]:
        return self.api.authorizers

    @property
    def events(self) -> list[dict[str, Any]]:
        return self.bridge.events

    @property
    def delivery_errors(self) -> list[dict[str, Any]]:
        return self.bridge.delivery_errors

    @property
    def firehose(self) -> Any:
        return self.bridge.firehose

    @property
    def closed(self) -> bool:
        return self._closed

    def client(self, service: str) -> Any:
        """A boto3 client of the stack's region, one per service and region for the process:
        clients are thread-safe, creating one costs milliseconds, and moto intercepts whichever
        mock is active (a test session deploys hundreds of stacks)."""
        return harness_client(service, self.region)

    def physical_id(self, logical_id: str) -> Any:
        """The name / ARN the resource was created with (what `Ref` gives in CloudFormation)."""
        return self.resources.physical_id(logical_id)

    def attribute(self, logical_id: str, attribute: str) -> Any:
        """What `Fn::GetAtt logical_id.attribute` gives."""
        return self.resources.attribute(logical_id, attribute)

    @property
    def state_machine_arn(self) -> str:
        """The template's state machine (there must be exactly one to use this shortcut)."""
        if len(self.state_machines) != 1:
            raise LookupError(f"expected one state machine, the template has {sorted(self.state_machines)}")
        return next(iter(self.state_machines.values()))

    # -- reaching the service --------------------------------------------------------------------
    def invoke(self, function: str, event: Any) -> Any:
        """Call a function's handler in-process (by logical id or function name); exceptions propagate."""
        found = self.find_function(function)
        if found is None:
            raise KeyError(f"{function} is not a function of {self.template_path.name}")
        return found.call(event)

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
        return self.api.request(
            method,
            path,
            body=body,
            raw_body=raw_body,
            headers=headers,
            query=query,
            claims=claims,
            account_id=self.account_id,
        )

    def wait_execution(self, execution_arn: str, timeout: float = 10.0) -> dict[str, Any]:
        """Poll `describe_execution` until the execution leaves RUNNING; TimeoutError otherwise."""
        return wait_execution(self.client("stepfunctions"), execution_arn, timeout)

    def put_event(
        self, source: str, detail_type: str, detail: Mapping[str, Any], bus_name: str | None = None
    ) -> str:
        """Put one entry on a bus as an outside publisher would; returns the EventId.

        Without `bus_name`: the bus of the first rule the entry matches, else the template's only
        bus, else the default bus.
        """
        if bus_name is None:
            bus_name = self._bus_for(source, detail_type, detail)
        answer = self.client("events").put_events(
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
        return self.bridge.events_of(detail_type, source)

    def matching_targets(
        self, source: str, detail_type: str, detail: Mapping[str, Any], bus_name: str | None = None
    ) -> list[tuple[str, str]]:
        """(bus, target ARN) of every enabled rule an entry would match (on `bus_name` or any bus)."""
        from moto.backends import get_backend

        backend = get_backend("events")[self.account_id][self.region]
        found: list[tuple[str, str]] = []
        for bus in list(backend.event_buses.values()):
            if bus_name is not None and bus.name != bus_name:
                continue
            message: Any = {"source": source, "detail-type": detail_type, "detail": dict(detail)}
            found.extend(
                (str(bus.name), str(target["Arn"]))
                for _, target in matching_rules(backend, message, bus.name)
            )
        return found

    def _bus_for(self, source: str, detail_type: str, detail: Mapping[str, Any]) -> str:
        targets = self.matching_targets(source, detail_type, detail)
        if targets:
            return targets[0][0]
        buses = self.resources.bus_names()
        return buses[0] if len(buses) == 1 else "default"

    # -- what the moto patches call (local/moto_patches.py) ---------------------------------------
    def find_function(self, name_or_arn: str) -> LocalFunction | None:
        return self.lambdas.find(name_or_arn)

    def invoke_for_moto(
        self, function: LocalFunction, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        return self.lambdas.invoke_api(function, body, headers, response_headers)

    def after_put_events(
        self, backend: Any, entries: list[dict[str, Any]], results: list[dict[str, Any]]
    ) -> None:
        self.bridge.after_put_events(backend, entries, results)

    def after_dynamodb_write(self, tables: set[str]) -> None:
        for delivery in self.resources.streams:
            if delivery.mapping.table in tables:
                delivery.pump()

    def send_to_queue(self, arn: str, body: dict[str, Any]) -> None:
        """An on-failure destination: a message on the SQS queue `arn`."""
        if ":sqs:" not in arn:
            LOG.warning("on-failure destination %s is not a queue; not delivered locally", arn)
            return
        sqs = self.client("sqs")
        url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))

    def _record_delivery_error(self, target: str, event: Any, exc: BaseException) -> None:
        self.bridge.record_error(target, event, exc)

    def _start_execution(self, arn: str, payload: Any) -> None:
        self.client("stepfunctions").start_execution(stateMachineArn=arn, input=json.dumps(payload))

    def _is_state_machine(self, arn: str) -> bool:
        return arn in self.state_machines.values()

    # -- lifetime --------------------------------------------------------------------------------
    def apply_environment(self, environment: Mapping[str, str]) -> None:
        """The functions' environment (and the local-only variables) into os.environ, given back on close."""
        local = {
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
            "POWERTOOLS_TRACE_DISABLED": "true",
            ANALYTICS_LOCAL_DIR: str(self.records_dir),
        }
        for name, value in {**local, **environment}.items():
            self._saved_environ.setdefault(name, os.environ.get(name))
            os.environ[name] = value
        _forget_cached_clients(self.region)

    def close(self) -> None:
        """Stop running executions, forget handler modules and give os.environ back."""
        if self._closed:
            return
        self._closed = True
        try:
            stop_running(self.client("stepfunctions"), list(self.state_machines.values()))
        except Exception:  # the mock may already be gone: nothing left to stop then
            LOG.debug("could not stop executions", exc_info=True)
        threads = list(self.lambdas.threads)
        for delivery in self.resources.streams:
            delivery.cancel()
            threads.extend(delivery.timers)
        moto_patches.retire_threads(threads)
        self.lambdas.unload()
        for name, value in self._saved_environ.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        if self._owns_records_dir:
            shutil.rmtree(self.records_dir, ignore_errors=True)
        if moto_patches.current() is self:
            moto_patches.set_current(None)

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_CLIENTS: dict[tuple[str, str], Any] = {}
_CLIENTS_LOCK = threading.Lock()


def harness_client(service: str, region: str) -> Any:
    """The harness's own boto3 client of `service` in `region` (not the functions': those are
    the service's, made fresh for each stack)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get((service, region))
        if client is None:
            client = _CLIENTS[(service, region)] = boto3.client(service, region_name=region)  # type: ignore[call-overload]
        return client


def current_stack() -> Stack | None:
    """The stack the moto patches route to (the last one deployed and not closed)."""
    stack = moto_patches.current()
    return stack if isinstance(stack, Stack) else None


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
    moto_patches.install()
    previous = current_stack()
    if previous is not None:
        previous.close()
    owned = records_dir is None
    folder = Path(tempfile.mkdtemp(prefix="returns-records-")) if records_dir is None else Path(records_dir)
    stack = Stack(Path(template), stack_name, region, folder)
    stack._owns_records_dir = owned
    environment = deploy_resources(stack, parameters)
    stack.apply_environment(environment)
    function_environment.install()
    moto_patches.set_current(stack)
    return stack


# The service's client getters (returns_service.aws) whose clients outlive a stack of the same
# region: a boto3 client holds nothing of a stack (moto answers whichever mock is active), and
# making them again cost every test ~10 ms of CPU, more with their cold shape caches. Anything
# else cached there (Powertools' secrets provider keeps secret values) is forgotten per stack.
_CLIENT_GETTERS = frozenset(
    {"dynamodb", "dynamodb_client", "stepfunctions", "events", "secretsmanager", "athena"}
)
_CLIENTS_REGION: list[str] = []


def _forget_cached_clients(region: str) -> None:
    """A fresh stack, fresh caches: Powertools' cached parameters (secrets of the previous
    stack), the service's functools caches (``returns_service.aws``) except its boto3 clients
    when the region is the previous stack's."""
    try:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()  # type: ignore[no-untyped-call]
    except ModuleNotFoundError:
        pass
    same_region = [region] == _CLIENTS_REGION
    _CLIENTS_REGION[:] = [region]
    module = sys.modules.get("returns_service.aws")
    for name, value in vars(module).items() if module is not None else ():
        clear = getattr(value, "cache_clear", None)
        if callable(clear) and not (same_region and name in _CLIENT_GETTERS):
            clear()
