"""Publishing stored events to the service's bus (contract section 6).

The events come from the outbox: a change and its events are stored together, and what is
stored is published afterwards, at least once, with the ids it was stored with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from returns_service import aws
from returns_service.settings import settings

_BATCH = 10  # PutEvents takes at most 10 entries


class PublishError(RuntimeError):
    """EventBridge refused an entry; it is published again (same eventId) on redelivery."""


def publish(entries: Sequence[Mapping[str, str]]) -> None:
    """Put outbox entries (``eventId``, ``source``, ``detailType``, ``detail`` JSON) on the bus."""
    bus = settings.event_bus_name
    for start in range(0, len(entries), _BATCH):
        chunk = entries[start : start + _BATCH]
        response = aws.events().put_events(
            Entries=[
                {
                    "Source": entry["source"],
                    "DetailType": entry["detailType"],
                    "Detail": entry["detail"],
                    "EventBusName": bus,
                }
                for entry in chunk
            ]
        )
        if response.get("FailedEntryCount", 0):
            failed = [
                f"{entry['detailType']} {entry['eventId']}: {result.get('ErrorCode')}"
                f" {result.get('ErrorMessage')}"
                for entry, result in zip(chunk, response["Entries"], strict=False)
                if result.get("ErrorCode")
            ]
            raise PublishError("; ".join(failed) or "PutEvents failed")
