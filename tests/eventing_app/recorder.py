"""Records every event of the five services as it is delivered in process (tests read it with
`tests.recorded_events`). Delivered outbox rows are deleted, and a live server's publishing
happens in another process, so this is how a test sees what a write published."""

from __future__ import annotations

from collections.abc import Callable

from apps.auth import contracts as auth_contracts  # noqa: F401  (their event types join the catalogue)
from apps.feed import contracts as feed_contracts  # noqa: F401
from apps.users import contracts as users_contracts  # noqa: F401
from socialapp.eventing import Envelope, Event, event_handler
from socialapp.eventing.catalogue import catalogue
from tests.eventing_app.models import RecordedEvent

SERVICE_SOURCES = {"identity", "users", "feed", "media", "notifications"}


def _recorder(event_class: type[Event]) -> Callable[[Event, Envelope], None]:
    def record(event: Event, envelope: Envelope) -> None:
        RecordedEvent.objects.get_or_create(
            event_id=envelope.id,
            defaults={
                "event_type": envelope.type,
                "topic": event_class.topic,
                "source": event_class.source_app,
                "subject": envelope.subject,
                "data": event.model_dump(mode="json"),
            },
        )

    # One handler per event type: the registry names a handler by its qualified name.
    record.__qualname__ = f"record_{event_class.event_type.replace('.', '_')}"
    return record


for _event_class in catalogue().values():
    if _event_class.source_app in SERVICE_SOURCES:
        event_handler(_event_class)(_recorder(_event_class))
