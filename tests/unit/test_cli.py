"""Contract section 3: `python -m returns_core.quote < request.json` prints the quote or one error line.

A handful of requests run as real subprocesses (one of each kind of answer: quote, shape error,
inconsistent snapshot, refused return), started together once per module since each costs ~0.5 s
of interpreter start-up. Every bad request also runs in-process through ``returns_core.quote.run``,
the function the module's ``__main__`` calls, to keep the suite fast.
"""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from returns_core import BadRequest, quote_request
from returns_core.quote import run
from tests.unit.refund_model import load_order, request

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Outcome:
    status: int
    stdout: str
    stderr: str


def seed(lines: dict[str, int], reason: str = "no_longer_needed", **extra: Any) -> str:
    return json.dumps(request(load_order("O-SEED-1"), lines, reason, **extra))


def seed_with(change: str, value: Any) -> str:
    """O-SEED-1, one of its fields changed (``path.to.field``), returning L2 for no_longer_needed."""
    order = copy.deepcopy(load_order("O-SEED-1"))
    *path, last = change.split(".")
    target: Any = order
    for part in path:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    return json.dumps(request(order, {"L2": 1}, "no_longer_needed"))


def edited(text: str, section: str, **fields: Any) -> str:
    data = json.loads(text)
    data[section].update(fields)
    return json.dumps(data)


GOOD_MINIMAL = json.dumps(
    {
        "order": load_order("O-SEED-1"),
        "previousReturns": [{"lines": [{"lineId": "L1", "quantity": 1}], "reason": "quality_issue"}],
        "return": {"lines": [{"lineId": "L2", "quantity": 1}], "reason": "no_longer_needed"},
    }
)
GOOD_EXPLICIT = json.dumps(
    {
        "order": load_order("O-SEED-1"),
        "previousReturns": [
            {
                "lines": [{"lineId": "L1", "quantity": 1}],
                "reason": "quality_issue",
                "fees": "0.00",
                "refunded": "50.00",
            }
        ],
        "return": {
            "lines": [{"lineId": "L2", "quantity": 1}],
            "reason": "no_longer_needed",
            "returnShippingFee": "0.00",
            "inspectionDeduction": "0.00",
        },
    }
)
PREVIOUS_L1 = [{"lines": [{"lineId": "L1", "quantity": 1}], "reason": "size_or_fit", "fees": "0.00"}]

# Each bad request of section 3, with a word the one-line error must contain to say what is wrong.
BAD: dict[str, tuple[str, str]] = {
    "malformed-json": ('{"order": {"orderId": "O-SEED-1",', "json"),
    "empty-input": ("", "json"),
    "not-an-object": ("[1, 2, 3]", "request"),
    "inconsistent-snapshot": (seed_with("payments.0.amount", "99.99"), "99.99"),
    "unknown-currency": (seed_with("currency", "RMB"), "RMB"),
    "promotion-unknown-line": (seed_with("promotions.0.lineIds", ["L1", "L7"]), "L7"),
    "unknown-line": (seed({"L9": 1}), "L9"),
    "unknown-reason": (seed({"L1": 1}, "changed_my_mind"), "reason"),
    "line-named-twice": (
        edited(
            seed({"L1": 1}),
            "return",
            lines=[{"lineId": "L1", "quantity": 1}, {"lineId": "L1", "quantity": 1}],
        ),
        "L1",
    ),
    "quantity-over-order": (seed({"L1": 2}), "L1"),
    "quantity-over-what-is-left": (seed({"L1": 1}, previous=PREVIOUS_L1), "L1"),
    "previous-over-order": (
        seed({"L2": 1}, previous=[dict(PREVIOUS_L1[0], lines=[{"lineId": "L1", "quantity": 2}])]),
        "L1",
    ),
    "previous-unknown-line": (
        seed({"L2": 1}, previous=[dict(PREVIOUS_L1[0], lines=[{"lineId": "L8", "quantity": 1}])]),
        "L8",
    ),
    "zero-quantity": (seed({"L1": 0}), "quantity"),
    "fee-wrong-digits": (seed({"L1": 1}, fee="6.0"), "6.0"),
    "deduction-wrong-digits-jpy": (
        json.dumps(request(load_order("O-JPY-3"), {"L2": 1}, "no_longer_needed", deduction="100.00")),
        "100.00",
    ),
    "previous-fees-wrong-digits": (
        seed({"L2": 1}, previous=[dict(PREVIOUS_L1[0], fees="1.5")]),
        "1.5",
    ),
    "negative-fee": (seed({"L1": 1}, fee="-6.00"), "-6.00"),
    "earlier-refunds-over-paid": (
        seed(
            {"L2": 1},
            previous=[dict(PREVIOUS_L1[0], refunded="100.01")],
        ),
        "100.01",
    ),
    "not-returnable-for-customer-choice": (
        json.dumps(request(load_order("O-MIX-2"), {"L4": 1}, "size_or_fit")),
        "L4",
    ),
    "out-of-stock-on-a-return": (seed({"L1": 1}, "out_of_stock"), "out_of_stock"),
    "return-reason-on-a-cancellation": (
        edited(seed({"L1": 1}, "size_or_fit"), "return", kind="cancellation"),
        "size_or_fit",
    ),
    "unknown-kind": (edited(seed({"L1": 1}), "return", kind="exchange"), "kind"),
    "unpaid-order": (json.dumps(request(load_order("O-PLACED-8"), {"L1": 1}, "other")), "not paid"),
}


def parses(text: str) -> bool:
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def start(stdin: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "shared")}
    process = subprocess.Popen(
        [sys.executable, "-m", "returns_core.quote"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    assert process.stdin is not None
    process.stdin.write(stdin)
    process.stdin.close()
    return process


SUBPROCESS = ("good-minimal", "malformed-json", "inconsistent-snapshot", "unknown-line", "fee-wrong-digits")
INPUTS = {"good-minimal": GOOD_MINIMAL, "good-explicit": GOOD_EXPLICIT} | {k: v for k, (v, _) in BAD.items()}


@pytest.fixture(scope="module")
def subprocesses() -> dict[str, Outcome]:
    """The SUBPROCESS requests, run at once as real ``python -m returns_core.quote`` processes."""
    processes = {name: start(INPUTS[name]) for name in SUBPROCESS}
    results = {}
    for name, process in processes.items():
        assert process.stdout is not None and process.stderr is not None
        stdout, stderr = process.stdout.read(), process.stderr.read()
        results[name] = Outcome(process.wait(timeout=60), stdout, stderr)
    return results


def in_process(name: str) -> Outcome:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = run(io.StringIO(INPUTS[name]), stdout, stderr)
    return Outcome(status, stdout.getvalue(), stderr.getvalue())


SEED_QUOTE = {
    "orderId": "O-SEED-1",
    "currency": "CNY",
    "lines": [{"lineId": "L2", "quantity": 1, "paidAmount": "50.00"}],
    "adjustments": [],
    "refundAmount": "50.00",
    "payments": [{"paymentId": "PAY-1", "amount": "50.00"}],
    "settlement": None,  # a B2C order: null (section 3)
}


def test_a_good_request_prints_the_quote(subprocesses: dict[str, Outcome]) -> None:
    # O-SEED-1 after L1 went back for quality_issue (50.00): L2 for no_longer_needed empties the
    # order, E = 100.00, refund 100.00 - 50.00 = 50.00; alloc - cost of K stays 0: no adjustment.
    outcome = subprocesses["good-minimal"]
    assert (outcome.status, outcome.stderr) == (0, "")
    assert json.loads(outcome.stdout) == SEED_QUOTE


def test_missing_fees_and_refunded_mean_zero_and_the_engine_own_refund() -> None:
    explicit = in_process("good-explicit")
    assert (explicit.status, explicit.stderr) == (0, "")
    assert json.loads(explicit.stdout) == SEED_QUOTE == json.loads(in_process("good-minimal").stdout)


def check_refused(outcome: Outcome, culprit: str) -> None:
    """Exit status 2, nothing on stdout, one line on stderr that names the culprit."""
    assert outcome.status == 2, outcome
    assert outcome.stdout == ""
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert "Traceback" not in outcome.stderr
    assert culprit.lower() in lines[0].lower(), lines[0]


@pytest.mark.parametrize("case", [name for name in SUBPROCESS if name in BAD])
def test_a_bad_request_from_the_shell_exits_2(subprocesses: dict[str, Outcome], case: str) -> None:
    check_refused(subprocesses[case], BAD[case][1])


@pytest.mark.parametrize("case", sorted(BAD))
def test_every_bad_request_gives_one_error_line_and_status_2(case: str) -> None:
    check_refused(in_process(case), BAD[case][1])


# --- The same engine as a library: returns_core.quote_request(dict) -> dict ------------------------


def test_quote_request_takes_and_gives_plain_dicts() -> None:
    request = json.loads(GOOD_MINIMAL)
    untouched = copy.deepcopy(request)
    result = quote_request(request)
    assert result == SEED_QUOTE
    assert json.loads(json.dumps(result)) == result, "plain JSON data, nothing else"
    assert request == untouched, "the caller's request is not changed"


@pytest.mark.parametrize("case", sorted(name for name, (text, _) in BAD.items() if parses(text)))
def test_quote_request_raises_bad_request_with_the_cli_message(case: str) -> None:
    with pytest.raises(BadRequest) as raised:
        quote_request(json.loads(INPUTS[case]))
    assert isinstance(raised.value, ValueError)
    assert in_process(case).stderr == f"error: {raised.value}\n"


@pytest.mark.parametrize("request_", [None, "O-SEED-1", 42, {"order": None}])
def test_quote_request_refuses_what_is_not_a_request(request_: object) -> None:
    with pytest.raises(BadRequest, match=r"request|order"):
        quote_request(request_)
