"""Lambda for the local stack: each template function's real handler, run in this process.

A function is called as Lambda calls it: synchronously (the HTTP API, Step Functions' `Invoke`:
an exception becomes the error payload Step Functions matches `Retry`/`Catch` on) or
asynchronously (EventBridge targets: retried, then sent to the function's on-failure queue,
never failing the put).
"""

from __future__ import annotations

import importlib.util
import json
import logging
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from local import function_environment
from local.template import TemplateError

LOG = logging.getLogger("local.lambdas")


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
    environment: function_environment.FunctionEnvironment
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
        """Run the handler in-process, as Lambda would: exceptions propagate to the caller; the
        settings it reads are those its template entry gives it."""
        with function_environment.running(self.environment):
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


@dataclass(frozen=True)
class AsyncConfig:
    """A function's EventInvokeConfig: retries of an asynchronous event, then where it goes."""

    retries: int = 2
    on_failure: str | None = None


class Lambdas:
    """The stack's functions, by logical id, name or ARN, and the ways Lambda calls them."""

    def __init__(
        self,
        record_error: Callable[[str, Any, BaseException], None],
        send_to_queue: Callable[[str, dict[str, Any]], None],
    ) -> None:
        self.functions: dict[str, LocalFunction] = {}
        self._by_name: dict[str, LocalFunction] = {}
        self._async: dict[str, AsyncConfig] = {}
        self._record_error = record_error
        self._send_to_queue = send_to_queue
        self.threads: list[threading.Thread] = []

    def add(self, function: LocalFunction, config: AsyncConfig) -> None:
        self.functions[function.logical_id] = function
        self._by_name[function.name] = function
        self._async[function.logical_id] = config

    def find(self, name_or_arn: str) -> LocalFunction | None:
        """By logical id, function name, or ARN (`arn:aws:lambda:<region>:<account>:function:<name>`)."""
        if name_or_arn in self.functions:
            return self.functions[name_or_arn]
        if name_or_arn.startswith("arn:"):
            parts = name_or_arn.split(":")
            name = parts[6] if len(parts) > 6 else name_or_arn
        else:
            name = name_or_arn.split(":", 1)[0]
        return self._by_name.get(name)

    def invoke_api(self, function: LocalFunction, body: Any, headers: Any, response_headers: Any) -> bytes:
        """Lambda's Invoke API: the handler's result as JSON, or the error payload with
        `x-amz-function-error`; an `Event` invocation runs in a thread and returns at once."""
        text = body.decode() if isinstance(body, bytes) else (body or "")
        event = json.loads(text) if text.strip() else {}
        if (headers or {}).get("X-Amz-Invocation-Type") == "Event":
            worker = threading.Thread(target=self._run_async, args=(function, event), daemon=True)
            self.threads.append(worker)
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
            self._record_error(function.logical_id, event, exc)

    def invoke_async(self, rule_name: str, function: LocalFunction, payload: Any) -> None:
        """EventBridge invokes Lambda asynchronously: Lambda retries a failing event (its
        EventInvokeConfig's MaximumRetryAttempts, 2 by default; here at once, not minutes apart),
        then sends it to the on-failure destination. The put itself never fails."""
        config = self._async.get(function.logical_id, AsyncConfig())
        attempts = 0
        while True:
            attempts += 1
            try:
                function.call(payload)
                return
            except Exception as exc:
                if attempts <= config.retries:
                    continue
                LOG.exception("rule %s: target %s failed %d times", rule_name, function.arn, attempts)
                self._record_error(function.logical_id, payload, exc)
                if config.on_failure is not None:
                    self._send_to_queue(
                        config.on_failure, _destination_record(function, payload, exc, attempts)
                    )
                return

    def unload(self) -> None:
        for function in self.functions.values():
            function.unload()


def _destination_record(
    function: LocalFunction, payload: Any, exc: BaseException, attempts: int
) -> dict[str, Any]:
    """The record Lambda sends to an on-failure destination after the last retry."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"{function.arn}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": payload,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": function_error_payload(exc),
    }
