"""`make run` + `make demo` end to end: the local stack as a real subprocess on a free port, the
seed's story over real HTTP, then the demo's command against the same server (it answers, so the
demo replays the story on fresh copies of the orders), then a clean stop of that server on SIGINT."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import pytest

from local.demo import Client, Story, start_server, stop_server, wait_ready
from local.stack import REPO_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[Client, subprocess.Popen[str], IO[str]]]:
    """One `make run` server for the module (starting one costs seconds): the last test stops it."""
    port = free_port()
    client = Client(f"http://127.0.0.1:{port}")
    with tempfile.TemporaryFile("w+") as log, tempfile.TemporaryDirectory() as records:
        process = start_server(port, log, Path(records))
        try:
            wait_ready(client, process, timeout=60)
            yield client, process, log
        finally:
            stop_server(process)
            log.seek(0)
            print(log.read()[-3000:])


@pytest.fixture
def server(running: tuple[Client, subprocess.Popen[str], IO[str]]) -> tuple[Client, subprocess.Popen[str]]:
    client, process, _ = running
    assert process.poll() is None, "the module's server was stopped by an earlier test"
    return client, process


def adjustments(quote: dict[str, Any]) -> dict[str, str]:
    return {a["kind"]: a["amount"] for a in quote["adjustments"]}


def test_the_seed_story_over_http(server: tuple[Client, subprocess.Popen[str]]) -> None:
    client, _ = server
    lines: list[str] = []
    results = Story(client, out=lines.append).run()

    first = results["L2"]
    assert first["quote"]["refundAmount"] == "0.00"
    assert first["quote"]["lines"] == [{"lineId": "L2", "quantity": 1, "paidAmount": "50.00"}]
    assert adjustments(first["quote"]) == {"promotion_clawback": "-50.00"}
    assert "199.00" in first["quote"]["adjustments"][0]["description"]
    assert first["final"]["status"] == "REFUNDED"
    assert first["final"]["refund"]["refundAmount"] == "0.00"

    second = results["L1"]
    assert second["quote"]["refundAmount"] == "100.00"
    assert adjustments(second["quote"]) == {"promotion_clawback": "50.00"}
    assert second["final"]["refund"]["refundAmount"] == "100.00"
    assert second["final"]["refund"]["payments"] == [{"paymentId": "PAY-1", "amount": "100.00"}]

    quality = results["quality"]
    assert quality["final"]["orderId"] == "O-POP-4"
    assert quality["final"]["status"] == "REFUNDED"
    refunded = Decimal(quality["final"]["refund"]["refundAmount"])
    parts = [Decimal(line["paidAmount"]) for line in quality["quote"]["lines"]]
    parts += [Decimal(a["amount"]) for a in quality["quote"]["adjustments"]]
    assert refunded == sum(parts) > 0

    fee = results["fee"]  # contract section 5a: proposed, accepted, taken off the refund
    fee_history = [(entry["status"], entry["actor"]) for entry in fee["final"]["history"]]
    assert ("AWAITING_CUSTOMER", "cs:agent-1") in fee_history  # CS proposed
    assert ("AWAITING_RECEIPT", "cust-1001") in fee_history  # the customer accepted
    assert adjustments(fee["final"]["quote"])["return_shipping_fee"] == "-6.00"
    assert fee["final"]["refund"]["refundAmount"] == "33.00"  # 39.00 less the 6.00 fee
    assert any("the customer accepted: AWAITING_RECEIPT" in line for line in lines)

    statuses = [entry["status"] for entry in first["final"]["history"]]
    for status in ("REQUESTED", "PENDING_REVIEW", "AWAITING_RECEIPT", "REFUNDING", "REFUNDED"):
        assert status in statuses
    assert any("promotion_clawback -50.00" in line for line in lines)

    # A POP return (contract section 8): the seller receives, the refund is split.
    pop = results["pop"]
    split = {"sellerId": "seller-901", "sellerDebit": "35.00", "platformShare": "-3.50"}
    assert pop["quote"]["refundAmount"] == "31.50" and pop["quote"]["settlement"] == split
    assert pop["final"]["status"] == "REFUNDED" and pop["final"]["refund"]["refundAmount"] == "31.50"
    assert pop["refundIssued"]["settlement"] == split
    listed = pop["settlements"]
    mine = [item for item in listed["items"] if item["refundId"] == pop["final"]["refund"]["refundId"]]
    assert mine == [
        {
            "refundId": pop["final"]["refund"]["refundId"],
            "orderId": pop["final"]["orderId"],
            "returnId": pop["returnId"],
            "currency": "CNY",
            "refundAmount": "31.50",
            "sellerDebit": "35.00",
            "platformShare": "-3.50",
            "paidAt": pop["final"]["refund"]["paidAt"],
        }
    ]
    debits = sum(Decimal(item["sellerDebit"]) for item in listed["items"])
    shares = sum(Decimal(item["platformShare"]) for item in listed["items"])
    assert listed["totals"] == [{"currency": "CNY", "sellerDebit": f"{debits}", "platformShare": f"{shares}"}]
    assert any("Return Awaiting Receipt: received by the seller seller-901" in line for line in lines)
    assert any("received by the seller seller-901: REFUNDING" in line for line in lines)
    assert any("settlement: seller seller-901 35.00, platform -3.50" in line for line in lines)

    assert "== done: every return REFUNDED, every cancellation COMPLETED" in lines

    # The brands as CS analytics sees them. The server also holds the console's sample returns
    # and, when the other test ran first, the story told again on copies: Keyco (L2), Logitek (L1)
    # and Shellz (O-POP-4, twice per telling) came back at least once, and their refunds are the
    # story's, whole.
    brands = {row["key"]: row for row in results["analytics"]["rows"]}
    for brand, reason, refund in (
        ("Keyco", "no_longer_needed", 0),
        ("Logitek", "no_longer_needed", 100),
        ("Shellz", "quality_issue", 80),  # 47.00 (quality issue) + 33.00 (the fee the customer agreed to)
    ):
        row = brands[brand]
        assert row["unitsSold"] >= row["unitsReturned"] >= row["byReason"][reason] >= 1, row
        assert Decimal(row["returnRate"]) == round(Decimal(row["unitsReturned"]) / row["unitsSold"], 4)
        [paid] = row["refunded"]
        assert paid["currency"] == "CNY" and Decimal(paid["amount"]) % max(refund, 1) == 0, row
        assert row["medianHoursToRefund"] == "0.0" and row["flagged"] is False
    assert Decimal(brands["Logitek"]["refunded"][0]["amount"]) >= 100
    assert Decimal(brands["Shellz"]["merchantFaultRate"]) > 0  # its quality issue
    assert brands["Uji"]["unitsReturned"] == 0 and brands["Uji"]["unitsSold"] == 2  # O-JPY-3
    assert any(line.strip().startswith("== analytics") for line in lines)
    assert lines[-1].lstrip().startswith("(overall)")

    # Before delivery (售前取消): the same two items, paid and not shipped, then an unpaid order.
    cancelled_one = results["cancel L2"]
    assert cancelled_one["quote"]["refundAmount"] == "0.00"
    assert adjustments(cancelled_one["quote"]) == {"promotion_clawback": "-50.00"}
    assert cancelled_one["final"]["status"] == "COMPLETED"
    assert cancelled_one["final"]["refund"]["refundAmount"] == "0.00"
    assert [h["actor"] for h in cancelled_one["final"]["history"]][2] == "fulfilment"
    cancelled_other = results["cancel L1"]
    assert cancelled_other["final"]["lines"] == [{"lineId": "L1", "quantity": 1}]
    assert cancelled_other["final"]["refund"]["refundAmount"] == "100.00"
    assert cancelled_other["final"]["refund"]["payments"] == [{"paymentId": "PAY-1", "amount": "100.00"}]
    unpaid = results["unpaid"]
    assert unpaid["final"]["status"] == "COMPLETED" and unpaid["final"]["refund"] is None
    assert [h["status"] for h in unpaid["final"]["history"]] == ["REQUESTED", "COMPLETED"]
    assert unpaid["quote"]["payments"] == [] and unpaid["quote"]["refundAmount"] == "0.00"
    assert any("fulfilment answered stopped" in line for line in lines)


def test_make_demo_against_a_running_server_replays_on_copies(
    server: tuple[Client, subprocess.Popen[str]],
) -> None:
    client, _ = server
    port = client.base_url.rsplit(":", 1)[1]
    Story(client, out=lambda line: None).run()  # the originals are used up, whichever test ran first
    done = subprocess.run(
        [sys.executable, "-m", "local.demo"],
        cwd=REPO_ROOT,
        env={**os.environ, "PORT": port},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "already has returns on this server" in done.stdout
    assert "already has cancellations on this server" in done.stdout
    assert "REFUNDED: 100.00 (PAY-1 100.00)" in done.stdout
    assert "== analytics" in done.stdout and "Shellz" in done.stdout
    assert "COMPLETED: 100.00 (PAY-1 100.00)" in done.stdout
    assert "starting the local stack" not in done.stdout


def test_the_server_stops_cleanly_on_sigint(running: tuple[Client, subprocess.Popen[str], IO[str]]) -> None:
    """Last in the module: it stops the module's server (after the stories above, if they ran)."""
    client, process, log = running
    token = client.token("cust-1003")
    assert client.call("GET", "/returns?orderId=O-JPY-3", token=token) == (
        200,
        {"items": [], "nextToken": None},
    )
    assert client.call("GET", "/returns")[0] == 401
    assert stop_server(process) == 0
    log.seek(0)
    output = log.read()
    assert "ready on" in output and "stopping (SIGINT)" in output
    assert "a return not reviewed within 600 s (10 minutes) is approved automatically" in output
    assert "STACK_PARAMETERS='ReviewTimeoutSeconds=86400" in output and "for a clean state" in output
    # Quiet by default: the server's one line per request, none of the functions' JSON logs.
    assert "GET /returns?orderId=O-JPY-3 -> 200" in output
    assert '"level":"INFO"' not in output and '"message":"request answered"' not in output
    seeded = "O-JPY-3, O-MIX-2, O-PAID-7, O-PLACED-8, O-POP-4, O-POP-6, O-SEED-1, O-SHIP-5"
    assert f"Seeded orders (moved to the present): {seeded}" in output
