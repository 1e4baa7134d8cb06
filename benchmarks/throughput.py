"""The local stack's throughput: happy-path returns a second over HTTP, and whether it holds up.

`make run`'s server (local/server.py, the template deployed into moto) runs on a free port, a
process of its own as `make run` is; CLIENTS client threads of this process share RETURNS returns
of fresh copies of O-SEED-1 and drive each the whole way over HTTP as the storefront, CS and the
warehouse would: create, wait for the review, approve, wait for the signed receipt URL, post the
receipt, wait for REFUNDED (polling every POLL_SECONDS). Printed: returns a second over the whole
run, and the first half against the second half (the local stack must not slow down as its
tables fill), with CPU time (the server's and the clients' together) beside the wall time: the
machine is shared, and a busy neighbour shows as wall time without CPU time.
"""

from __future__ import annotations

import json
import os
import queue
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

RETURNS = 200
CLIENTS = 4
POLL_SECONDS = 0.05
TIMEOUT_SECONDS = 60.0


class BenchError(RuntimeError):
    """A return did not go the happy path (the message shows the answer)."""


@dataclass
class _Client:
    base_url: str

    def call(self, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def expect(self, status: int, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        got, answer = self.call(method, path, body, token)
        if got != status:
            raise BenchError(f"{method} {path}: {got} (expected {status}): {answer}")
        return answer

    def until(self, what: str, probe: Any) -> Any:
        deadline = time.monotonic() + TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            value = probe()
            if value:
                return value
            time.sleep(POLL_SECONDS)
        raise BenchError(f"timed out waiting for {what}")


def _one_return(client: _Client, order_id: str, customer: str, agent: str) -> None:
    created = client.expect(
        201,
        "POST",
        "/returns",
        {
            "orderId": order_id,
            "lines": [{"lineId": "L1", "quantity": 1}],
            "reason": "quality_issue",
            "reasonDetail": "",
            "method": "pickup",
        },
        customer,
    )
    return_id = str(created["returnId"])

    def status_is(wanted: str) -> bool:
        answer = client.expect(200, "GET", f"/returns/{return_id}", token=customer)
        return bool(answer["status"] == wanted)

    client.until("the review", lambda: status_is("PENDING_REVIEW"))
    client.expect(
        200,
        "POST",
        f"/cs/returns/{return_id}/review",
        {"decision": "approve", "returnShippingPaidBy": "merchant", "note": "ok"},
        agent,
    )

    def callback() -> str | None:
        kind = quote("Return Awaiting Receipt")
        events = client.expect(200, "GET", f"/_local/events?detailType={kind}&returnId={return_id}")
        for event in events["events"]:
            if event["Detail"].get("returnId") == return_id:  # the server filters too (fewer bytes)
                url = urlsplit(str(event["Detail"]["callbackUrl"]))
                return f"{url.path}?{url.query}"
        return None

    path = client.until("the signed receipt URL", callback)
    receipt = {
        "lines": [{"lineId": "L1", "quantity": 1, "condition": "intact"}],
        "inspector": "w",
        "note": "",
    }
    client.expect(200, "POST", path, receipt)
    client.until("the refund", lambda: status_is("REFUNDED"))


def _process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(returns: int = RETURNS, clients: int = CLIENTS) -> dict[str, Any]:
    """`make run`'s server on a free port (a process of its own, as `make run` is), driven by
    `clients` threads of this process; wall and CPU seconds of each half."""
    from local.demo import Client, start_server, stop_server, wait_ready
    from local.server import _free_port

    port = _free_port("127.0.0.1", 20000 + os.getpid() % 20000) or 3999
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="returns-throughput-") as folder:
        log_path = Path(folder) / "server.log"
        with log_path.open("w+") as log:
            process = start_server(port, log, records_dir=Path(folder) / "records")
            try:
                wait_ready(Client(base_url), process)
                deadline = time.monotonic() + TIMEOUT_SECONDS
                # The server asks for the CS console's sample returns once it serves: not timed.
                while "Sample returns for the CS console" not in log_path.read_text():
                    if time.monotonic() > deadline:
                        raise BenchError("the server did not finish seeding its sample returns")
                    time.sleep(0.1)
                return _drive(_Client(base_url), process.pid, returns, clients)
            finally:
                stop_server(process)


def _drive(client: _Client, server_pid: int, returns: int, clients: int) -> dict[str, Any]:
    from local.orders import load_example_orders, moved_to_present

    template = load_example_orders()["O-SEED-1"]
    tokens = "/_local/tokens"
    customer = client.expect(200, "POST", tokens, {"sub": template["customerId"], "groups": []})["token"]
    agent = client.expect(200, "POST", tokens, {"sub": "agent-1", "groups": ["cs"]})["token"]
    orders = []
    for i in range(returns):
        order = moved_to_present({**template, "orderId": f"O-THROUGHPUT-{i}"})
        client.expect(202, "POST", "/_local/orders", order)
        orders.append(str(order["orderId"]))
    work: queue.Queue[str] = queue.Queue()
    for order_id in orders:
        work.put(order_id)
    finished: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker() -> None:
        while not errors:
            try:
                order_id = work.get_nowait()
            except queue.Empty:
                return
            try:
                _one_return(client, order_id, customer, agent)
            except BaseException as exc:
                errors.append(exc)
                return
            with lock:
                finished.append(time.perf_counter())

    def cpu() -> float:
        return _process_cpu(server_pid) + time.process_time()

    cpu_start, wall_start, server_start = cpu(), time.perf_counter(), _process_cpu(server_pid)
    halfway_cpu: list[float] = []
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    half = returns // 2
    while any(t.is_alive() for t in threads):
        if not halfway_cpu and len(finished) >= half:
            halfway_cpu.append(cpu())
        time.sleep(0.01)
    if errors:
        raise errors[0]
    wall_end, cpu_end, server_end = time.perf_counter(), cpu(), _process_cpu(server_pid)
    finished.sort()
    halfway = finished[half - 1]
    cpu_half = halfway_cpu[0] if halfway_cpu else cpu_end
    return {
        "returns": returns,
        "clients": clients,
        "wall": wall_end - wall_start,
        "cpu": cpu_end - cpu_start,
        "server_cpu": server_end - server_start,
        "first_wall": halfway - wall_start,
        "second_wall": finished[-1] - halfway,
        "first_cpu": cpu_half - cpu_start,
        "second_cpu": cpu_end - cpu_half,
        "load": os.getloadavg(),
    }


def main() -> None:
    figures = run()
    n, half = figures["returns"], figures["returns"] // 2
    print(
        f"Local stack throughput: {n} happy-path returns over HTTP (create, approve, receipt, refunded),"
        f" {figures['clients']} clients"
    )
    print(
        f"  {n / figures['wall']:.1f} returns/s end to end ({figures['wall']:.1f} s wall,"
        f" {figures['cpu']:.1f} s CPU, {figures['cpu'] / n * 1000:.0f} ms CPU a return, of which the"
        f" server {figures['server_cpu'] / n * 1000:.0f} ms)"
    )
    first, second = figures["first_wall"], figures["second_wall"]
    print(
        f"  first {half}: {first:.1f} s wall, {figures['first_cpu']:.1f} s CPU;"
        f" second {n - half}: {second:.1f} s wall, {figures['second_cpu']:.1f} s CPU"
        f" -> second/first {second / first:.2f} wall, {figures['second_cpu'] / figures['first_cpu']:.2f} CPU"
    )
    load = ", ".join(f"{x:.2f}" for x in figures["load"])
    print(f"  load average at the end: {load} (the machine is shared: compare CPU when wall is noisy)")


if __name__ == "__main__":
    main()
