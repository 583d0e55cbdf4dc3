"""Handler registry, and running one handler exactly once per event (the inbox).

Handlers are plain functions registered in the consuming app's `events.py`:

    @event_handler(UserRegistered)
    def create_profile(event: UserRegistered, envelope: Envelope) -> None: ...

The same function runs in-process or from the app's Kafka consumer group. It runs in a
transaction on the consuming app's database together with an inbox row keyed by
(event id, handler), so a redelivered event is a no-op.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.apps import apps
from django.db import connections, transaction
from django.utils import timezone

from socialapp.db_router import alias_for_model
from socialapp.deployment import all_services
from socialapp.eventing.catalogue import Event
from socialapp.eventing.envelope import Envelope
from socialapp.eventing.models import InboxMessage, OutboxMessage

E = TypeVar("E", bound=Event)
HandlerFunc = Callable[[Any, Envelope], None]


@dataclass(frozen=True)
class Handler:
    name: str
    app_label: str
    event_class: type[Event]
    func: HandlerFunc

    @property
    def key(self) -> tuple[str, int]:
        return (self.event_class.event_type, self.event_class.version)


_HANDLERS: dict[str, Handler] = {}


def event_handler(
    event_class: type[E], *, app_label: str | None = None
) -> Callable[[Callable[[E, Envelope], None]], Callable[[E, Envelope], None]]:
    """Register a handler for `event_class`; it belongs to (and writes to) the app it is defined in."""

    def register(func: Callable[[E, Envelope], None]) -> Callable[[E, Envelope], None]:
        label = app_label
        if label is None:
            app_config = apps.get_containing_app_config(func.__module__)
            if app_config is None:
                raise LookupError(f"handler {func.__module__}.{func.__qualname__} is not in an installed app")
            label = app_config.label
        handler = Handler(
            name=f"{func.__module__}.{func.__qualname__}",
            app_label=label,
            event_class=event_class,
            func=func,
        )
        _HANDLERS[handler.name] = handler
        return func

    return register


def unregister_handler(name: str) -> None:
    _HANDLERS.pop(name, None)


def registered_handlers(app_labels: Iterable[str] | None = None) -> list[Handler]:
    wanted = None if app_labels is None else set(app_labels)
    return [h for h in _HANDLERS.values() if wanted is None or h.app_label in wanted]


def handlers_for(envelope: Envelope, app_labels: Iterable[str] | None = None) -> list[Handler]:
    key = (envelope.type, envelope.version)
    return [h for h in registered_handlers(app_labels) if h.key == key]


def consumer_topics(app_label: str) -> list[str]:
    """The logical topics carrying every event type the app handles."""
    return sorted({h.event_class.topic for h in registered_handlers([app_label])})


def service_for_app(app_label: str) -> str:
    for service, label in all_services().items():
        if label == app_label:
            return service
    return app_label


def outbox_model(app_label: str) -> type[OutboxMessage]:
    return cast("type[OutboxMessage]", apps.get_model(app_label, "OutboxMessage"))


def inbox_model(app_label: str) -> type[InboxMessage]:
    return cast("type[InboxMessage]", apps.get_model(app_label, "InboxMessage"))


def handler_database(app_label: str) -> str:
    """The alias a consuming app's handlers (and its inbox) write to."""
    return alias_for_model(inbox_model(app_label))


def apply_once(handler: Handler, event: Event, envelope: Envelope) -> bool:
    """Claim the inbox row and run the handler, in the caller's transaction on the handler's
    database. Returns False, doing nothing, if this handler already applied this event.

    The claim is `INSERT ... ON CONFLICT DO NOTHING RETURNING`: a duplicate costs no
    exception and no savepoint, so a consumer can apply a whole batch in one transaction.
    """
    if not claim_all([(handler, envelope)]):
        return False
    handler.func(event, envelope)
    return True


# Rows per claiming statement: well under PostgreSQL's 65,535 parameters (4 a row).
CLAIM_CHUNK_ROWS = 1000


def claim_all(pairs: list[tuple[Handler, Envelope]]) -> set[tuple[uuid.UUID, str]]:
    """Claim the inbox rows of many (handler, event) pairs at once, in the caller's transaction
    on the handlers' database (all handlers of one app). Returns the (event id, handler name)
    pairs claimed now: the others were applied before, and their handlers must not run.

    One statement per chunk instead of one per pair: a consumer applying a batch waits for
    the database once, not once per event.
    """
    if not pairs:
        return set()
    app_labels = {handler.app_label for handler, _ in pairs}
    if len(app_labels) != 1:
        raise ValueError(f"claim_all takes handlers of one app, got {sorted(app_labels)}")
    inbox = inbox_model(app_labels.pop())
    connection = connections[alias_for_model(inbox)]
    meta = inbox._meta
    event_id_field = meta.get_field("event_id")
    now = meta.get_field("processed_at").get_db_prep_value(timezone.now(), connection)
    claimed: set[tuple[uuid.UUID, str]] = set()
    with connection.cursor() as cursor:
        # Within the backend's parameter limit too (SQLite's is lower than PostgreSQL's).
        fields = [meta.get_field(name) for name in ("event_id", "handler", "event_type", "processed_at")]
        chunk_rows = max(1, min(CLAIM_CHUNK_ROWS, connection.ops.bulk_batch_size(fields, pairs)))
        for start in range(0, len(pairs), chunk_rows):
            chunk = pairs[start : start + chunk_rows]
            values: list[Any] = []
            for handler, envelope in chunk:
                values += [event_id_field.get_db_prep_value(envelope.id, connection), handler.name, envelope.type, now]
            placeholders = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {meta.db_table} (event_id, handler, event_type, processed_at) VALUES {placeholders} "
                "ON CONFLICT (event_id, handler) DO NOTHING RETURNING event_id, handler",
                values,
            )
            claimed.update((event_id_field.to_python(event_id), name) for event_id, name in cursor.fetchall())
    return claimed


def run_handler(
    handler: Handler, event: Event, envelope: Envelope, *, and_then: Callable[[], None] | None = None
) -> bool:
    """Apply the handler once, in a transaction of its own. False if it was already applied.

    `and_then` runs in the same transaction after the handler (applied or a duplicate), so
    a write on the handler's database, such as deleting the delivered outbox row, commits
    or rolls back with the handler's effects.
    """
    with transaction.atomic(using=handler_database(handler.app_label)):
        applied = apply_once(handler, event, envelope)
        if and_then is not None:
            and_then()
        return applied
