"""Which delivery mode this process runs: in-process handlers, or the Kafka relay.

A leaf module: publishing, in-process delivery, the relay and the consumers all ask it, and
it imports none of them.
"""

from __future__ import annotations

from typing import Literal

from django.conf import settings

EventsMode = Literal["inprocess", "kafka"]


def events_mode() -> EventsMode:
    """Kafka when KAFKA_BOOTSTRAP_SERVERS is set, in-process otherwise (read at call time)."""
    return "kafka" if settings.KAFKA_BOOTSTRAP_SERVERS else "inprocess"


def notify_channel(alias: str) -> str:
    """The PostgreSQL channel a commit on `alias` notifies to wake that outbox's relay."""
    return f"socialapp_outbox_{alias}"
