"""What the services published, as the test app's recorder saw it delivered (in any process)."""

from __future__ import annotations

from typing import Any

from tests.eventing_app.models import RecordedEvent


def recorded(*, source: str | None = None, topic: str | None = None) -> list[RecordedEvent]:
    events = RecordedEvent.objects.order_by("id")
    if source is not None:
        events = events.filter(source=source)
    if topic is not None:
        events = events.filter(topic=topic)
    return list(events)


def recorded_types(**filters: Any) -> list[str]:
    return [event.event_type for event in recorded(**filters)]
