"""The Makefile a first-time user meets: `make help`, a first install that says what it does,
`make sam-build` with a pinned SAM CLI and no telemetry; the README says how to remove a stack."""

from __future__ import annotations

import re
import subprocess

from local.stack import REPO_ROOT

MAKEFILE = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")


def make(*args: str) -> str:
    run = subprocess.run(["make", "-s", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_make_help_lists_every_target_with_what_it_does() -> None:
    phony = re.search(r"^\.PHONY: (.+)$", MAKEFILE, flags=re.MULTILINE)
    assert phony is not None
    helped = {
        line.split()[1]: " ".join(line.split()[2:]) for line in make("help").splitlines() if line.strip()
    }
    assert set(helped) == set(phony.group(1).split())
    assert all(helped.values()), helped
    assert make() == make("help"), "plain `make` explains itself"


def test_a_first_install_says_it_is_installing() -> None:
    dry = make("-n", "install", "VENV=/nonexistent/venv-for-the-test")
    assert "Installing the development tools into /nonexistent/venv-for-the-test" in dry
    assert "(seconds: uv does it)" in dry


def test_sam_build_pins_the_sam_cli_and_sends_no_telemetry() -> None:
    dry = make("-n", "sam-build", "SAM_STAMP=/nonexistent/sam-stamp")
    pinned = re.search(r"aws-sam-cli==(\d+\.\d+\.\d+)", dry)
    assert pinned is not None, dry
    assert "Installing aws-sam-cli " + pinned.group(1) in dry
    assert make("-p", "-n", "help").count("SAM_CLI_TELEMETRY := 0") >= 1
    assert "export SAM_CLI_TELEMETRY := 0" in MAKEFILE


def test_the_readme_says_how_to_deploy_and_remove_a_stack() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    deploying = readme[readme.index("## Deploying") :]
    assert "sam delete --stack-name" in deploying
    assert "SAM_CLI_TELEMETRY=0" in deploying
