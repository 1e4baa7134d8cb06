"""`make demo`: the seed order's story, told over HTTP to the local stack (`make run`).

O-SEED-1 (two items at 100.00 under 满199减100, 100.00 paid) is the contract's worked example:
returning L2 for `no_longer_needed` refunds 0.00 (the kept item no longer reaches 199.00), then
returning L1 refunds the other 100.00; a `quality_issue` return on another order of cust-1001
shows a merchant-fault refund. Each return goes the whole way: quote, create, CS review,
warehouse receipt through the signed callback URL of the `Return Awaiting Receipt` event, refund.
It ends with the brands of the example orders as CS analytics sees them (`GET /cs/analytics/returns`,
section 9): the records the template's Firehose streams wrote, queried by DuckDB.

Then the same items before they ship (售前取消): O-PAID-7 is paid, not shipped; cancelling one
refunds 0.00, then the other 100.00, each stopped by fulfilment on the signed URL of its
`Cancellation Requested` event. O-PLACED-8 is not paid: its cancellation completes at once.

Then a marketplace (POP) return of O-POP-6 (contract section 8): one mug back, the parcel
registered by the customer, received by the seller through the same signed URL, the refund
(31.50) split between the seller (35.00) and the platform (-3.50), and finance's settlements
route listing it with the period's totals.

The demo starts `python -m local.server` when nothing answers on $PORT, and stops it at the end.
On a server where the story was already told, it replays it on fresh copies of the orders.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import quote as quote_url
from urllib.parse import urlsplit

from local.orders import load_example_orders, moved_to_present
from local.stack import REPO_ROOT

DEFAULT_PORT = 3000
FINAL = {"REFUNDED", "REJECTED", "CANCELLED", "EXPIRED", "RETURNED_TO_CUSTOMER", "REFUND_FAILED"}
CANCELLATION_FINAL = {"COMPLETED", "FAILED", "REFUND_FAILED"}


class DemoError(RuntimeError):
    """The service did not answer as the story expects; the message shows what it said."""


@dataclass
class Client:
    """A small urllib client of the local stack's HTTP API."""

    base_url: str
    timeout: float = 15.0

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """(status, parsed JSON body or None) of one request; `path` may be a full URL."""
        url = path if path.startswith("http") else self.base_url + path
        sent = {"content-type": "application/json", **(headers or {})}
        if token:
            sent["authorization"] = f"Bearer {token}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.status, _parse(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _parse(error.read())

    def expect(self, status: int, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        """The body of a request that must answer `status`; DemoError with the answer otherwise."""
        got, answer = self.call(method, path, body, **kwargs)
        if got != status:
            raise DemoError(f"{method} {path}: expected {status}, got {got}: {json.dumps(answer)}")
        return answer

    def token(self, sub: str, groups: list[str] | None = None) -> str:
        return str(self.expect(200, "POST", "/_local/tokens", {"sub": sub, "groups": groups or []})["token"])

    def answers(self) -> bool:
        try:
            return self.call("GET", "/_local/health")[0] == 200
        except (urllib.error.URLError, OSError):
            return False


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return raw.decode("utf-8", errors="replace")


@dataclass
class Story:
    """Drives the returns through the API and prints each step; `results` for the test to check."""

    client: Client
    out: Callable[[str], None] = print
    poll_timeout: float = 30.0
    results: dict[str, dict[str, Any]] = field(default_factory=dict)

    def run(self) -> dict[str, dict[str, Any]]:
        client = self.client
        customer = client.token("cust-1001")
        agent = client.token("agent-1", ["cs"])
        seed = self._fresh_order("O-SEED-1", customer)
        self.out(f"== {seed}: two items at 100.00 under 满199减100, 100.00 paid (cust-1001)")
        no_longer_needed = "no_longer_needed"
        self.results["L2"] = self._return(
            "1. L2 back because it is no longer needed",
            seed,
            "L2",
            no_longer_needed,
            customer,
            agent,
            "customer",
        )
        self.results["L1"] = self._return(
            "2. then L1, for the same reason", seed, "L1", no_longer_needed, customer, agent, "customer"
        )
        pop = self._fresh_order("O-POP-4", customer)
        self.out(f"\n== {pop}: a marketplace (POP) order of cust-1001")
        self.results["quality"] = self._return(
            "3. a quality issue (merchant fault): the merchant pays the return shipping",
            pop,
            "L1",
            "quality_issue",
            customer,
            agent,
            "merchant",
        )
        agreed = self._fresh_order("O-POP-4", customer)
        self.results["fee"] = self._return(
            "4. a size that does not fit (customer's choice): CS proposes a 6.00 return-shipping fee,"
            " the customer accepts it",
            agreed,
            "L1",
            "size_or_fit",
            customer,
            agent,
            "customer",
            fee="6.00",
        )
        self._cancellations(customer)
        market = self._fresh_order("O-POP-6", client.token("cust-1002"))
        self.out(
            f"\n== {market}: a marketplace (POP) order of seller-901 (cust-1002): a kettle at 129.00 and"
            " two mugs at 35.00 under the shop's 满150减20 (funded by the seller) and the platform's"
            " 9折 coupon (funded by the platform), 161.10 paid"
        )
        self.results["pop"] = self._return(
            "8. one mug back, no longer needed: it goes back to the seller, and the refund is split",
            market,
            "L2",
            no_longer_needed,
            client.token("cust-1002"),
            agent,
            "merchant",
            seller="seller-901",
        )
        self.results["pop"]["settlements"] = self._settlements("seller-901", agent, self.results["pop"])
        self.out("")
        self.out("== done: every return REFUNDED, every cancellation COMPLETED")
        self.results["analytics"] = self._analytics(agent)
        return self.results

    def _analytics(self, agent: str) -> dict[str, Any]:
        """The brands of the example orders (all delivered within the last 30 days here)."""
        today = datetime.now(UTC).date()
        start = (today - timedelta(days=30)).isoformat()
        path = f"/cs/analytics/returns?from={start}&to={today.isoformat()}&groupBy=brand"
        report: dict[str, Any] = self.client.expect(200, "GET", path, token=agent)
        self.out(f"\n== analytics: the example orders' brands as CS sees them (GET {path})")
        for line in brand_table(report):
            self.out(f"   {line}")
        return report

    def _cancellations(self, customer: str) -> None:
        paid = self._fresh_order("O-PAID-7", customer, "/cancellations")
        self.out(f"\n== {paid}: the same two items under 满199减100, paid (100.00), not shipped yet")
        no_longer_needed = "no_longer_needed"
        self.results["cancel L2"] = self._cancel(
            "5. cancel L2 before it ships: no longer needed",
            paid,
            [{"lineId": "L2", "quantity": 1}],
            customer,
        )
        self.results["cancel L1"] = self._cancel(
            "6. then the other one (lines left out: every unit left)", paid, None, customer, no_longer_needed
        )
        unpaid = self._fresh_order("O-PLACED-8", customer, "/cancellations")
        self.out(f"\n== {unpaid}: placed, not paid yet")
        self.results["unpaid"] = self._cancel("7. cancel the whole order", unpaid, None, customer)

    # -- the steps -----------------------------------------------------------------------------
    def _fresh_order(self, order_id: str, customer: str, listing: str = "/returns") -> str:
        """`order_id` when nothing was returned (or cancelled) from it yet on this server, else a
        fresh copy of the example, put on the bus as the order system would."""
        listed = self.client.expect(200, "GET", f"{listing}?orderId={order_id}", token=customer)
        if not listed["items"]:
            return order_id
        copy_id = f"{order_id}-{uuid.uuid4().hex[:6].upper()}"
        snapshot = moved_to_present({**load_example_orders()[order_id], "orderId": copy_id})
        self.client.expect(202, "POST", "/_local/orders", snapshot)
        self.out(
            f"   ({order_id} already has {listing.strip('/')} on this server: the story is told on a copy,"
            f" {copy_id})"
        )
        return copy_id

    def _return(
        self,
        title: str,
        order_id: str,
        line_id: str,
        reason: str,
        customer: str,
        agent: str,
        paid_by: str,
        fee: str | None = None,
        *,
        seller: str | None = None,
    ) -> dict[str, Any]:
        """One return of one unit of `line_id`, from the quote to the refund; with a `fee`, CS
        proposes it and the customer accepts it first (contract section 5a); with a `seller` (a
        POP order) the customer registers the parcel and the seller receives it (section 8)."""
        client = self.client
        self.out(f"\n{title}")
        lines = [{"lineId": line_id, "quantity": 1}]
        path = f"/orders/{order_id}/return-quotes"
        quote = client.expect(200, "POST", path, {"lines": lines, "reason": reason}, token=customer)
        self._show_quote("quote", quote)
        self._show_settlement(quote)
        body = {
            "orderId": order_id,
            "lines": lines,
            "reason": reason,
            "reasonDetail": f"demo: {reason}",
            "method": "ship_to_warehouse",
        }
        created = client.expect(
            201, "POST", "/returns", body, token=customer, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
        return_id = str(created["returnId"])
        self.out(f"   created {return_id}: {created['status']}")
        pending = self._wait(return_id, customer, {"PENDING_REVIEW"})
        self.out(f"   eligibility checked: {pending['status']}")

        queue = client.expect(200, "GET", "/cs/returns?status=PENDING_REVIEW&limit=100", token=agent)
        in_queue = any(item["returnId"] == return_id for item in queue["items"])
        self.out(f"   CS queue (PENDING_REVIEW) has it: {in_queue}")
        review = {"decision": "approve", "returnShippingPaidBy": paid_by, "returnShippingFee": fee or "0.00"}
        review["note"] = (
            "approved in the demo" if fee is None else "bulky parcel: the customer pays the return"
        )
        approved = client.expect(200, "POST", f"/cs/returns/{return_id}/review", review, token=agent)
        self.out(f"   CS approved ({paid_by} pays return shipping): {approved['status']}")
        if fee is not None:
            proposal = approved["proposal"]
            self.out(
                f"   proposal to the customer: {proposal['kind']} {proposal['amount']}"
                f" (answer by {proposal['expiresAt']}); the quote it would give:"
            )
            self._show_quote("proposed quote", approved["quote"])
            answer = {"decision": "accept", "note": "fine, I pay the return"}
            accepted = client.expect(200, "POST", f"/returns/{return_id}/proposal", answer, token=customer)
            self.out(f"   the customer accepted: {accepted['status']}")

        awaiting = self._event("Return Awaiting Receipt", return_id)
        callback = self._local(str(awaiting["callbackUrl"]))
        receiver = awaiting["receivedBy"] + (f" {awaiting['sellerId']}" if awaiting.get("sellerId") else "")
        self.out(f"   Return Awaiting Receipt: received by the {receiver}")
        self.out(f"   signed receipt URL: {urlsplit(callback).path}?expires=...&signature=...")
        if seller is not None:
            parcel = {"carrier": "SF Express", "trackingNumber": f"SF{uuid.uuid4().int % 10**10:010d}"}
            client.expect(200, "POST", f"/returns/{return_id}/shipment", parcel, token=customer)
            self.out(
                f"   the customer registered the parcel ({parcel['carrier']} {parcel['trackingNumber']}):"
                " the seller's receipt time limit runs"
            )
        receipt = {
            "lines": [{**line, "condition": "intact"} for line in lines],
            "inspector": seller or "wh-demo",
            "note": "received intact",
        }
        received = client.expect(200, "POST", callback, receipt)
        got = self._event("Return Received", return_id)
        where = (
            "by the seller " + str(got["sellerId"]) if got["receivedBy"] == "seller" else "at the warehouse"
        )
        self.out(f"   received {where}: {received['status']}")

        final = self._wait(return_id, customer, FINAL)
        if final["status"] != "REFUNDED":
            raise DemoError(f"{return_id} ended {final['status']}: {json.dumps(final['history'])}")
        refund = final["refund"] or {}
        payments = ", ".join(f"{p['paymentId']} {p['amount']}" for p in refund.get("payments", []))
        self.out(f"   {final['status']}: {refund.get('refundAmount')} ({payments})")
        self._show_quote("final quote", final["quote"])
        issued = self._event("Refund Issued", return_id)
        if issued.get("settlement"):
            split = issued["settlement"]
            self.out(
                f"   Refund Issued: {issued['refundAmount']}, seller {split['sellerId']} pays"
                f" {split['sellerDebit']}, the platform {split['platformShare']}"
            )
        return {"returnId": return_id, "quote": quote, "final": final, "refundIssued": issued}

    def _show_settlement(self, quote: dict[str, Any]) -> None:
        split = quote.get("settlement")
        if split:
            self.out(
                f"     settlement: seller {split['sellerId']} {split['sellerDebit']},"
                f" platform {split['platformShare']} (together the refund, {quote['refundAmount']})"
            )

    def _settlements(self, seller: str, agent: str, refunded: dict[str, Any]) -> dict[str, Any]:
        """Finance's view: the seller's settlements of the day the refund was paid."""
        day = str(refunded["final"]["refund"]["paidAt"])[:10]
        path = f"/cs/sellers/{seller}/settlements?from={day}&to={day}&limit=100"
        listed: dict[str, Any] = self.client.expect(200, "GET", path, token=agent)
        self.out(f"\n9. finance: GET /cs/sellers/{seller}/settlements?from={day}&to={day}")
        refund_id = refunded["final"]["refund"]["refundId"]
        for item in listed["items"]:
            if item["refundId"] == refund_id:
                self.out(
                    f"   {item['refundId']} ({item['returnId']}): refund {item['refundAmount']}"
                    f" {item['currency']}, seller {item['sellerDebit']}, platform {item['platformShare']}"
                )
        for total in listed["totals"]:
            self.out(
                f"   the period's totals, {total['currency']}: seller {total['sellerDebit']},"
                f" platform {total['platformShare']}"
            )
        return listed

    def _cancel(
        self,
        title: str,
        order_id: str,
        lines: list[dict[str, Any]] | None,
        customer: str,
        reason: str = "no_longer_needed",
    ) -> dict[str, Any]:
        """One cancellation before delivery, from the quote to its end (fulfilment says stopped)."""
        client = self.client
        self.out(f"\n{title}")
        asked: dict[str, Any] = {"reason": reason}
        if lines is not None:
            asked["lines"] = lines
        quote = client.expect(200, "POST", f"/orders/{order_id}/cancellation-quotes", asked, token=customer)
        self._show_quote("quote", quote)
        created = client.expect(
            201,
            "POST",
            f"/orders/{order_id}/cancellations",
            {**asked, "reasonDetail": f"demo: {reason}"},
            token=customer,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        cancellation_id = str(created["cancellationId"])
        units = ", ".join(f"{line['lineId']} x{line['quantity']}" for line in created["lines"])
        self.out(f"   created {cancellation_id} ({units}): {created['status']}")
        state = self._wait_cancellation(
            cancellation_id, customer, {"AWAITING_FULFILMENT", *CANCELLATION_FINAL}
        )
        if state["status"] == "AWAITING_FULFILMENT":
            self.out("   fulfilment asked to stop the units (Cancellation Requested): AWAITING_FULFILMENT")
            callback = self._signed_url("Cancellation Requested", "cancellationId", cancellation_id)
            self.out(f"   fulfilment callback: {urlsplit(callback).path}?expires=...&signature=...")
            answer = {"outcome": "stopped", "note": "picked back before packing"}
            answered = client.expect(200, "POST", callback, answer)
            self.out(f"   fulfilment answered stopped: {answered['status']}")
            state = self._wait_cancellation(cancellation_id, customer, CANCELLATION_FINAL)
        else:
            self.out(f"   {state['history'][-1]['note']}: {state['status']}")
        if state["status"] != "COMPLETED":
            raise DemoError(f"{cancellation_id} ended {state['status']}: {json.dumps(state['history'])}")
        refund = state["refund"]
        if refund is None:
            self.out("   refund: none, nothing was paid")
        else:
            payments = ", ".join(f"{p['paymentId']} {p['amount']}" for p in refund["payments"])
            self.out(f"   COMPLETED: {refund['refundAmount']} ({payments})")
            self._show_quote("final quote", state["quote"])
        return {"cancellationId": cancellation_id, "quote": quote, "final": state}

    def _wait_cancellation(self, cancellation_id: str, token: str, wanted: set[str]) -> dict[str, Any]:
        deadline = time.monotonic() + self.poll_timeout
        while True:
            answer: dict[str, Any] = self.client.expect(
                200, "GET", f"/cancellations/{cancellation_id}", token=token
            )
            if answer["status"] in wanted:
                return answer
            if answer["status"] in CANCELLATION_FINAL or time.monotonic() > deadline:
                raise DemoError(f"{cancellation_id} is {answer['status']}, waited for {sorted(wanted)}")
            time.sleep(0.1)

    def _show_quote(self, label: str, quote: dict[str, Any]) -> None:
        self.out(f"   {label}: refund {quote['refundAmount']} {quote['currency']}")
        for line in quote["lines"]:
            self.out(f"     line {line['lineId']} x{line['quantity']}: paid {line['paidAmount']}")
        for adjustment in quote["adjustments"]:
            self.out(f"     {adjustment['kind']} {adjustment['amount']}: {adjustment['description']}")

    def _wait(self, return_id: str, token: str, wanted: set[str]) -> dict[str, Any]:
        deadline = time.monotonic() + self.poll_timeout
        while True:
            answer: dict[str, Any] = self.client.expect(200, "GET", f"/returns/{return_id}", token=token)
            if answer["status"] in wanted:
                return answer
            if answer["status"] in FINAL or time.monotonic() > deadline:
                raise DemoError(f"{return_id} is {answer['status']}, waited for {sorted(wanted)}")
            time.sleep(0.1)

    def _event(self, detail_type: str, return_id: str) -> dict[str, Any]:
        """The `detail` of the return's latest event of `detail_type` (waiting for it)."""
        deadline = time.monotonic() + self.poll_timeout
        while True:
            events = self.client.expect(200, "GET", f"/_local/events?detailType={quote_url(detail_type)}")
            found = [e["Detail"] for e in events["events"] if e["Detail"].get("returnId") == return_id]
            if found:
                return dict(found[-1])
            if time.monotonic() > deadline:
                raise DemoError(f"no {detail_type} event for {return_id}")
            time.sleep(0.1)

    def _local(self, url: str) -> str:
        """A signed URL of an event, on this server (the event's host is the template's
        CallbackBaseUrl; the signature covers the path and the expiry)."""
        parts = urlsplit(url)
        return f"{self.client.base_url}{parts.path}?{parts.query}"

    def _signed_url(self, detail_type: str, key: str, case_id: str) -> str:
        """The signed URL of the case's `detail_type` event, on this server (the event's host is
        the template's CallbackBaseUrl; the signature covers the path and the expiry)."""
        deadline = time.monotonic() + self.poll_timeout
        while True:
            events = self.client.expect(200, "GET", f"/_local/events?detailType={quote_url(detail_type)}")
            for event in events["events"]:
                if event["Detail"].get(key) == case_id:
                    url = urlsplit(str(event["Detail"]["callbackUrl"]))
                    return f"{self.client.base_url}{url.path}?{url.query}"
            if time.monotonic() > deadline:
                raise DemoError(f"no {detail_type} event for {case_id}")
            time.sleep(0.1)


def brand_table(report: dict[str, Any]) -> list[str]:
    """The rows of a section 9 answer, aligned: sold, returned, rates, median, flag, reasons, refunds."""
    table = [
        ["brand", "sold", "returned", "rate", "merchant", "median h", "flagged", "by reason", "refunded"]
    ]
    rows = [*report["rows"], {"key": "(overall)", "flagged": None, **report["overall"]}]
    for row in rows:
        table.append(
            [
                row["key"],
                str(row["unitsSold"]),
                str(row["unitsReturned"]),
                row["returnRate"] or "-",
                row["merchantFaultRate"] or "-",
                row["medianHoursToRefund"] or "-",
                {True: "yes", False: "no", None: ""}[row["flagged"]],
                " ".join(f"{reason}:{units}" for reason, units in row["byReason"].items()),
                " ".join(f"{m['amount']} {m['currency']}" for m in row["refunded"]),
            ]
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in table]


# ---------------------------------------------------------------------------------------------
# Starting and stopping the local stack
# ---------------------------------------------------------------------------------------------
def start_server(port: int, log: IO[str], records_dir: Path | None = None) -> subprocess.Popen[str]:
    """`python -m local.server` on `port`, its output into `log` (its analytics records in
    `records_dir` when given, else `.local/analytics`)."""
    env = {**os.environ, "PORT": str(port)}
    if records_dir is not None:
        env["ANALYTICS_LOCAL_DIR"] = str(records_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "local.server"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_ready(client: Client, process: subprocess.Popen[str], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not client.answers():
        if process.poll() is not None:
            raise DemoError(f"the local server exited with status {process.returncode}")
        if time.monotonic() > deadline:
            raise DemoError(f"the local server did not answer within {timeout:.0f} s")
        time.sleep(0.2)


def stop_server(process: subprocess.Popen[str]) -> int:
    """SIGINT, as Ctrl-C would; killed if it does not stop within 30 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def main() -> int:
    port = int(os.environ.get("PORT", str(DEFAULT_PORT)))
    client = Client(f"http://127.0.0.1:{port}")
    process: subprocess.Popen[str] | None = None
    succeeded = False
    with tempfile.NamedTemporaryFile("w+", prefix="returns-local-", suffix=".log", delete=False) as log:
        try:
            if not client.answers():
                print(f"starting the local stack on port {port} (log: {log.name})", flush=True)
                process = start_server(port, log)
                wait_ready(client, process)
            Story(client, out=lambda line: print(line, flush=True)).run()
            succeeded = True
            return 0
        except DemoError as exc:
            print(f"demo failed: {exc}", file=sys.stderr)
            if process is not None:
                log.flush()
                log.seek(0)
                print(log.read()[-4000:], file=sys.stderr)
            return 1
        finally:
            if process is not None:
                stop_server(process)
                print("local stack stopped", flush=True)
            if succeeded:
                os.unlink(log.name)


if __name__ == "__main__":
    sys.exit(main())
