"""Event types of the test app."""

from typing import ClassVar

from socialapp.eventing import Event


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
