"""DynamoDB Streams -> Lambda (a function's `Type: DynamoDB` event), delivered as Lambda does.

After a write to a table whose stream a function consumes, the stack calls ``pump()`` in the
writing thread, once the write is applied: the records written since the last one delivered are
read through moto's DynamoDB Streams API (under the harness's DynamoDB lock, so a transaction
another thread has half applied is never read; on from the last `NextShardIterator` while batches
go through, from the last delivered sequence number after a failure) and handed to the function
in batches, in order. A read that could only come back empty is not made: when the table's stream
holds as many records as when the last read returned everything there was, nothing new was
written (moto's stream, `Table.stream_shard.items`, only grows: a failed transaction takes back
its own records before any read can see them).

A batch the function fails - it raises, or with ``ReportBatchItemFailures`` it names failed
records - is handed over again from the first failed record, after a short backoff on a timer
thread (locally milliseconds, not Lambda's seconds), so delivery is at least once and in order.
With ``MaximumRetryAttempts`` -1 it is retried until it goes through; otherwise, once the retries
are spent, where the stream stopped is sent to the ``OnFailure`` queue and delivery moves on.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

LOG = logging.getLogger("local.streams")

MAX_BACKOFF_SECONDS = 1.0
FIRST_BACKOFF_SECONDS = 0.05


@dataclass
class StreamMapping:
    """A function's DynamoDB event source, as the template declares it."""

    function: Any  # local.stack.LocalFunction (not imported: stack imports this module)
    stream_arn: str
    batch_size: int = 100
    max_retries: int = -1
    report_item_failures: bool = False
    on_failure: str | None = None
    starting_position: str = "TRIM_HORIZON"

    @property
    def table(self) -> str:
        """``arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>`` -> the table name."""
        return self.stream_arn.split(":", 5)[5].split("/")[1]


@dataclass
class StreamDelivery:
    """Delivers one mapping's stream: a position, a retry counter and a timer for redelivery."""

    mapping: StreamMapping
    streams: Any  # a boto3 "dynamodbstreams" client (see streams_client)
    lock: Any  # the DynamoDB lock: reads wait for writes in progress
    closed: Callable[[], bool]
    send_to_queue: Callable[[str, dict[str, Any]], None]
    region: str
    stream_length: Callable[[], int | None] = lambda: None  # records in the stream (None: unknown)
    position: str | None = None
    attempts: int = 0
    _mutex: threading.Lock = field(default_factory=threading.Lock)
    _owner: int | None = None
    _shard: str | None = None
    _iterator: str | None = None  # where the next read starts (None: from `position`)
    _next_iterator: str | None = None
    _read_all_of: int | None = None  # the stream's length at the last read that returned all
    _timer: threading.Timer | None = None
    timers: list[threading.Thread] = field(default_factory=list)

    def pump(self) -> None:
        """Deliver what was written since the last record delivered (in this thread)."""
        if self.closed() or self._owner == threading.get_ident():
            return  # a write made while delivering: the loop below reads it
        with self._mutex:
            self._owner = threading.get_ident()
            try:
                while not self.closed():
                    records = self._read() if self._may_have_records() else []
                    if not records:
                        self._iterator = self._next_iterator  # nothing new: read on from there
                        return
                    if not self._hand_over(records):
                        return
            finally:
                self._owner = None

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()

    # -- reading -------------------------------------------------------------------------------
    def _may_have_records(self) -> bool:
        """False when reading on could only give nothing: the stream has not grown since a read
        that returned all it held (on from `NextShardIterator`: not after a failure)."""
        if self._iterator is None or self._read_all_of is None:
            return True
        return self.stream_length() != self._read_all_of

    def _read(self) -> list[dict[str, Any]]:
        streams = self.streams
        with self.lock:
            length = self.stream_length()
            if self._shard is None:
                description = streams.describe_stream(StreamArn=self.mapping.stream_arn)["StreamDescription"]
                self._shard = str(description["Shards"][0]["ShardId"])
            iterator = self._iterator
            if iterator is None:
                where: dict[str, Any] = {"StreamArn": self.mapping.stream_arn, "ShardId": self._shard}
                if self.position is None:
                    where["ShardIteratorType"] = self.mapping.starting_position
                else:
                    where["ShardIteratorType"] = "AFTER_SEQUENCE_NUMBER"
                    where["SequenceNumber"] = self.position
                iterator = streams.get_shard_iterator(**where)["ShardIterator"]
            answer = streams.get_records(ShardIterator=iterator, Limit=self.mapping.batch_size)
        # Where the next read starts once this batch is through, as a Lambda poller reads on.
        self._next_iterator = answer.get("NextShardIterator")
        self._iterator = None
        records = list(answer.get("Records") or [])
        self._read_all_of = length if len(records) < self.mapping.batch_size else None
        return records

    # -- handing over --------------------------------------------------------------------------
    def _event(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """What Lambda hands the function: the records with their source and region."""
        shaped = []
        for record in records:
            dynamodb = dict(record["dynamodb"])
            created = dynamodb.get("ApproximateCreationDateTime")
            if isinstance(created, datetime):
                dynamodb["ApproximateCreationDateTime"] = created.replace(
                    tzinfo=created.tzinfo or UTC
                ).timestamp()
            shaped.append(
                {
                    "eventID": record["eventID"],
                    "eventName": record["eventName"],
                    "eventVersion": record.get("eventVersion", "1.1"),
                    "eventSource": "aws:dynamodb",
                    "awsRegion": self.region,
                    "dynamodb": dynamodb,
                    "eventSourceARN": self.mapping.stream_arn,
                }
            )
        return {"Records": shaped}

    def _hand_over(self, records: list[dict[str, Any]]) -> bool:
        """True when delivery may go on; False when the batch waits for a retry."""
        failed_at = len(records)
        error: str | None = None
        try:
            answer = self.mapping.function.call(self._event(records))
        except Exception as exc:  # the whole batch failed
            failed_at, error = 0, f"{type(exc).__name__}: {exc}"
        else:
            failed_at = self._first_failure(records, answer)
            if failed_at < len(records):
                error = "batchItemFailures"
        if failed_at > 0:
            self.position = str(records[failed_at - 1]["dynamodb"]["SequenceNumber"])
            self.attempts = 0
        if error is None:
            self._iterator = self._next_iterator
            return True
        self.attempts += 1
        LOG.info("%s: stream batch failed (%s), attempt %d", self.mapping.function.name, error, self.attempts)
        if 0 <= self.mapping.max_retries < self.attempts:
            self._give_up(records[failed_at:], error)
            return True
        self._retry_later()
        return False

    def _first_failure(self, records: list[dict[str, Any]], answer: Any) -> int:
        if not self.mapping.report_item_failures or not isinstance(answer, Mapping):
            return len(records)
        failed = {str(item.get("itemIdentifier")) for item in answer.get("batchItemFailures") or []}
        for index, record in enumerate(records):
            if str(record["dynamodb"]["SequenceNumber"]) in failed:
                return index
        return len(records)

    def _retry_later(self) -> None:
        delay = min(FIRST_BACKOFF_SECONDS * 2 ** (self.attempts - 1), MAX_BACKOFF_SECONDS)
        timer = threading.Timer(delay, self.pump)
        timer.daemon = True
        self._timer = timer
        self.timers.append(timer)
        timer.start()

    def _give_up(self, records: list[dict[str, Any]], error: str) -> None:
        """Retries spent: where the stream stopped goes to the on-failure queue, as Lambda sends it."""
        first, last = records[0]["dynamodb"]["SequenceNumber"], records[-1]["dynamodb"]["SequenceNumber"]
        self.position = str(last)
        self.attempts = 0
        LOG.warning(
            "%s: stream records %s..%s not delivered: %s", self.mapping.function.name, first, last, error
        )
        if self.mapping.on_failure is None:
            return
        self.send_to_queue(
            self.mapping.on_failure,
            {
                "requestContext": {
                    "functionArn": self.mapping.function.arn,
                    "condition": "RetryAttemptsExhausted",
                    "approximateInvokeCount": self.mapping.max_retries + 1,
                },
                "responseContext": {"functionError": "Unhandled"},
                "DDBStreamBatchInfo": {
                    "shardId": self._shard,
                    "startSequenceNumber": str(first),
                    "endSequenceNumber": str(last),
                    "batchSize": len(records),
                    "streamArn": self.mapping.stream_arn,
                },
                "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            },
        )


_STREAMS_CLIENTS: dict[str, Any] = {}


def streams_client(region: str) -> Any:
    """A DynamoDB Streams client at the regional endpoint (one per region for the process):
    botocore sends calls naming a stream to an account-based endpoint (``<account>.streams-ddb...``)
    that moto does not route."""
    import boto3
    from botocore.config import Config

    if region not in _STREAMS_CLIENTS:
        _STREAMS_CLIENTS[region] = boto3.client(
            "dynamodbstreams", region_name=region, config=Config(account_id_endpoint_mode="disabled")
        )
    return _STREAMS_CLIENTS[region]


def stream_length(account_id: str, region: str, table_name: str) -> Callable[[], int | None]:
    """How many records the table's stream holds in the active mock (moto's `StreamShard.items`;
    moto has no API that counts them without reading them). Looked up at each call: a test may
    drop and create a table again."""

    def length() -> int | None:
        from moto.backends import get_backend

        table = get_backend("dynamodb")[account_id][region].tables.get(table_name)
        shard = getattr(table, "stream_shard", None)
        return None if shard is None else len(shard.items)

    return length


def written_tables(action: str, request: Mapping[str, Any]) -> set[str]:
    """The tables a DynamoDB request writes (none for reads), from its action and parameters."""
    if action not in {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}:
        return set()
    if action == "TransactWriteItems":
        return {str(op.get("TableName")) for item in request.get("TransactItems", []) for op in item.values()}
    if action == "BatchWriteItem":
        return set(request.get("RequestItems", {}))
    return {str(request.get("TableName"))}
