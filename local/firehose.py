"""Amazon Data Firehose for the local stack: the template's delivery streams, writing to a folder
that stands for their S3 bucket.

What a stream receives from an EventBridge rule is written as Firehose writes it: under the
stream's `Prefix` with its `!{timestamp:...}` expressions expanded (UTC, the time the record
arrives), GZIP-compressed when `CompressionFormat: GZIP` (one gzip member per record: a valid
gzip file as it grows), a newline after each record when the `AppendDelimiterToRecord` processor
is on, and the stream's `FileExtension`. One file per stream and day for the life of the stack
(Firehose writes one per buffer flush; readers see the same records either way). Analytics reads
the folder with DuckDB as Athena reads the bucket.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from local.template import TemplateError

STREAM_TYPE = "AWS::KinesisFirehose::DeliveryStream"
_EXPRESSION = re.compile(r"!\{timestamp:([^}]*)\}")
_JAVA_DATE = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H"}


@dataclass(frozen=True)
class Stream:
    """The parts of a delivery stream's S3 destination that decide where and how records land."""

    name: str
    prefix: str
    gzip: bool
    newline: bool
    extension: str

    @classmethod
    def of(cls, name: str, properties: Mapping[str, Any]) -> Stream:
        destination = properties.get("ExtendedS3DestinationConfiguration") or properties.get(
            "S3DestinationConfiguration"
        )
        if not destination:
            raise TemplateError(f"delivery stream {name}: only S3 destinations are delivered locally")
        processing = destination.get("ProcessingConfiguration") or {}
        enabled = str(processing.get("Enabled", "false")).lower() == "true"
        processors = (processing.get("Processors") or []) if enabled else []
        compression = str(destination.get("CompressionFormat", "UNCOMPRESSED"))
        if compression not in ("UNCOMPRESSED", "GZIP"):
            raise TemplateError(f"delivery stream {name}: CompressionFormat {compression} is not emulated")
        return cls(
            name=name,
            prefix=str(destination.get("Prefix", "")),
            gzip=compression == "GZIP",
            newline=any(p.get("Type") == "AppendDelimiterToRecord" for p in processors),
            extension=str(destination.get("FileExtension", ".gz" if compression == "GZIP" else "")),
        )

    def folder(self, at: datetime) -> str:
        """The prefix with its timestamp expressions expanded (`dt=!{timestamp:yyyy-MM-dd}/`)."""

        def expand(match: re.Match[str]) -> str:
            pattern = match.group(1)
            for java, strftime in _JAVA_DATE.items():
                pattern = pattern.replace(java, strftime)
            if re.search(r"[A-Za-z]", re.sub(r"%[YmdH]", "", pattern)):
                raise TemplateError(f"delivery stream {self.name}: timestamp pattern {match.group(1)!r}")
            return at.strftime(pattern)

        return _EXPRESSION.sub(expand, self.prefix)


class LocalFirehose:
    """The template's delivery streams by ARN, delivering into `root` (the bucket)."""

    def __init__(self, root: Path, streams: Mapping[str, Stream]) -> None:
        self.root = root
        self.streams = dict(streams)
        self._stamp = datetime.now(UTC).strftime("%Y-%m-%d-%H-%M-%S")
        self._lock = threading.Lock()

    def handles(self, arn: str) -> bool:
        return arn in self.streams

    def deliver(self, arn: str, record: Any, at: datetime | None = None) -> Path:
        """Write one record as the stream would; returns the file it went into."""
        stream = self.streams[arn]
        moment = at or datetime.now(UTC)
        if not isinstance(record, str):
            record = json.dumps(record, separators=(",", ":"), ensure_ascii=False)
        data = (record + ("\n" if stream.newline else "")).encode()
        path = self.root / stream.folder(moment) / f"{stream.name}-1-{self._stamp}{stream.extension}"
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as out:
                out.write(gzip.compress(data) if stream.gzip else data)
        return path
