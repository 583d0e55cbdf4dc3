"""Publishing: an event becomes an outbox row in the emitting app's database, in the
caller's transaction. What happens after commit depends on the mode:

- in-process (no KAFKA_BOOTSTRAP_SERVERS): the rows are delivered to the registered
  handlers right after commit (`inprocess.deliver_after_commit`);
- Kafka: a PostgreSQL NOTIFY, sent only if the transaction commits, wakes the relay.

Either way a delivered row is deleted: the outbox holds what is still to deliver (ADR 0003).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from socialapp.db_router import alias_for_model
from socialapp.eventing.catalogue import Event
from socialapp.eventing.envelope import Envelope
from socialapp.eventing.errors import PublishOutsideTransactionError
from socialapp.eventing.handlers import outbox_model, service_for_app
from socialapp.eventing.inprocess import deliver_after_commit
from socialapp.eventing.mode import events_mode, notify_channel
from socialapp.eventing.models import OutboxMessage
from socialapp.observability.context import current_request_id

__all__ = ["PublishObserver", "events_mode", "notify_channel", "observe_publishing", "publish", "publish_many"]

# Called with (app label, database alias, envelopes) for every publish; the one observer is
# `eventing.testing.capture_events`, so the list is empty outside tests.
PublishObserver = Callable[[str, str, list[Envelope]], None]
_observers: list[PublishObserver] = []


def observe_publishing(observer: PublishObserver) -> Callable[[], None]:
    """Call `observer` for every publish until the returned function is called."""
    _observers.append(observer)
    return lambda: _observers.remove(observer)


def publish(event: Event) -> Envelope:
    """Record `event` in its app's outbox, in the transaction already open on that database."""
    return publish_many([event])[0]


def publish_many(events: Sequence[Event]) -> list[Envelope]:
    """Record several events of one app in one statement (e.g. a fan-out's notifications)."""
    if not events:
        return []
    source_apps = {event.source_app for event in events}
    if len(source_apps) != 1:
        raise ValueError(f"publish_many takes events of one app, got {sorted(source_apps)}")
    source_app = source_apps.pop()
    outbox = outbox_model(source_app)
    alias = alias_for_model(outbox)
    connection = transaction.get_connection(alias)
    if not connection.in_atomic_block:
        raise PublishOutsideTransactionError(
            f"publish() needs a transaction open on database {alias!r} "
            f"(the {source_app} app's): wrap the write and its events in transaction.atomic()"
        )
    now = timezone.now()
    headers = {"request_id": current_request_id()} if current_request_id() else {}
    envelopes = [
        Envelope(
            id=uuid.uuid4(),
            type=event.event_type,
            source=service_for_app(source_app),
            subject=event.subject(),
            time=now,
            version=event.version,
            data=event.model_dump(mode="json"),
        )
        for event in events
    ]
    rows = [
        outbox(
            event_id=envelope.id,
            topic=event.topic,
            event_type=envelope.type,
            subject=envelope.subject,
            envelope=envelope.model_dump_json(),
            headers=headers,
            created_at=now,
            available_at=now,
        )
        for envelope, event in zip(envelopes, events, strict=True)
    ]
    notify = events_mode() == "kafka" and connection.vendor == "postgresql"
    if connection.features.can_return_rows_from_bulk_insert:
        _insert_rows(outbox, connection, rows, wake_channel=notify_channel(alias) if notify else None)
    else:
        outbox._default_manager.bulk_create(rows)
        if notify:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_notify(%s, '')", [notify_channel(alias)])
    if events_mode() == "inprocess":
        deliver_after_commit(source_app, alias, rows)
    for observer in _observers:
        observer(source_app, alias, envelopes)
    return envelopes


# The columns publish fills from the row; attempts and last_error are written as 0 and '', the rest stay NULL.
_INSERTED = ("event_id", "topic", "event_type", "subject", "envelope", "headers", "created_at", "available_at")


def _insert_rows(
    outbox: type[OutboxMessage], connection: Any, rows: list[OutboxMessage], *, wake_channel: str | None
) -> None:
    """One INSERT ... RETURNING id for the rows (and, in Kafka mode on PostgreSQL, the NOTIFY
    that wakes the relay, in the same statement: NOTIFY is transactional, so the relay hears
    it only if this transaction commits). What bulk_create does, for a fraction of its cost
    on every write that publishes."""
    meta = outbox._meta
    by_name = {field.name: field for field in meta.concrete_fields}
    fields = [by_name[name] for name in _INSERTED]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(meta.db_table)
    row_values = "(" + ", ".join(["%s"] * len(fields)) + ", 0, '')"
    # As many rows a statement as the backend takes parameters for (SQLite limits them; Django's
    # client-side binding on PostgreSQL does not).
    batch = max(1, connection.ops.bulk_batch_size(fields, rows))
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        values: list[Any] = []
        for row in chunk:
            values.extend(field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields)
        sql = f"INSERT INTO {table} ({columns}, attempts, last_error) VALUES {', '.join([row_values] * len(chunk))}"
        sql += " RETURNING id"
        if wake_channel:
            sql = f"WITH inserted AS ({sql}) SELECT id, pg_notify(%s, '') FROM inserted"
            values.append(wake_channel)
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            ids = sorted(row[0] for row in cursor.fetchall())
        for row, row_id in zip(chunk, ids, strict=True):  # ids are assigned in insertion order
            row.pk = row_id
            row._state.adding = False
            row._state.db = connection.alias
