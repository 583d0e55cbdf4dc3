"""Publishing writes an outbox row in the emitting app's database, inside its transaction."""

from __future__ import annotations

import json
import uuid

import pytest
from django.db import transaction

from apps.feed.models import OutboxMessage as FeedOutbox
from socialapp.db import atomic_for
from socialapp.db_router import alias_for_model
from socialapp.eventing import PublishOutsideTransactionError, inprocess, publish
from socialapp.eventing.backlog import outbox_counts
from socialapp.eventing.catalogue import Event, lookup
from socialapp.eventing.envelope import Envelope
from socialapp.eventing.errors import MalformedEventError
from socialapp.eventing.inprocess import deliver_all_pending
from socialapp.eventing.mode import events_mode
from socialapp.eventing.testing import capture_events
from socialapp.observability.context import request_context
from tests.conftest import ALL_DATABASES
from tests.eventing.kafka_helpers import running_relay, wait_until
from tests.eventing_app.contracts import ThingHappened
from tests.eventing_app.models import OutboxMessage, Thing
from tests.eventing_app.services import thing_record, things_record

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def test_a_committed_write_leaves_its_event_in_its_apps_outbox() -> None:
    with request_context("req-123"), capture_events() as events:
        thing_record(key="alpha", seq=7)

    assert [(e.type, e.source, e.subject, e.version, e.data) for e in events] == [
        ("test.thing_happened", "eventtests", "alpha", 1, {"key": "alpha", "seq": 7})
    ]
    row = OutboxMessage.objects.get()
    assert row.event_id == events[0].id
    assert row.topic == "post-events"
    assert row.subject == "alpha"
    assert row.headers == {"request_id": "req-123"}
    assert (row.attempts, row.given_up_at) == (0, None)  # pending: the test's transaction is still open
    assert row._state.db == "feed"
    assert not FeedOutbox.objects.exists()  # another app's outbox in the same database is untouched


def test_publishing_outside_a_transaction_is_refused_and_writes_nothing() -> None:
    # pytest-django wraps the test in a transaction; leave it to be truly outside one.
    connection = transaction.get_connection("feed")
    connection.in_atomic_block, saved = False, connection.in_atomic_block
    try:
        with pytest.raises(PublishOutsideTransactionError, match="transaction open on database 'feed'"):
            publish(ThingHappened(key="k", seq=1))
    finally:
        connection.in_atomic_block = saved
    assert not OutboxMessage.objects.exists()


def test_a_rolled_back_write_leaves_no_event() -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), atomic_for(Thing):
        Thing.objects.create(key="k", seq=1)
        publish(ThingHappened(key="k", seq=1))
        raise Boom

    assert not Thing.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_publish_many_keeps_the_given_order() -> None:
    things_record(steps=[("a", 1), ("b", 1), ("a", 2)])
    rows = [
        (subject, json.loads(envelope))
        for subject, envelope in OutboxMessage.objects.order_by("id").values_list("subject", "envelope")
    ]
    assert [(subject, env["data"]["seq"]) for subject, env in rows] == [("a", 1), ("b", 1), ("a", 2)]
    assert len({env["id"] for _, env in rows}) == 3


def test_publish_many_takes_thousands_of_events_in_one_call_in_order() -> None:
    steps = [(f"k{i % 7}", i) for i in range(9_000)]  # 72,000 parameters
    things_record(steps=steps)
    rows = list(OutboxMessage.objects.order_by("id").values_list("subject", "envelope"))
    assert [(subject, json.loads(envelope)["data"]["seq"]) for subject, envelope in rows] == steps


def test_envelope_round_trips_through_json() -> None:
    with capture_events() as events:
        thing_record(key="x", seq=1)
    assert Envelope.parse(events[0].to_json()) == events[0]


@pytest.mark.parametrize(
    "raw",
    [
        None,
        b"",
        b"not json",
        b"{}",
        b'{"id": "nope", "type": "x", "source": "s", "subject": "1", "time": "2026-01-01T00:00:00Z", '
        b'"version": 1, "data": {}}',
        b"[1, 2]",
    ],
)
def test_a_malformed_envelope_is_a_typed_error(raw: bytes | None) -> None:
    with pytest.raises(MalformedEventError):
        Envelope.parse(raw)


def test_the_catalogue_knows_declared_events_by_type_and_version() -> None:
    assert lookup("test.thing_happened", 1) is ThingHappened
    assert lookup("test.thing_happened", 2) is None
    assert lookup("no.such_event", 1) is None


def test_an_event_type_on_an_unknown_topic_is_refused_at_declaration() -> None:
    with pytest.raises(TypeError, match="not one of"):

        class Wrong(Event):
            event_type = "test.wrong"
            topic = "no-such-topic"
            source_app = "eventtests"
            subject_field = "key"
            key: str


def test_an_event_id_is_unique_per_event() -> None:
    with capture_events() as events:
        for seq in range(5):
            thing_record(key="k", seq=seq)
    assert len({e.id for e in events}) == 5
    assert all(isinstance(e.id, uuid.UUID) for e in events)


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)
@pytest.mark.parametrize("mode", ["inprocess", pytest.param("kafka", marks=pytest.mark.kafka)])
def test_a_delivered_row_is_deleted_in_both_modes_and_the_backlog_counts_what_is_left(
    mode: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if mode == "kafka":
        request.getfixturevalue("kafka")  # switches to Kafka mode
    alias = alias_for_model(OutboxMessage)
    assert events_mode() == mode

    # Committed, not yet delivered: in-process the after-commit delivery is held back.
    if mode == "inprocess":
        monkeypatch.setattr(inprocess, "deliver_committed", lambda *args, **kwargs: 0)
    thing_record(key="a", seq=1)
    monkeypatch.undo()
    assert outbox_counts()[alias].pending == 1

    if mode == "kafka":
        with running_relay():
            wait_until(lambda: not OutboxMessage.objects.exists(), what="the relay to delete the confirmed row")
    else:
        assert deliver_all_pending() == 1

    assert not OutboxMessage.objects.exists()
    assert outbox_counts()[alias].pending == 0
