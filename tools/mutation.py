"""``make mutation``: mutmut on the refund engine against tests/unit, and the share of mutants killed.

mutmut names a module by its path from the directory it runs in, while the tests import
``returns_core`` from the layer (``layers/shared``). So the run happens in ``.mutation/``, a fresh
copy holding ``returns_core``, ``tests/unit``, the example orders and ``pyproject.toml`` (whose
``[tool.mutmut]`` section is the configuration). The engine files to mutate are ``only_mutate``
there.

The killed share is (killed + timed out) / every mutant: a mutant no test runs counts as a
survivor. Survivors judged equivalent are listed, each explained, in ``tests/unit/MUTATION.md``
(each mutant's name in backquotes); this prints the survivors missing from it and the listed
ones that no longer survive, and fails when the killed share is below ``TARGET``.

``python -m tools.mutation [--jobs N] [MUTANT_GLOB ...]``: globs such as ``returns_core.money.*``
run part of the mutants (while iterating); the share is then of that part. ``--again`` keeps the
last run (the engine must be unchanged since), copies the tests anew and runs again the given
mutants, or every survivor: what new tests kill, without running every mutant again.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPLAINED = ROOT / "tests" / "unit" / "MUTATION.md"
TARGET = 0.95
KILLED = {"killed", "timeout", "caught by type check"}
# mutmut's exit codes per mutant (mutmut/stats.py), the ones a finished run leaves.
STATUS_BY_EXIT_CODE = {
    1: "killed",
    3: "killed",
    0: "survived",
    5: "no tests",
    33: "no tests",
    34: "skipped",
    35: "suspicious",
    36: "timeout",
    37: "caught by type check",
    -24: "timeout",
    24: "timeout",
    152: "timeout",
    255: "timeout",
}
_LISTED = re.compile(r"`([^`\s]+__mutmut_\d+)`")


@dataclass(frozen=True)
class Outcome:
    mutant: str
    file: str
    status: str


def stage(work: Path) -> None:
    """A fresh ``work`` directory: the engine package, the unit tests, the example orders, the config
    and the README (which a unit test reads)."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "layers" / "shared" / "returns_core", work / "returns_core", ignore=ignore)
    shutil.copytree(ROOT / "tests" / "unit", work / "tests" / "unit", ignore=ignore)
    shutil.copytree(ROOT / "events" / "orders", work / "events" / "orders")
    shutil.copy2(ROOT / "pyproject.toml", work / "pyproject.toml")
    shutil.copy2(ROOT / "README.md", work / "README.md")  # a unit test holds the README's table


def refresh_tests(work: Path) -> None:
    """The tests anew in a staged run whose engine is still the repository's."""
    staged, source = work / "returns_core", ROOT / "layers" / "shared" / "returns_core"
    for path in source.rglob("*.py"):
        if (staged / path.relative_to(source)).read_bytes() != path.read_bytes():
            sys.exit(f"{path.relative_to(ROOT)} changed since the last run: run every mutant again")
    shutil.rmtree(work / "tests" / "unit")
    shutil.copytree(
        ROOT / "tests" / "unit", work / "tests" / "unit", ignore=shutil.ignore_patterns("__pycache__")
    )


def outcomes(work: Path) -> list[Outcome]:
    """Every mutant of the run with its status, from mutmut's per-file ``.meta`` records."""
    found = []
    for meta in sorted((work / "mutants").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        file = str(meta.relative_to(work / "mutants")).removesuffix(".meta")
        for mutant, code in data["exit_code_by_key"].items():
            status = "not checked" if code is None else STATUS_BY_EXIT_CODE.get(code, "suspicious")
            found.append(Outcome(mutant, file, status))
    return found


def listed_as_equivalent() -> set[str]:
    return set(_LISTED.findall(EXPLAINED.read_text())) if EXPLAINED.exists() else set()


def report(found: list[Outcome], globs: list[str], work: Path) -> float:
    """Print the counts per file and overall, and the survivors against MUTATION.md; give the share."""
    if globs:
        found = [o for o in found if any(fnmatch.fnmatch(o.mutant, g) for g in globs)]
    print(f"\n{'file':<36}{'mutants':>9}{'killed':>8}{'survived':>10}{'killed share':>14}")
    for file in sorted({o.file for o in found}):
        mine = [o for o in found if o.file == file]
        killed = sum(o.status in KILLED for o in mine)
        print(f"{file:<36}{len(mine):>9}{killed:>8}{len(mine) - killed:>10}{killed / len(mine):>14.1%}")
    killed = sum(o.status in KILLED for o in found)
    share = killed / len(found) if found else 0.0
    print(f"{'all':<36}{len(found):>9}{killed:>8}{len(found) - killed:>10}{share:>14.1%}")
    print("statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(Counter(o.status for o in found).items())))
    survivors = {o.mutant for o in found if o.status not in KILLED}
    listed = listed_as_equivalent()
    unexplained = sorted(survivors - listed)
    if unexplained:
        print(f"\n{len(unexplained)} survivor(s) not explained in {EXPLAINED.relative_to(ROOT)}:")
        for name in unexplained:
            print(f"  {name}  (cd {work.name} && ../.venv/bin/mutmut show {name})")
    if not globs:
        stale = sorted(listed - survivors)
        if stale:
            print(f"\nlisted in {EXPLAINED.relative_to(ROOT)} but no longer surviving: {', '.join(stale)}")
    print(
        f"\nkilled share {share:.1%} ({killed} of {len(found)} mutants; killed or timed out, with "
        f"mutmut {mutmut_version()} against tests/unit); target {TARGET:.0%}"
    )
    return share


def mutmut_version() -> str:
    from importlib.metadata import version

    return version("mutmut")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (the machine is shared)")
    parser.add_argument("--work", type=Path, default=ROOT / ".mutation", help="where mutmut runs (recreated)")
    parser.add_argument("--again", action="store_true", help="keep the last run; new tests, survivors again")
    parser.add_argument("globs", nargs="*", help="mutant names or globs, e.g. 'returns_core.money.*'")
    args = parser.parse_args()
    work = args.work.resolve()
    globs = list(args.globs)
    if args.again:
        refresh_tests(work)
        globs = globs or sorted(o.mutant for o in outcomes(work) if o.status not in KILLED)
    else:
        stage(work)
    mutmut = Path(sys.executable).parent / "mutmut"
    command = [str(mutmut), "run", "--max-children", str(args.jobs), *globs]
    print(f"$ cd {work} && mutmut " + " ".join(command[1:]), flush=True)
    finished = subprocess.run(command, cwd=work, check=False)
    if finished.returncode != 0:
        sys.exit(f"mutmut exited with {finished.returncode}")
    share = report(outcomes(work), [] if args.again else globs, work)
    if share < TARGET:
        sys.exit(1)


if __name__ == "__main__":
    main()
