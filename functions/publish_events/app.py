"""The outbox's publisher: the returns table's stream in, the service's events out (contract §6).

Every write that changed a return carries the events it emits (store/outbox.py); this function
gets the stream records of those writes and puts their events on the bus with the ids they were
stored with. A record whose events EventBridge refuses is reported as failed (Powertools batch
processing, ReportBatchItemFailures): Lambda hands it, and the records after it, to the function
again until they go out, so an event is published at least once and never lost; consumers
deduplicate on ``eventId``.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from returns_service import events
from returns_service.store import outbox

logger = Logger()
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def publish(record: DynamoDBRecord) -> None:
    entries = outbox.entries_of(record.dynamodb.new_image if record.dynamodb else None)
    if entries:
        events.publish(entries)
        logger.info("published", extra={"eventIds": [entry["eventId"] for entry in entries]})


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    answer = process_partial_response(
        event=event, record_handler=publish, processor=processor, context=context
    )
    return dict(answer)
