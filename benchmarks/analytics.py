"""The analytics query on a synthetic month, on DuckDB, and what it would cost on Athena.

DuckDB itself generates the month as the Firehose streams would deliver it, partitioned by day,
in Parquet (what Firehose's record format conversion would write), and copies it as the GZIP JSON
lines the streams write today:
1,260,000 orders of two lines of 2 units delivered in May 2026 (5,040,000 units), a tenth of them
with an older snapshot too (the latest version wins), 1 % with a completed cancellation of one
unit; 530,000 returns of 2 units (a Return Requested each, Return Received for 90 %, Refund Issued
and Return Closed for 85 %, 4 % rejected or cancelled), 1 % of all events delivered twice.
So about 5.03 million units sold and 1.02 million returned. The query (returns.sql through the
DuckDB engine, then the shaping) is timed with ``time.perf_counter`` (wall) and
``time.process_time`` (CPU of every thread of the process): best of ``REPEATS`` on Parquet with
both threads, best of two on one thread (the work itself, whatever else the cores run), once on the
JSON copy, once with groupBy=sku (and the size of its JSON body).

Then the daily compaction (analytics/compaction.py) on the same month, in a folder of its own
that links to the records: the state of May 30 from every record before it (a first compaction),
then the state of May 31 from it and May 30's records (what runs each day), timed and sized; and
the query on that state merged with the raw records since (May 31, and the returns' events of
June that follow the month: ten days of them, more than a real day's), timed as above, its report
checked equal to the one from the raw records alone; then the same on the state of the last day
with records (June 9), only that day read raw.

The Athena estimate scales the month's bytes to 10 million returns a year at Athena's published
price (5 USD per TB scanned, at least 10 MB a query).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from returns_service.analytics import returns_report
from returns_service.analytics.compaction import compact
from returns_service.analytics.engines import DuckDbEngine
from returns_service.analytics.query import Request, state_sql
from returns_service.analytics.records import (
    CANCELLATION_EVENTS,
    ORDER_UPDATES,
    RETURN_EVENTS,
    STATE_PARTITION,
    STATES,
    duckdb_type,
)

ORDERS = 1_260_000
RETURNS = 530_000
REPEATS = 3  # groupBy=brand on Parquet, both threads; then twice on one thread
MONTH_SECONDS = 31 * 86400
RETURNS_PER_YEAR = 10_000_000
PRICE_PER_TB = 5.0
MIN_BYTES = 10 * 1_000_000
SAMPLE = 200_000


def _detail_type(hive: str) -> str:
    return duckdb_type(hive)


def generate(connection: Any, root: Path) -> None:
    """The month's records, as Parquet partitioned by dt under the bucket's prefixes."""
    for table in (ORDER_UPDATES, RETURN_EVENTS, CANCELLATION_EVENTS):
        (root / table.prefix).mkdir(parents=True, exist_ok=True)
    orders_detail = _detail_type(dict(ORDER_UPDATES.columns)["detail"])
    returns_detail = _detail_type(dict(RETURN_EVENTS.columns)["detail"])
    cancel_detail = _detail_type(dict(CANCELLATION_EVENTS.columns)["detail"])
    connection.execute(
        f"""
        CREATE TABLE orders AS
        SELECT
            i,
            TIMESTAMP '2026-05-01' + to_seconds((i * 2654435761) % {MONTH_SECONDS}) AS delivered,
            CASE WHEN i % 2 = 0 THEN 'POP' ELSE 'B2C' END AS channel,
            'seller-' || (i % 2000) AS seller,
            (i * 7) % 50000 AS sku_a,
            (i * 13 + 1) % 50000 AS sku_b
        FROM range({ORDERS}) AS t (i)
        """
    )

    def line(line_id: str, sku: str) -> str:
        return (
            f"{{'lineId': '{line_id}', 'sku': 'SKU-' || {sku}, 'brand': 'brand-' || ({sku} % 500),"
            f" 'category': 'cat-' || ({sku} % 40), 'quantity': 2}}"
        )

    order_record = f"""
        'o-' || i || '-' || version AS id, 'Order Updated' AS detailType,
        strftime(delivered, '%Y-%m-%dT%H:%M:%SZ') AS time,
        CAST({{'orderId': 'O' || i, 'version': version, 'channel': channel, 'sellerId': seller,
          'deliveredAt': CASE WHEN version = 2 THEN strftime(delivered, '%Y-%m-%dT%H:%M:%SZ') END,
          'lines': [{line("L1", "sku_a")}, {line("L2", "sku_b")}]}} AS {orders_detail}) AS detail,
        strftime(delivered, '%Y-%m-%d') AS dt
    """
    connection.execute(
        f"""
        COPY (
            SELECT {order_record} FROM (SELECT *, 2 AS version FROM orders)
            UNION ALL
            SELECT {order_record} FROM (SELECT *, 1 AS version FROM orders WHERE i % 10 = 0)
        ) TO '{root / ORDER_UPDATES.prefix}' (FORMAT PARQUET, PARTITION_BY (dt), OVERWRITE_OR_IGNORE)
        """
    )
    connection.execute(
        f"""
        COPY (
            SELECT 'c-' || i AS id, 'Cancellation Completed' AS detailType,
                strftime(delivered - INTERVAL 3 DAY, '%Y-%m-%dT%H:%M:%SZ') AS time,
                CAST({{'eventId': 'C' || i || '.2.0', 'orderId': 'O' || i,
                  'lines': [{{'lineId': 'L2', 'quantity': 1}}]}} AS {cancel_detail}) AS detail,
                strftime(delivered - INTERVAL 3 DAY, '%Y-%m-%d') AS dt
            FROM orders WHERE i % 100 = 7
        ) TO '{root / CANCELLATION_EVENTS.prefix}' (FORMAT PARQUET, PARTITION_BY (dt), OVERWRITE_OR_IGNORE)
        """
    )
    # Return r is made on order (r * 2) + 1's line L1 (2 units), a day to a week after delivery,
    # received a day later, refunded half a day after that.
    connection.execute(
        f"""
        CREATE TABLE returns AS
        SELECT
            r,
            'R' || r AS return_id,
            'O' || (r * 2 + 1) AS order_id,
            ['quality_issue', 'not_as_described', 'wrong_item', 'damaged_in_transit',
             'no_longer_needed', 'size_or_fit', 'other'][1 + (r * 31) % 7] AS reason,
            o.delivered + to_seconds(86400 + (r * 97) % 518400) AS created,
            r % 100 < 90 AS received,
            r % 100 < 85 AS refunded,
            r % 100 >= 96 AS ended
        FROM range({RETURNS}) AS t (r)
        JOIN orders AS o ON o.i = r * 2 + 1
        """
    )

    def event(kind: str, at: str, fields: str, where: str, seq: int) -> str:
        return f"""
            SELECT 'e-{seq}-' || r AS id, '{kind}' AS detailType,
                strftime({at}, '%Y-%m-%dT%H:%M:%SZ') AS time,
                CAST({{'eventId': return_id || '.{seq}.0', 'returnId': return_id, 'orderId': order_id,
                  {fields}}} AS {returns_detail}) AS detail,
                strftime({at}, '%Y-%m-%d') AS dt
            FROM returns WHERE {where}
        """

    at_receipt = "created + INTERVAL 1 DAY"
    at_refund = "created + INTERVAL 36 HOUR"
    events = [
        event(
            "Return Requested",
            "created",
            "'status': 'PENDING_REVIEW', 'reason': reason,"
            " 'createdAt': strftime(created, '%Y-%m-%dT%H:%M:%SZ'),"
            " 'lines': [{'lineId': 'L1', 'quantity': 2}]",
            "true",
            1,
        ),
        event(
            "Return Received",
            at_receipt,
            "'status': 'REFUNDING', 'received': [{'lineId': 'L1', 'quantity': 2}]",
            "received AND NOT ended",
            2,
        ),
        event(
            "Refund Issued",
            at_refund,
            "'status': 'REFUNDED',"
            " 'refundAmount': ((r % 9000) + 100) || '.' || lpad((r % 100)::VARCHAR, 2, '0'),"
            " 'currency': 'CNY', 'paidAt': strftime(created + INTERVAL 36 HOUR, '%Y-%m-%dT%H:%M:%SZ'),"
            " 'lines': [{'lineId': 'L1', 'quantity': 2, 'paidAmount': '100.00'}]",
            "refunded AND NOT ended",
            3,
        ),
        event("Return Closed", at_refund, "'status': 'REFUNDED'", "refunded AND NOT ended", 4),
        event("Return Rejected", at_receipt, "'status': 'REJECTED'", "ended AND r % 2 = 0", 5),
        event("Return Closed", at_receipt, "'status': 'CANCELLED'", "ended AND r % 2 = 1", 6),
    ]
    union = " UNION ALL ".join(events)
    connection.execute(
        f"""
        COPY (
            SELECT * FROM ({union})
            UNION ALL
            SELECT 'again-' || id, detailType, time, detail, dt FROM ({union}) WHERE hash(id) % 100 = 0
        ) TO '{root / RETURN_EVENTS.prefix}' (FORMAT PARQUET, PARTITION_BY (dt), OVERWRITE_OR_IGNORE)
        """
    )


def as_firehose_json(connection: Any, bucket: Path, target: Path) -> None:
    """The same records as the streams deliver them today: JSON lines, GZIP, one file a day."""
    for table in (ORDER_UPDATES, RETURN_EVENTS, CANCELLATION_EVENTS):
        for day in sorted((bucket / table.prefix).iterdir()):
            folder = target / table.prefix / day.name
            folder.mkdir(parents=True, exist_ok=True)
            connection.execute(
                f"COPY (SELECT id, detailType, time, detail FROM read_parquet('{day}/*.parquet'))"
                f" TO '{folder / 'part-0.json.gz'}' (FORMAT JSON, COMPRESSION GZIP)"
            )


def _bytes(folder: Path, pattern: str) -> int:
    return sum(path.stat().st_size for path in folder.rglob(pattern))


def json_bytes_per_record(connection: Any, root: Path, table: str, scratch: Path) -> tuple[float, float]:
    """Bytes per record as JSON lines, plain and GZIP (what the Firehose streams write), on a sample."""
    sample = scratch / f"{table}.json"
    connection.execute(
        f"COPY (SELECT id, detailType, time, detail FROM read_parquet('{root}/**/*.parquet') LIMIT {SAMPLE})"
        f" TO '{sample}' (FORMAT JSON)"
    )
    raw = sample.read_bytes()
    rows = raw.count(b"\n")
    return len(raw) / rows, len(gzip.compress(raw, compresslevel=6)) / rows


def timed(engine: DuckDbEngine, request: Request) -> tuple[float, float, dict[str, Any]]:
    """Wall and CPU seconds (every thread of this process) of the query plus the shaping."""
    began, began_cpu = time.perf_counter(), time.process_time()
    report = returns_report(request, engine)
    return time.perf_counter() - began, time.process_time() - began_cpu, report


def timed_call(work: Callable[[], Any]) -> tuple[float, float]:
    began, began_cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - began, time.process_time() - began_cpu


def timed_on_state(compacted: Path, request: Request, report: dict[str, Any], label: str) -> str:
    """The query on a compacted folder timed as on the raw records (both threads, best and median
    of REPEATS; one thread, best of 2), and whether its report is the raw records' one."""
    runs = [timed(DuckDbEngine(compacted), request) for _ in range(REPEATS)]
    single = [timed(DuckDbEngine(compacted, threads=1), request) for _ in range(2)]
    same = all(run[2] == report for run in (*runs, *single))
    return (
        f"  groupBy={request.group_by} on {label}, {os.cpu_count()} threads:"
        f" best {min(r[0] for r in runs):.2f} s wall (median"
        f" {statistics.median(r[0] for r in runs):.2f} s of {REPEATS}; target 2 s),"
        f" CPU {min(r[1] for r in runs):.2f} s; one thread: best"
        f" {min(r[0] for r in single):.2f} s wall, CPU {min(r[1] for r in single):.2f} s;"
        f" the report of the raw records: {'the same' if same else 'DIFFERENT'}"
    )


def main() -> None:
    import duckdb

    print("Analytics: the section 9 query on a synthetic month (DuckDB, this machine)")
    with tempfile.TemporaryDirectory(prefix="returns-analytics-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        # BENCH_RECORDS=DIR keeps (or reuses) the generated month there.
        kept = os.environ.get("BENCH_RECORDS")
        bucket = Path(kept) if kept else scratch / "bucket"
        started = time.perf_counter()
        with duckdb.connect() as connection:
            if not (bucket / ORDER_UPDATES.prefix).is_dir():
                generate(connection, bucket)
            counts = {
                t.name: connection.execute(
                    f"SELECT count(*) FROM read_parquet('{bucket / t.prefix}/**/*.parquet')"
                ).fetchone()[0]  # type: ignore[index]
                for t in (ORDER_UPDATES, RETURN_EVENTS, CANCELLATION_EVENTS)
            }
            per_record = {
                t.name: json_bytes_per_record(connection, bucket / t.prefix, t.name, scratch)
                for t in (ORDER_UPDATES, RETURN_EVENTS, CANCELLATION_EVENTS)
            }
        print(
            f"  generated in {time.perf_counter() - started:.1f} s: "
            + ", ".join(f"{n:,} {k}" for k, n in counts.items())
        )

        brand = Request.of("2026-05-01", "2026-05-31", "brand")
        runs = [timed(DuckDbEngine(bucket), brand) for _ in range(REPEATS)]
        single = [timed(DuckDbEngine(bucket, threads=1), brand) for _ in range(2)]
        report = runs[-1][2]
        overall = report["overall"]
        print(
            f"  cohort: {overall['unitsSold']:,} units sold, {overall['unitsReturned']:,} returned,"
            f" {len(report['rows'])} brands, {sum(r['flagged'] for r in report['rows'])} flagged"
        )
        print(
            f"  groupBy=brand, {os.cpu_count()} threads: best {min(r[0] for r in runs):.2f} s wall"
            f" (median {statistics.median(r[0] for r in runs):.2f} s of {REPEATS}; target 2 s),"
            f" CPU {min(r[1] for r in runs):.2f} s"
        )
        print(
            f"  groupBy=brand, one thread: best {min(r[0] for r in single):.2f} s wall,"
            f" CPU {min(r[1] for r in single):.2f} s (the work itself)"
        )
        print(f"  load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall grows with it)")

        # -- the daily compaction and the query on its state -----------------------------------
        compacted = scratch / "compacted"
        compacted.mkdir()
        (compacted / "records").symlink_to(bucket / "records", target_is_directory=True)
        engine = DuckDbEngine(compacted)
        first = timed_call(lambda: compact(engine, date(2026, 5, 30)))
        daily = timed_call(lambda: compact(engine, date(2026, 5, 31)))
        one_thread = DuckDbEngine(scratch / "again", threads=1)
        (scratch / "again").mkdir()
        (scratch / "again" / "records").symlink_to(bucket / "records", target_is_directory=True)
        compact(one_thread, date(2026, 5, 30))
        daily_one = timed_call(lambda: compact(one_thread, date(2026, 5, 31)))
        state_bytes = {
            table.name: _bytes(compacted / table.prefix / f"{STATE_PARTITION}=2026-05-31", "*.parquet")
            for table in STATES
        }
        print(
            f"  compaction: the state of May 30 from every record before it {first[0]:.2f} s wall"
            f" (CPU {first[1]:.2f} s); each day's (the state and the day before's records)"
            f" {daily[0]:.2f} s wall, CPU {daily[1]:.2f} s ({daily_one[1]:.2f} s on one thread);"
            " the state: " + ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in state_bytes.items())
        )
        print(timed_on_state(compacted, brand, report, "the state of May 31 and the raw records since"))
        # The state of the last day with records (June 9): the query reads only that day raw.
        last_day = max(p.name for p in (bucket / RETURN_EVENTS.prefix).iterdir()).partition("=")[2]
        compact(engine, date.fromisoformat(last_day))
        print(timed_on_state(compacted, brand, report, f"the state of {last_day} and that day's records"))
        print(f"  load average {os.getloadavg()[0]:.1f}")
        json_bucket = scratch / "json-bucket"
        with duckdb.connect() as connection:
            as_firehose_json(connection, bucket, json_bucket)
        wall, cpu, _ = timed(DuckDbEngine(json_bucket), brand)
        print(
            f"  groupBy=brand on the same month as GZIP JSON lines (what the streams write today):"
            f" {wall:.2f} s wall, CPU {cpu:.2f} s"
        )
        wall, cpu, skus = timed(DuckDbEngine(bucket), Request.of("2026-05-01", "2026-05-31", "sku"))
        text = json.dumps(skus, separators=(",", ":")).encode()
        zipped = len(base64.b64encode(gzip.compress(text)))
        print(
            f"  groupBy=sku: {wall:.2f} s wall, CPU {cpu:.2f} s; {len(skus['rows']):,} rows,"
            f" a {len(text) / 1e6:.1f} MB JSON body, {zipped / 1e6:.2f} MB gzipped and base64-encoded"
            " as Lambda answers it to a client that accepts gzip (a Lambda response is at most 6 MB)"
        )

        # -- Athena: bytes a query scans at 10 million returns a year ---------------------------
        scale = RETURNS_PER_YEAR / 12 / RETURNS
        tables = (ORDER_UPDATES, RETURN_EVENTS, CANCELLATION_EVENTS)
        month = {
            "JSON lines": {t.name: counts[t.name] * per_record[t.name][0] * scale for t in tables},
            "JSON lines, GZIP (what the streams deliver)": {
                t.name: counts[t.name] * per_record[t.name][1] * scale for t in tables
            },
            "Parquet (Firehose's record format conversion)": {
                t.name: _bytes(bucket / t.prefix, "*.parquet") * scale for t in tables
            },
        }
        reads = trino_reads()
        print(
            f"  Athena at {RETURNS_PER_YEAR:,} returns a year (the month scaled by {scale:.2f}),"
            f" {PRICE_PER_TB:.0f} USD per TB, at least 10 MB a query:"
        )
        print(
            "    Trino inlines each WITH query where it is named: the query reads "
            + ", ".join(f"{name} {n} times" for name, n in reads.items())
        )
        # The state grows with every order and return kept (a month's here); a day of records is
        # a 31st of the month's. Parquet is read by column: every column of the state is used.
        gzip_month = {t.name: counts[t.name] * per_record[t.name][1] * scale for t in tables}
        state = {name: size * scale for name, size in state_bytes.items()}
        compaction_reads: dict[str, int] = {}
        for table in STATES:
            for name, n in trino_reads(state_sql(table)).items():
                compaction_reads[name] = compaction_reads.get(name, 0) + n

        def scanned(months: int, reads_of: dict[str, int], raw_days: float) -> float:
            """Bytes of the state of ``months`` months (it grows with every order and return kept)
            and of ``raw_days`` days of GZIP JSON records (every cancellation), per table read."""
            return sum(
                (
                    state[name] * months
                    if name in state
                    else gzip_month[name] * (months if name == CANCELLATION_EVENTS.name else raw_days / 31)
                )
                * n
                for name, n in reads_of.items()
            )

        def usd(size: float) -> float:
            return max(size, MIN_BYTES) / 1e12 * PRICE_PER_TB

        print(
            f"    the state of a month of records: {sum(state.values()) / 1e9:.3f} GB of Parquet"
            f" (the GZIP JSON records: {sum(gzip_month.values()) / 1e9:.3f} GB)"
        )
        for months in (1, 12):
            a_day = scanned(months, compaction_reads, 1)
            recompute = scanned(0, compaction_reads, 31 * months)
            on_state = scanned(months, reads, 1)
            print(
                f"    with {months:2d} month(s) kept: a day's compaction reads {a_day / 1e9:.2f} GB"
                f" (${usd(a_day):.4f}; recomputed from every record instead {recompute / 1e9:.2f} GB,"
                f" ${usd(recompute):.4f}); a query on the state and a day of records"
                f" {on_state / 1e9:.2f} GB (${usd(on_state):.4f}), whatever its period"
            )
        print("    with no state yet (a fresh stack), the query reads the records alone:")
        for label, sizes in month.items():
            once = sum(sizes.values())
            planned = sum(sizes[name] * reads.get(name, 1) for name in sizes)
            cost = [max(b, MIN_BYTES) / 1e12 * PRICE_PER_TB for b in (once, planned, 12 * planned)]
            print(
                f"    {label}: {once / 1e9:.2f} GB a month; a query on last month's cohort reads"
                f" {planned / 1e9:.2f} GB (${cost[1]:.4f}), on a cohort a year back (12 months of"
                f" records) ${cost[2]:.3f}"
            )


def trino_reads(text: str | None = None) -> dict[str, int]:
    """How often each table is read when every WITH query is inlined where it is used (as Trino
    plans it), counted on the SQL (the query unless given) with sqlglot."""
    import sqlglot
    from sqlglot import exp

    from returns_service.analytics.query import sql

    tree = sqlglot.parse_one(text or sql(), read="trino")
    ctes = {cte.alias_or_name: cte.this for cte in tree.find_all(exp.CTE)}

    def reads(node: Any, seen: tuple[str, ...] = ()) -> dict[str, int]:
        total: dict[str, int] = {}
        for table in node.find_all(exp.Table):
            inner = reads(ctes[table.name], (*seen, table.name)) if table.name in ctes else {table.name: 1}
            for name, n in inner.items():
                total[name] = total.get(name, 0) + n
        return total

    body = tree.copy()
    body.set("with_" if "with_" in body.args else "with", None)  # the query without its WITH
    return reads(body)


if __name__ == "__main__":
    main()
