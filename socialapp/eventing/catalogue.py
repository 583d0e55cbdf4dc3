"""Event types: every payload class declares its name, version, topic and aggregate.

Declaring a subclass of `Event` adds it to the catalogue; consumers look envelopes up here
by (type, version). An envelope whose type is not in the catalogue is unknown and goes to
the dead-letter topic; one that is known but not handled by a consumer is skipped.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

# The seed's topics. Each event type is published on exactly one of them.
TOPICS: tuple[str, ...] = ("auth-events", "user-events", "post-events", "reaction-events")

_CATALOGUE: dict[tuple[str, int], type[Event]] = {}


class Event(BaseModel):
    """Base of event payloads. Subclasses set the class variables and declare typed fields.

    Payloads carry ids and the few fields consumers need, never whole entities. New optional
    fields keep a version; removing or retyping a field needs a new version.
    """

    # Unknown fields are ignored so a consumer keeps working when a publisher adds one.
    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    version: ClassVar[int] = 1
    topic: ClassVar[str]
    # App label of the publishing app: its outbox (and so its database) carries the event.
    source_app: ClassVar[str]
    # Name of the field holding the aggregate id: the Kafka key, so one aggregate stays ordered.
    subject_field: ClassVar[str]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if "event_type" not in cls.__dict__:
            return  # an intermediate base class, not an event type
        if cls.topic not in TOPICS:
            raise TypeError(f"{cls.__name__}.topic {cls.topic!r} is not one of {TOPICS}")
        if cls.subject_field not in cls.model_fields:
            raise TypeError(f"{cls.__name__}.subject_field {cls.subject_field!r} is not a field")
        key = (cls.event_type, cls.version)
        existing = _CATALOGUE.get(key)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise TypeError(f"event type {key} is declared twice: {existing} and {cls}")
        _CATALOGUE[key] = cls

    def subject(self) -> str:
        return str(getattr(self, self.subject_field))


def lookup(event_type: str, version: int) -> type[Event] | None:
    return _CATALOGUE.get((event_type, version))


def catalogue() -> dict[tuple[str, int], type[Event]]:
    return dict(_CATALOGUE)
