"""Cold starts as Lambda sees them: every function's import against a fresh ``import boto3``, and the
shared layer's size as ``sam build`` makes it (``python -m benchmarks.coldstart``; part of ``make bench``).

The layout is the one ``sam build`` lays out (``.aws-sam/build``, built with the pinned SAM CLI in
``.venv-sam``): each function's built code is the task root, the layer's built ``python/`` folder is
``/opt/python``, and after it comes the runtime's own boto3 (the version pinned in
requirements/dev.txt, installed into ``.aws-sam/coldstart/runtime-boto3-*``), in Lambda's order, so a
package the layer ships shadows the runtime's. The layer is built for arm64: its native extensions
(pydantic_core) are swapped for this machine's build of the same version, every other file is the
built one. Each function's environment is the template's (Globals plus its own, resolved from
template.yaml with placeholder ids) and Lambda's reserved variables.

How it is timed: a fresh interpreter (``python -S -E``: no site-packages, nothing but that path)
imports the handler's module and looks the handler up, timing wall clock and this process's CPU
(``time.process_time``); ``import boto3`` is timed the same way, in the same environment. In each
of ``ROUNDS`` rounds every function is measured right after a fresh boto3 (taking turns), after
one warm-up of each that is not counted (it also leaves the bytecode cache, as for boto3). The
ratio is the function's median over boto3's median. The goal (issue 14) is 1.2x; the machine is
shared, so CPU time is the one judged (waiting for a core is not the import's time), wall time is
printed beside it. Each function's import must also import boto3 itself (its clients are created
at first use, the module at import): a handler that deferred it would look cheap for nothing, so
one that does not is flagged in the table.
Then the same interpreter invokes the handler once with its event (a step's ``events/<folder>.json``,
an API function's request in ``API_EVENTS``), timed apart: a cost moved from the import to the
first invocation (an import deferred, a model built on first use) shows in "import + first", which
is what a cold start costs. Every AWS request of that invocation is answered 400 (a resource that is
not there) by a local endpoint in this process (``no_aws``), so it runs through parsing, the
handler's own code and creating its first client, and stops at its first request, the same way in
every tree. ``benchmarks/coldstart_compare.py`` times two trees' functions back to back, to tell a
saving of a few milliseconds from the noise of a shared machine.
The floor is timed the same way: ``import boto3``, Powertools' ``Logger`` and pydantic's
``BaseModel``, which every handler imports before a line of its own (the core's models are pydantic).

The layer's size is the built ``SharedLayer`` folder zipped as ``sam package`` zips it (deflate).
"""

from __future__ import annotations

import contextlib
import http.server
import importlib.metadata
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.template import Resolver, load_template, parameter_values

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / ".aws-sam" / "build"
WORK = ROOT / ".aws-sam" / "coldstart"
SAM = ROOT / ".venv-sam" / "bin" / "sam"
ROUNDS = int(os.environ.get("COLDSTART_ROUNDS", "5"))
# COLDSTART_FUNCTIONS=AwaitReview,StorefrontApi times only those (logical ids), e.g. while iterating.
GOAL_RATIO = 1.2
LAYER_GOAL_MIB = 5.0
REGION = "us-east-1"
EVENTS = ROOT / "events"
# The first invocation's event of each HTTP API function (a workflow step's is events/<its folder>.json).
API_EVENTS = {
    "storefront_api": "http/storefront-get-return.json",
    "cs_api": "http/cs-get-return.json",
    "warehouse_api": "http/warehouse-receipt.json",
    "cancellations_api": "http/storefront-get-cancellation.json",
    "cs_cancellations_api": "http/cs-get-cancellation.json",
    "cancellation_callbacks_api": "http/fulfilment-outcome.json",
}
ACCOUNT = "123456789012"

# What any handler of this stack imports before a line of its own: boto3, Powertools' Logger and
# pydantic (the core's models). Timed like a handler, it shows how close to boto3 a handler can get.
FLOOR = "import boto3\nfrom aws_lambda_powertools import Logger\nfrom pydantic import BaseModel\n"

# Runs in the fresh interpreter: argv = module, handler attribute, the import path (os.pathsep), and
# optionally an event file: the handler is then invoked once with it, timed apart from the import.
_CHILD = r"""
import json, sys, time
sys.path[:0] = sys.argv[3].split(__import__("os").pathsep)
wall, cpu = time.perf_counter(), time.process_time()
module = __import__(sys.argv[1], fromlist=["_"])
if sys.argv[2]:
    handler = getattr(module, sys.argv[2])
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
invoked = {}
if len(sys.argv) > 4:
    with open(sys.argv[4], encoding="utf-8") as handle:
        event = json.load(handle)

    class Context:
        function_name = sys.argv[1]
        function_version = "$LATEST"
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:coldstart"
        memory_limit_in_mb = 1024
        aws_request_id = "c0ld5t4r7-0000-0000-0000-000000000000"
        log_group_name = "/aws/lambda/coldstart"
        log_stream_name = "coldstart"
        identity = client_context = None

        def get_remaining_time_in_millis(self):
            return 30000

    first_wall, first_cpu = time.perf_counter(), time.process_time()
    try:
        answer = handler(event, Context())
        outcome = str(answer.get("statusCode", "ok")) if isinstance(answer, dict) else "ok"
    except Exception as error:
        outcome = type(error).__name__
    invoked = {"first_cpu": time.process_time() - first_cpu, "first_wall": time.perf_counter() - first_wall,
               "outcome": outcome}
print(json.dumps({"wall": wall, "cpu": cpu, "boto3": "boto3" in sys.modules,
                  "pydantic": "pydantic_core" in sys.modules, "modules": len(sys.modules), **invoked}))
"""


@dataclass(frozen=True)
class Function:
    logical_id: str
    module: str
    attribute: str
    environment: dict[str, str]
    event: Path
    folder: str  # under functions/


class _Ids:
    """Placeholder physical ids: the handlers read names from the environment, never look them up."""

    def ref(self, logical_id: str) -> Any:
        return f"returns-dev-{logical_id}"

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:{logical_id}/{attribute}"


def sam_build() -> None:
    """``sam build`` (python3.11, arm64, no Docker) with the pinned SAM CLI, as ``make sam-build``."""
    if not SAM.exists():
        raise SystemExit(f"{SAM} is missing: `make bench` installs the pinned SAM CLI first")
    built = subprocess.run([str(SAM), "build"], cwd=ROOT, capture_output=True, text=True)
    if built.returncode != 0:
        raise SystemExit(f"sam build failed:\n{built.stdout[-3000:]}{built.stderr[-3000:]}")


def functions() -> list[Function]:
    """Every function of template.yaml with its handler and its environment (Globals + its own)."""
    template = load_template(ROOT / "template.yaml")
    pseudo = {
        "AWS::Region": REGION,
        "AWS::AccountId": ACCOUNT,
        "AWS::Partition": "aws",
        "AWS::StackName": "returns-service",
        "AWS::URLSuffix": "amazonaws.com",
    }
    resolver = Resolver(template, parameter_values(template, {}), pseudo, _Ids())
    shared = (template.get("Globals") or {}).get("Function") or {}
    shared_env = resolver.resolve((shared.get("Environment") or {}).get("Variables") or {})
    found = []
    for logical_id, spec in template["Resources"].items():
        if spec.get("Type") != "AWS::Serverless::Function":
            continue
        properties = spec.get("Properties") or {}
        own_env = resolver.resolve((properties.get("Environment") or {}).get("Variables") or {})
        module, _, attribute = str(properties.get("Handler") or shared.get("Handler")).rpartition(".")
        folder = Path(str(properties["CodeUri"])).name
        event = EVENTS / API_EVENTS.get(folder, f"{folder}.json")
        memory = str(properties.get("MemorySize", shared.get("MemorySize", 128)))
        environment = {str(k): str(v) for k, v in {**shared_env, **own_env}.items()}
        environment.update(_lambda_variables(logical_id, memory, f"{module}.{attribute}"))
        found.append(Function(logical_id, module, attribute, environment, event, folder))
    only = {name for name in os.environ.get("COLDSTART_FUNCTIONS", "").split(",") if name}
    return sorted((f for f in found if not only or f.logical_id in only), key=lambda f: f.logical_id)


def _lambda_variables(name: str, memory: str, handler: str) -> dict[str, str]:
    """The reserved variables Lambda sets (no credentials: nothing calls AWS at import)."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": name,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": memory,
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{name}",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_XRAY_DAEMON_ADDRESS": "169.254.79.129:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
        "_HANDLER": handler,
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    }


# -- the layout ---------------------------------------------------------------------------------
def runtime_dir() -> Path:
    """The runtime's own boto3 (and botocore, s3transfer...), at the version the project pins."""
    version = importlib.metadata.version("boto3")
    target = WORK / f"runtime-boto3-{version}"
    if not (target / "boto3").is_dir():
        shutil.rmtree(target, ignore_errors=True)
        _pip_install(target, f"boto3=={version}")
    return target


def opt_dir() -> Path:
    """The built layer, its native extensions swapped for this machine's build of the same version."""
    built = BUILD / "SharedLayer"
    target = WORK / "opt"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(built, target)
    site = target / "python"
    for dist in sorted(site.glob("*.dist-info")):
        record = (dist / "RECORD").read_text(encoding="utf-8") if (dist / "RECORD").exists() else ""
        if not any(line.split(",")[0].endswith(".so") for line in record.splitlines()):
            continue
        metadata = (dist / "METADATA").read_text(encoding="utf-8").splitlines()
        name = next(line.split(":", 1)[1].strip() for line in metadata if line.startswith("Name:"))
        version = next(line.split(":", 1)[1].strip() for line in metadata if line.startswith("Version:"))
        for line in record.splitlines():
            path = site / line.split(",")[0]
            if path.is_file():
                path.unlink()
        shutil.rmtree(dist, ignore_errors=True)
        with tempfile.TemporaryDirectory() as swap:
            _pip_install(Path(swap), f"{name}=={version}", "--no-deps")
            shutil.copytree(swap, site, dirs_exist_ok=True)
    return target


def _pip_install(target: Path, *requirement: str) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--target",
            str(target),
            *requirement,
        ],
        check=True,
    )


def layer_zip_bytes() -> int:
    """The built layer folder zipped as ``sam package`` zips it (ZIP_DEFLATED, every file)."""
    layer = BUILD / "SharedLayer"
    with tempfile.TemporaryFile() as handle:
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(layer.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(layer).as_posix())
        return handle.seek(0, os.SEEK_END)


def layer_packages() -> list[str]:
    return sorted(p.name.split("-")[0] for p in (BUILD / "SharedLayer" / "python").glob("*.dist-info"))


# -- the timing ---------------------------------------------------------------------------------
class _NoAws(http.server.BaseHTTPRequestHandler):
    """Every AWS request of a first invocation gets the answer of a resource that is not there (HTTP
    400, not retried): the invocation runs to its first request and stops there, in every function
    alike, without moto's work in the timed process."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = b'{"__type":"ResourceNotFoundException","message":"coldstart bench: no AWS here"}'
        self.send_response(400)
        self.send_header("content-type", "application/x-amz-json-1.0")
        self.send_header("x-amzn-requestid", "coldstart")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def no_aws() -> Iterator[dict[str, str]]:
    """The environment a first invocation runs in: a local endpoint for every AWS service, fake keys."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoAws)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{server.server_address[1]}",
            "AWS_ACCESS_KEY_ID": "coldstart",
            "AWS_SECRET_ACCESS_KEY": "coldstart",
        }
    finally:
        server.shutdown()
        server.server_close()


def _time(
    module: str, attribute: str, path: list[Path], environment: dict[str, str], event: Path | None = None
) -> dict[str, Any]:
    invoke = [str(event)] if event is not None else []
    where = os.pathsep.join(map(str, path))
    child = subprocess.run(
        [sys.executable, "-S", "-E", "-c", _CHILD, module, attribute, where, *invoke],
        capture_output=True,
        text=True,
        env=environment,
        cwd=str(path[0]),
    )
    if child.returncode != 0:
        raise SystemExit(f"importing {module} from {path[0]} failed:\n{child.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def measure(rounds: int = ROUNDS) -> dict[str, Any]:
    sam_build()
    runtime, opt = runtime_dir(), opt_dir()
    with no_aws() as endpoint:
        return _measure(rounds, runtime, opt / "python", functions(), endpoint)


def _measure(
    rounds: int, runtime: Path, layer_path: Path, todo: list[Function], endpoint: dict[str, str]
) -> dict[str, Any]:
    paths = {f.logical_id: [BUILD / f.logical_id, layer_path, runtime] for f in todo}
    samples: dict[str, list[dict[str, Any]]] = {f.logical_id: [] for f in todo}
    baseline: list[dict[str, Any]] = []
    for function in todo:  # warm-up: the bytecode cache, as the runtime's boto3 has it
        environment = {**function.environment, **endpoint}
        _time(function.module, function.attribute, paths[function.logical_id], environment, function.event)
        _time("boto3", "", [runtime], function.environment)
    floor_dir = WORK / "floor"
    floor_dir.mkdir(parents=True, exist_ok=True)
    (floor_dir / "stack_floor.py").write_text(FLOOR, encoding="utf-8")
    floor_path = [floor_dir, layer_path, runtime]
    floor: list[dict[str, Any]] = []
    _time("stack_floor", "", floor_path, todo[0].environment)
    for _ in range(rounds):
        for function in todo:
            baseline.append(_time("boto3", "", [runtime], function.environment))
            samples[function.logical_id].append(
                _time(
                    function.module,
                    function.attribute,
                    paths[function.logical_id],
                    {**function.environment, **endpoint},
                    function.event,
                )
            )
        baseline.append(_time("boto3", "", [runtime], todo[0].environment))
        floor.append(_time("stack_floor", "", floor_path, todo[0].environment))
    boto3_wall = statistics.median(s["wall"] for s in baseline)
    boto3_cpu = statistics.median(s["cpu"] for s in baseline)
    rows = []
    for function in todo:
        taken = samples[function.logical_id]
        wall = statistics.median(s["wall"] for s in taken)
        cpu = statistics.median(s["cpu"] for s in taken)
        first_cpu = statistics.median(s["first_cpu"] for s in taken)
        total_cpu = statistics.median(s["cpu"] + s["first_cpu"] for s in taken)
        rows.append(
            {
                "function": function.logical_id,
                "first_cpu_ms": first_cpu * 1000,
                "total_cpu_ms": total_cpu * 1000,
                "outcome": sorted({s["outcome"] for s in taken}),
                "wall_ms": wall * 1000,
                "cpu_ms": cpu * 1000,
                "wall_ratio": wall / boto3_wall,
                "cpu_ratio": cpu / boto3_cpu,
                "boto3": all(s["boto3"] for s in taken),
                "pydantic": all(s["pydantic"] for s in taken),
            }
        )
    floor_wall = statistics.median(s["wall"] for s in floor)
    floor_cpu = statistics.median(s["cpu"] for s in floor)
    return {
        "rounds": rounds,
        "boto3_wall_ms": boto3_wall * 1000,
        "boto3_cpu_ms": boto3_cpu * 1000,
        "floor_wall_ms": floor_wall * 1000,
        "floor_cpu_ms": floor_cpu * 1000,
        "floor_cpu_ratio": floor_cpu / boto3_cpu,
        "floor_wall_ratio": floor_wall / boto3_wall,
        "functions": rows,
        "layer_zip_bytes": layer_zip_bytes(),
        "layer_packages": layer_packages(),
    }


def main() -> None:
    print("Cold starts: each function's import in the layout of `sam build` against a fresh `import boto3`")
    figures = measure()
    print(
        f"  {figures['rounds']} rounds, taking turns, medians; fresh interpreter each; bytecode cached;"
        f" goal {GOAL_RATIO}x (judged on CPU time)"
    )
    boto3_cpu, boto3_wall = figures["boto3_cpu_ms"], figures["boto3_wall_ms"]
    print(f"  {'import boto3':36} {boto3_cpu:6.0f} ms CPU {boto3_wall:6.0f} ms wall")
    for row in figures["functions"]:
        verdict = "ok" if row["cpu_ratio"] <= GOAL_RATIO else "OVER"
        notes = "" if row["boto3"] else "  (does not import boto3!)"
        print(
            f"  {row['function']:36} {row['cpu_ms']:6.0f} ms CPU {row['wall_ms']:6.0f} ms wall"
            f"  {row['cpu_ratio']:4.2f}x CPU {row['wall_ratio']:4.2f}x wall  {verdict:4}"
            f"  first invocation {row['first_cpu_ms']:4.0f} ms CPU,"
            f" import + first {row['total_cpu_ms']:4.0f} ms"
            f" ({'/'.join(row['outcome'])}){notes}"
        )
    print(
        f"  {'the floor: boto3 + Logger + pydantic':36} {figures['floor_cpu_ms']:6.0f} ms CPU"
        f" {figures['floor_wall_ms']:6.0f} ms wall  {figures['floor_cpu_ratio']:4.2f}x CPU"
        f" {figures['floor_wall_ratio']:4.2f}x wall"
    )
    ratios = [row["cpu_ratio"] for row in figures["functions"]]
    walls = [row["wall_ratio"] for row in figures["functions"]]
    print(
        f"  {len(ratios)} functions: {min(ratios):.2f}-{max(ratios):.2f}x CPU (wall {min(walls):.2f}-"
        f"{max(walls):.2f}x); {sum(r <= GOAL_RATIO for r in ratios)} within {GOAL_RATIO}x"
    )
    mib = figures["layer_zip_bytes"] / 2**20
    print(
        f"Shared layer as `sam build` makes it, zipped: {mib:.2f} MiB (goal at most {LAYER_GOAL_MIB} MiB)"
        f" - {', '.join(figures['layer_packages'])}"
    )


if __name__ == "__main__":
    main()
