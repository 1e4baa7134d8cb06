"""Where the local stack reaches into moto, pinned to the moto version of requirements/dev.txt.

moto has no public hook for any of these; each is installed once per process and looks up the
current stack, so several stacks over a test session need no restore:

- `LambdaSimpleBackend.invoke`: runs the function's handler in-process (moto would echo the event
  or start Docker), for Step Functions' Lambda tasks and boto3 `invoke`.
- `EventsBackend.put_events` / `Rule.send_to_targets`: record the entry and deliver it to Lambda,
  Step Functions and Firehose targets (moto raises NotImplementedError for those). The JSONPaths
  of a target's InputTransformer are parsed once (`jsonpath_ng.ext.parse`, which moto's
  EventTemplateParser calls for every path of every delivery, builds a parser each time).
- `DynamoHandler.call_action`: one DynamoDB request at a time (DynamoDB applies a conditional
  write or a transaction atomically; moto checks and writes in two steps), then the stream
  records of the written tables go to their consumers (local/streams.py).
- `DynamoDBBackend.transact_write_items`: moto deep-copies every table a transaction touches, to
  roll back on failure, including the table's whole stream history: the cost of a transaction
  grew with everything ever written (a third slower after 100 returns). Here only the items the
  transaction names are copied, and a failed transaction puts them back and drops its stream
  records. moto's own method still does the work.
- `UpdateExpressionParser.make`: an update expression is parsed once (moto parsed it two or three
  times a request, character by character). Its AST is only read (`find_clauses`) or copied first
  (the validator works on its own copy), so one parse serves every request with the same text.
- `DynamoType.__deepcopy__` and the validator's copy of an expression: moto deep-copies the item
  an update touches (for its stream record) and the expression's AST for every update; the item's
  attribute tree is copied in one recursion instead of through `copy.deepcopy` per value, the AST
  by pickling (a third of deepcopy's CPU). Together a seventh of a return's CPU.
- `ActionResult.execute_result` for DynamoDB and DynamoDB Streams answers: moto 5.2 walks the
  botocore output shape for every attribute of every item (half the CPU of a return went there);
  here the result is written as JSON directly (None left out, bytes base64, datetimes as epoch
  seconds: what the shape walk gives for these two JSON services). Errors still go through moto.
- `moto.core.responses.method_names_from_class`: moto lists a handler class's methods with
  `inspect.getmembers` on every request; the list of a class is kept.
- Step Functions: a Lambda task made a new boto3 client for each invocation (~15 ms); one client
  per region is kept while a mock is active (moto's `boto_client_for` ignores the state's
  credentials anyway; without a mock it points the client at a moto server, not kept). A
  JSONPath of a definition is parsed once (jsonpath_ng builds a parser for every parse, ~3 ms). A
  definition is validated once per process (moto parses it on every
  CreateStateMachine, ~0.2 s) and parsed once per process (moto parses it with ANTLR on every
  execution, ~80 ms); each execution gets its own copy of the parsed program.

Not a patch: `create_function_in_moto` creates a function in moto's Lambda backend as its
CreateFunction handler does, without the request around it (deploying creates 25 functions, and a
moto request through boto3 costs more than the creation: half of a deploy's CPU went there).

Threads of closed stacks (their executions, asynchronous invocations) are retired: moto may let an
execution run on after its test; it must not reach the next test's stack, whose functions have
the same names. Their invocations fail and their events are not recorded.
"""

from __future__ import annotations

import base64
import calendar
import copy
import functools
import json
import os
import pickle
import threading
import weakref
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from local.streams import written_tables

if TYPE_CHECKING:
    from local.lambdas import LocalFunction

MOTO_VERSION = "5.2.5"  # the version these patches were written against (requirements/dev.txt)


class PatchedStack(Protocol):
    """What the patches ask of the current stack (local.stack.Stack)."""

    def find_function(self, name_or_arn: str) -> LocalFunction | None: ...

    def invoke_for_moto(
        self, function: LocalFunction, body: Any, headers: Any, response_headers: Any
    ) -> bytes: ...

    def after_put_events(
        self, backend: Any, entries: list[dict[str, Any]], results: list[dict[str, Any]]
    ) -> None: ...

    def after_dynamodb_write(self, tables: set[str]) -> None: ...


_CURRENT: PatchedStack | None = None
_PATCH_LOCK = threading.Lock()
DYNAMODB_LOCK = threading.Lock()  # one DynamoDB request at a time (see _dynamodb_call_action)
_PATCHED = False
_RETIRED_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
_IN_TRANSACTION = threading.local()


def set_current(stack: PatchedStack | None) -> None:
    global _CURRENT
    _CURRENT = stack


def current() -> PatchedStack | None:
    return _CURRENT


def retire_threads(own: list[threading.Thread]) -> None:
    """Mark the still-running threads of a closing stack (and moto's execution threads)."""
    from moto.stepfunctions.parser.utils import TMP_THREADS

    for thread in [*TMP_THREADS, *own]:
        if thread.is_alive() and thread is not threading.current_thread():
            _RETIRED_THREADS.add(thread)


def in_retired_thread() -> bool:
    return threading.current_thread() in _RETIRED_THREADS


def _delivered_locally(arn: str) -> bool:
    return arn.startswith("arn:") and arn.split(":")[2] in ("lambda", "states", "firehose")


def install() -> None:
    """Install every patch once per process (checks the moto version first)."""
    global _PATCHED
    with _PATCH_LOCK:
        if _PATCHED:
            return
        import moto

        if moto.__version__ != MOTO_VERSION:
            raise RuntimeError(
                f"local/moto_patches.py is written against moto {MOTO_VERSION}, this is moto"
                f" {moto.__version__}: check each patch against the new version, then update MOTO_VERSION"
            )
        _patch_lambda()
        _patch_events()
        _patch_dynamodb()
        _patch_stepfunctions()
        _patch_json_answers()
        _patch_method_names()
        _PATCHED = True


def _patch_lambda() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    original_invoke = LambdaSimpleBackend.invoke

    def invoke(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> str | bytes | None:
        if in_retired_thread():
            response_headers["x-amz-function-error"] = "Unhandled"
            error = {"errorType": "StackClosed", "errorMessage": "the stack of this execution is closed"}
            return json.dumps(error).encode()
        stack = _CURRENT
        if stack is not None:
            local = stack.find_function(self.get_function(function_name, qualifier).function_name)
            if local is not None:
                return stack.invoke_for_moto(local, body, headers, response_headers)
        result: str | bytes | None = original_invoke(
            self, function_name, qualifier, body, headers, response_headers
        )
        return result

    setattr(LambdaSimpleBackend, "invoke", invoke)  # noqa: B010 - patching a class on purpose


def _patch_events() -> None:
    from moto.events.models import EventsBackend, Rule

    original_put_events = EventsBackend.put_events
    original_send_to_targets = Rule.send_to_targets

    def put_events(self: Any, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = original_put_events(self, events)
        stack = _CURRENT
        if stack is not None and not in_retired_thread():
            stack.after_put_events(self, events, results)
        return results

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        # Lambda / Step Functions / Firehose targets are delivered by the stack after the put;
        # moto keeps its own (SQS, logs, buses).
        others = [t for t in self.targets if not _delivered_locally(str(t["Arn"]))]
        if len(others) == len(self.targets):
            original_send_to_targets(self, original_event, transform_input)
        elif others:
            rule = copy.copy(self)
            rule.targets = others
            original_send_to_targets(rule, original_event, transform_input)

    setattr(EventsBackend, "put_events", put_events)  # noqa: B010
    setattr(Rule, "send_to_targets", send_to_targets)  # noqa: B010

    # An InputTransformer's paths: moto's EventTemplateParser.parse imports
    # `jsonpath_ng.ext.parse` at every call and parses each path of the map with a freshly built
    # PLY parser (~3 ms a path, a tenth of a return's CPU); a parsed path is only read (`find`).
    import jsonpath_ng.ext

    parse_path = getattr(jsonpath_ng.ext, "parse")  # noqa: B009 - re-exported without __all__
    setattr(jsonpath_ng.ext, "parse", functools.lru_cache(maxsize=1024)(parse_path))  # noqa: B010


def _patch_dynamodb() -> None:
    from moto.dynamodb import models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table
    from moto.dynamodb.responses import DynamoHandler

    original_call = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with DYNAMODB_LOCK:
            answer = original_call(self)
        # As DynamoDB Streams -> Lambda does (in this thread, once the write is applied): the
        # stream records of the tables written go to the functions consuming them.
        stack = _CURRENT
        if stack is not None and not in_retired_thread():
            params = self.body if isinstance(self.body, dict) else {}  # parsed by call_action
            tables = written_tables(str(self._get_action()), params)
            if tables:
                stack.after_dynamodb_write(tables)
        return answer

    class _TableCopyInTransaction:
        """moto.dynamodb.models' `copy` module, except that inside a transaction (see
        transact_write_items below) `deepcopy(table)` is the table itself: the rollback is ours."""

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            if getattr(_IN_TRANSACTION, "active", False) and isinstance(value, Table):
                return value
            return copy.deepcopy(value, memo)

    original_transact = DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved = _touched_items(self, transact_items)
        _IN_TRANSACTION.active = True
        try:
            original_transact(self, transact_items)
        except BaseException:
            _roll_back(saved)
            raise
        finally:
            _IN_TRANSACTION.active = False

    setattr(dynamodb_models, "copy", _TableCopyInTransaction())  # noqa: B010
    _patch_dynamodb_expressions()
    setattr(DynamoHandler, "call_action", call_action)  # noqa: B010
    setattr(DynamoDBBackend, "transact_write_items", transact_write_items)  # noqa: B010


def _patch_dynamodb_expressions() -> None:
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.parsing import validators
    from moto.dynamodb.parsing.expressions import UpdateExpressionParser  # type: ignore[attr-defined]

    parse = functools.lru_cache(maxsize=1024)(UpdateExpressionParser.make)
    setattr(UpdateExpressionParser, "make", staticmethod(parse))  # noqa: B010

    def copied_value(value: Any) -> Any:
        result = value.__class__.__new__(value.__class__)
        result.type = value.type
        if value.is_list():
            result.value = [copied_value(v) for v in value.value]
        elif value.is_map():
            result.value = {k: copied_value(v) for k, v in value.value.items()}
        elif value.is_set():
            result.value = list(value.value)
        else:
            result.value = value.value
        return result

    def deepcopy_value(self: Any, memo: Any) -> Any:
        # A DynamoDB attribute tree is acyclic and unshared (moto's own __deepcopy__ says so).
        result = copied_value(self)
        memo[id(self)] = result
        return result

    def copied_expression(value: Any) -> Any:
        # The validator copies an expression's AST, and the list `list_append` extends.
        if isinstance(value, DynamoType):
            return copied_value(value)
        return pickle.loads(pickle.dumps(value))

    setattr(DynamoType, "__deepcopy__", deepcopy_value)  # noqa: B010
    setattr(validators, "deepcopy", copied_expression)  # noqa: B010


def _touched_items(
    backend: Any, transact_items: list[dict[str, Any]]
) -> list[tuple[Any, Any, Any, Any, int]]:
    """(table, hash key, range key, a copy of the item or None, stream length) of each item a
    transaction names, before it runs. An entry moto will refuse (no table, bad key) is skipped:
    moto refuses it before writing anything."""
    saved = []
    for entry in transact_items:
        op = next(iter(entry.values()), None) if len(entry) == 1 else None
        if not isinstance(op, dict) or op.get("TableName") not in backend.tables:
            continue
        table = backend.tables[op["TableName"]]
        source = op.get("Item") if "Item" in op else op.get("Key")
        if not isinstance(source, dict):
            continue
        key = {name: source[name] for name in (table.hash_key_attr, table.range_key_attr) if name in source}
        try:
            hash_key, range_key = backend.get_keys_value(table, key)
            item = table.get_item(hash_key, range_key)
        except Exception:
            continue
        shard = table.stream_shard
        saved.append((table, hash_key, range_key, copy.deepcopy(item), len(shard.items) if shard else 0))
    return saved


def _roll_back(saved: list[tuple[Any, Any, Any, Any, int]]) -> None:
    for table, hash_key, range_key, item, stream_length in reversed(saved):
        if table.range_key_attr is not None:
            if item is None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items[hash_key][range_key] = item
        elif item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
        if table.stream_shard is not None:
            del table.stream_shard.items[stream_length:]


def _patch_stepfunctions() -> None:
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    original_validate = StepFunctionsParserBackend._validate_definition
    valid: set[str] = set()
    original_entrypoint = ExecutionWorker._get_evaluation_entrypoint
    programs: dict[str, bytes] = {}
    lock = threading.Lock()

    def validate_definition(definition: str) -> None:
        if definition not in valid:
            original_validate(definition)
            valid.add(definition)

    def evaluation_entrypoint(self: Any) -> Any:
        definition = self._evaluation_details.state_machine_details.definition
        with lock:
            parsed = programs.get(definition)
        if parsed is None:
            parsed = pickle.dumps(original_entrypoint(self))
            with lock:
                programs[definition] = parsed
        return pickle.loads(parsed)

    from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils

    original_client_for = getattr(lambda_eval_utils, "boto_client_for")  # noqa: B009 - not exported
    clients: dict[tuple[str, str], Any] = {}

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        from moto.core.models import botocore_stubber

        if not botocore_stubber.enabled:  # no mock (an execution outliving its test): moto's own
            return original_client_for(region, service, state_credentials)
        with lock:
            client = clients.get((region, service))
            if client is None:
                client = clients[(region, service)] = original_client_for(region, service, state_credentials)
        return client

    setattr(lambda_eval_utils, "boto_client_for", boto_client_for)  # noqa: B010

    # JSONPath: jsonpath_ng builds a new PLY parser for every expression it parses (~3 ms), and
    # moto parses the state's paths on every transition; a parsed path is only read afterwards.
    from moto.stepfunctions.parser.asl.component.common.path import result_path
    from moto.stepfunctions.parser.asl.utils import json_path

    for module in (json_path, result_path):
        setattr(module, "parse", functools.lru_cache(maxsize=1024)(getattr(module, "parse")))  # noqa: B009, B010
    setattr(StepFunctionsParserBackend, "_validate_definition", staticmethod(validate_definition))  # noqa: B010
    setattr(ExecutionWorker, "_get_evaluation_entrypoint", evaluation_entrypoint)  # noqa: B010


FAST_JSON_SERVICES = ("dynamodb", "dynamodbstreams")


def _patch_json_answers() -> None:
    from moto.core.responses import ActionResult

    original = ActionResult.execute_result
    check = os.environ.get("LOCAL_CHECK_FAST_JSON") == "1"  # compare with moto's (while changing this)

    def execute_result(self: Any, context: Any) -> Any:
        service = context.service_model
        if service.service_name not in FAST_JSON_SERVICES or isinstance(self.result, Exception):
            return original(self, context)
        body = "{}" if self.result is None else json.dumps(_plain(self.result))
        version = service.metadata.get("jsonVersion", "1.0")
        answer = 200, {"Content-Type": f"application/x-amz-json-{version}"}, body
        if check:
            expected = original(self, context)
            if json.loads(expected[2]) != json.loads(body) or expected[0] != 200:
                raise AssertionError(f"fast JSON differs: {expected[2]!r:.2000} != {body:.2000}")
        return answer

    setattr(ActionResult, "execute_result", execute_result)  # noqa: B010


def _plain(value: Any) -> Any:
    """A DynamoDB (Streams) result as its JSON answer holds it."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        seconds = calendar.timegm(value.timetuple())
        return seconds + (value.microsecond // 1000) / 1000.0 if value.microsecond else seconds
    return value


def _patch_method_names() -> None:
    from moto.core import responses

    original = getattr(responses, "method_names_from_class")  # noqa: B009 - not exported
    known: dict[Any, list[str]] = {}

    def method_names_from_class(clazz: object) -> list[str]:
        names = known.get(clazz)
        if names is None:
            names = known[clazz] = original(clazz)
        return list(names)

    setattr(responses, "method_names_from_class", method_names_from_class)  # noqa: B010


def create_function_in_moto(account_id: str, region: str, request: dict[str, Any]) -> bool:
    """What moto's CreateFunction does with `request` (boto3's keyword arguments; the zip as
    bytes), on the backend it would use; False, creating nothing, when the name is taken (the
    caller then goes through the API, which refuses it as AWS does)."""
    from moto.awslambda.exceptions import UnknownFunctionException
    from moto.awslambda.utils import get_backend

    backend = get_backend(account_id, region)
    try:
        backend.get_function(str(request["FunctionName"]), None)
    except UnknownFunctionException:
        code = dict(request["Code"])
        if isinstance(code.get("ZipFile"), bytes):  # the JSON request carries it in base64
            code["ZipFile"] = base64.b64encode(code["ZipFile"]).decode()
        backend.create_function({**request, "Code": code})
        return True
    return False
