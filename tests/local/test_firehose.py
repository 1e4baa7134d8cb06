"""The local Firehose: what the template's rules match lands in the folder as the streams would
write it to S3 (prefix by UTC day, one JSON object a line, GZIP), and nothing else does."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from local.firehose import LocalFirehose, Stream
from local.orders import publish_order
from local.stack import Stack
from local.template import TemplateError


def read_records(folder: Path) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*/*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            records.extend(json.loads(line) for line in lines)
    return records


def test_matched_events_land_in_the_records_folder(stack: Stack, orders: dict[str, Any]) -> None:
    publish_order(stack, orders["O-SEED-1"])
    stack.put_event("shop.returns", "Return Approved", {"returnId": "R-1", "status": "AWAITING_RECEIPT"})
    stack.put_event("shop.returns", "Return Closed", {"returnId": "R-1", "status": "CANCELLED"})
    stack.put_event("shop.returns", "Cancellation Completed", {"orderId": "O-SEED-1", "lines": []})
    day = f"dt={datetime.now(UTC):%Y-%m-%d}"
    root = stack.records_dir / "records"
    assert sorted(p.name for p in root.iterdir()) == ["cancellations", "orders", "returns"]
    [order] = read_records(root / "orders")
    assert set(order) == {"id", "detailType", "time", "detail"}
    assert order["detailType"] == "Order Updated" and order["detail"] == orders["O-SEED-1"]
    assert [r["detailType"] for r in read_records(root / "returns")] == ["Return Closed"]  # not Approved
    assert [r["detail"]["orderId"] for r in read_records(root / "cancellations")] == ["O-SEED-1"]
    assert [p.parent.name for p in root.glob("*/*/*.json.gz")] == [day] * 3


def test_a_stream_writes_gzip_members_with_a_newline_each(tmp_path: Path) -> None:
    stream = Stream.of(
        "s",
        {
            "ExtendedS3DestinationConfiguration": {
                "Prefix": "records/x/dt=!{timestamp:yyyy-MM-dd}/hour=!{timestamp:HH}/",
                "CompressionFormat": "GZIP",
                "FileExtension": ".json.gz",
                "ProcessingConfiguration": {
                    "Enabled": True,
                    "Processors": [{"Type": "AppendDelimiterToRecord"}],
                },
            }
        },
    )
    firehose = LocalFirehose(tmp_path, {"arn:s": stream})
    at = datetime(2026, 5, 1, 23, 59, tzinfo=UTC)
    first = firehose.deliver("arn:s", {"a": 1}, at)
    second = firehose.deliver("arn:s", {"a": "二"}, at)
    assert first == second and first.parent == tmp_path / "records/x/dt=2026-05-01/hour=23"
    assert gzip.decompress(first.read_bytes()).decode() == '{"a":1}\n{"a":"二"}\n'


def test_what_is_not_emulated_is_refused() -> None:
    with pytest.raises(TemplateError, match="Snappy"):
        Stream.of("s", {"ExtendedS3DestinationConfiguration": {"CompressionFormat": "Snappy"}})
    with pytest.raises(TemplateError, match="only S3"):
        Stream.of("s", {"HttpEndpointDestinationConfiguration": {}})
    odd = Stream.of("s", {"ExtendedS3DestinationConfiguration": {"Prefix": "!{timestamp:yyyy-ww}/"}})
    with pytest.raises(TemplateError, match="timestamp pattern"):
        odd.folder(datetime(2026, 5, 1, tzinfo=UTC))
