"""Event types and a port of the test app."""

import abc
import uuid
from datetime import datetime
from typing import ClassVar

from socialapp.eventing import Event
from socialapp.ports import Port


class ThingHappened(Event):
    """A numbered step of one aggregate (`key`): handlers record (key, seq) to check order."""

    event_type: ClassVar[str] = "test.thing_happened"
    topic: ClassVar[str] = "post-events"
    source_app: ClassVar[str] = "eventtests"
    subject_field: ClassVar[str] = "key"

    key: str
    seq: int


class DoomedThing(Event):
    """An event whose handler always fails."""

    event_type: ClassVar[str] = "test.doomed_thing"
    topic: ClassVar[str] = "post-events"
    source_app: ClassVar[str] = "eventtests"
    subject_field: ClassVar[str] = "key"

    key: str


class StampPort(Port):
    """A port of the test app: exercises socialapp.ports with rich argument and result types."""

    service = "eventtests"
    implementation = "tests.eventing_app.port.LocalStampPort"

    @abc.abstractmethod
    def stamp(self, *, ids: list[uuid.UUID], at: datetime, label: str = "seen") -> dict[uuid.UUID, str]:
        """`{id: "<label>@<at>"}` for each id; a label "boom" is the implementation refusing it."""
