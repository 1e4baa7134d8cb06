"""Two trees' cold starts side by side, to tell a saving from noise on a shared machine
(``python -m benchmarks.coldstart_compare <git revision> [function folders...]``).

``make bench-coldstart`` times every function against ``import boto3``; a change that saves a few
milliseconds is lost in its noise when other work shares the cores. This times the same function
of the revision (``git archive`` into a temporary folder) and of the working tree back to back in
each round, in fresh interpreters (``python -S -E``, the child and the no-AWS endpoint of
``benchmarks.coldstart``), with the function's environment from template.yaml: its import, its
first invocation with its event (up to its first AWS request), and the two summed, CPU time,
the least of ``ROUNDS`` rounds after one uncounted: under contention a process's CPU time only grows
(caches and cores shared), so the least is the closest to the work itself; medians moved by 5-10%
between two runs of the same trees on this machine (load average about 10 on 2 cores). The import
path is the function's folder, the layer's source folder and this virtualenv's site-packages (not
``sam build``'s layout: both trees alike, so the difference is the trees').
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.coldstart import ROOT, _time, functions, no_aws

ROUNDS = int(os.environ.get("COLDSTART_ROUNDS", "7"))


def _run(root: Path, folder: str, attribute: str, event: str, environment: dict[str, str]) -> dict[str, Any]:
    """One fresh interpreter importing and invoking ``folder``'s handler from ``root``'s tree."""
    path = [root / "functions" / folder, root / "layers" / "shared", Path(sysconfig.get_path("purelib"))]
    return _time("app", attribute, path, environment, root / "events" / event)


def main() -> None:
    revision, folders = sys.argv[1], sys.argv[2:]
    todo = [f for f in functions() if not folders or f.folder in folders]
    with tempfile.TemporaryDirectory() as before, no_aws() as endpoint:
        archive = subprocess.run(["git", "archive", revision], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "x", "-C", before], input=archive.stdout, check=True)
        trees = {revision: Path(before), "working tree": ROOT}
        taken: dict[tuple[str, str], list[dict[str, Any]]] = {
            (t, f.logical_id): [] for t in trees for f in todo
        }
        for round_ in range(ROUNDS + 1):
            for function in todo:
                event = str(function.event.relative_to(ROOT / "events"))
                for name, root in trees.items():
                    sample = _run(
                        root, function.folder, function.attribute, event, {**function.environment, **endpoint}
                    )
                    if round_:
                        taken[(name, function.logical_id)].append(sample)
    print(
        f"Cold starts, {revision} against the working tree: CPU ms, least of {ROUNDS} rounds taken in turns"
    )
    for function in todo:
        cells = []
        for name in trees:
            samples = taken[(name, function.logical_id)]
            imported = min(s["cpu"] for s in samples) * 1000
            first = min(s["first_cpu"] for s in samples) * 1000
            total = min(s["cpu"] + s["first_cpu"] for s in samples) * 1000
            cells.append((imported, first, total))
        (i0, f0, t0), (i1, f1, t1) = cells
        print(
            f"  {function.logical_id:36} import {i0:5.0f} -> {i1:5.0f}"
            f"  first invocation {f0:4.0f} -> {f1:4.0f}"
            f"  import + first {t0:5.0f} -> {t1:5.0f} ({t1 - t0:+4.0f} ms, {(t1 - t0) / t0:+.0%})"
        )


if __name__ == "__main__":
    main()
