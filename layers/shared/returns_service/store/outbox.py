"""The transactional outbox: the events a change emits are stored in the very write of the change.

An aggregate's item carries ``outbox``, the events of the write that stored it (and nothing when
that write emitted none), so the table's stream record of each write holds exactly its events.
The stream consumer (functions/publish_events) publishes them, at least once, with their ids.
Any aggregate stored this way (a return, a cancellation) is published by the same consumer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from returns_core.lifecycle import DomainEvent

OUTBOX = "outbox"


def entry(event: DomainEvent) -> dict[str, str]:
    """An event as the outbox holds it: exactly what will be put on the bus."""
    return {
        "eventId": event.event_id,
        "source": event.source,
        "detailType": event.detail_type,
        "detail": json.dumps(event.detail, separators=(",", ":"), ensure_ascii=False),
    }


def entries_of(image: Mapping[str, Any] | None) -> list[dict[str, str]]:
    """The events a stored item's write emitted (its stream record's new image), in order."""
    if not image:
        return []
    stored = image.get(OUTBOX) or []
    return [
        {key: str(value[key]) for key in ("eventId", "source", "detailType", "detail")} for value in stored
    ]
