"""`python -m returns_service.analytics`: the table, the CSV, and one line for a bad request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from local.stack import REPO_ROOT
from returns_service.analytics.__main__ import _width, main
from tests.analytics.records import Records, line


@pytest.fixture
def records(tmp_path: Path) -> Records:
    records = Records(tmp_path / "bucket")
    records.order("O1", [line("L1", "Acme", 10), line("L2", "雅鹿", 4)])
    records.requested("R1", "O1", [("L1", 3)], "quality_issue", "2026-05-02T00:00:00Z")
    records.received("R1", "O1", [("L1", 2, "intact")], day="2026-05-02")
    records.refunded("R1", "O1", "30.01", "2026-05-03T00:00:00Z", [("L1", 2, "20.00")])
    records.requested("R2", "O1", [("L2", 1)], "size_or_fit", "2026-05-02T00:00:00Z")
    return records


def test_a_table(records: Records, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--from", "2026-05-01", "--to", "2026-05-02", "--records", str(records.root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "returns of the orders delivered 2026-05-01 to 2026-05-02 (UTC), by brand"
    assert out[1].split() == [
        "brand",
        "sold",
        "returned",
        "rate",
        "merchant",
        "median",
        "h",
        "flag",
        "by",
        "reason",
        "refunded",
    ]
    assert out[2].split() == ["Acme", "10", "2", "0.2000", "0.2000", "24.0", "quality:2", "30.01", "CNY"]
    assert out[3].split() == ["雅鹿", "4", "1", "0.2500", "0.0000", "-", "size:1"]
    assert out[4].split()[:3] == ["(overall)", "14", "3"]
    # right-aligned on the screen: 雅鹿 takes four columns for two characters
    ends = [
        _width(row[: row.index(number) + len(number)])
        for row, number in ((out[1], "sold"), (out[2], "10"), (out[3], " 4"))
    ]
    assert ends[0] == ends[1] == ends[2]


def test_csv_into_a_file(records: Records, tmp_path: Path) -> None:
    target = tmp_path / "reasons.csv"
    arguments = [
        "--from",
        "2026-05-01",
        "--to",
        "2026-05-02",
        "--group-by",
        "reason",
        "--csv",
        "--output",
        str(target),
    ]
    assert main([*arguments, "--records", str(records.root)]) == 0
    rows = target.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith(
        "key,unitsSold,unitsReturned,returnRate,merchantFaultRate,medianHoursToRefund,flagged,"
    )
    assert rows[1:] == [
        "quality_issue,14,2,0.1429,0.1429,24.0,false,2,,,,,,,30.01",
        "size_or_fit,14,1,0.0714,0.0000,,false,,,,,,1,,",
    ]


def test_a_bad_request_is_one_line_and_status_2(records: Records, tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "layers" / "shared")}
    command = [
        sys.executable,
        "-m",
        "returns_service.analytics",
        "--from",
        "2026-05-02",
        "--to",
        "2026-05-01",
    ]
    done = subprocess.run(
        [*command, "--records", str(records.root)], capture_output=True, text=True, env=environment
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        2,
        "",
        "error: from (2026-05-02) is after to (2026-05-01)\n",
    )
    missing = subprocess.run(
        [*command[:5], "--to", "2026-05-03", "--records", str(tmp_path / "none")],
        capture_output=True,
        text=True,
        env=environment,
    )
    assert missing.returncode == 2 and "no records folder" in missing.stderr
