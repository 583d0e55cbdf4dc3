"""In-process mode (the embedded default): committed events reach the handlers right after
commit, exactly once; a delivered row is deleted, as the relay deletes what Kafka confirmed;
nothing a crash or a failing handler leaves behind is lost."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone
from prometheus_client import REGISTRY
from pytest_django.fixtures import Settings as SettingsWrapper

from socialapp.db import atomic_for
from socialapp.db_router import alias_for_model
from socialapp.eventing import Envelope, event_handler, inprocess, publish
from socialapp.eventing.handlers import handlers_for, run_handler, unregister_handler
from socialapp.eventing.inprocess import OutboxSweeper, deliver_all_pending
from socialapp.eventing.testing import capture_events
from tests.conftest import ALL_DATABASES
from tests.eventing.kafka_helpers import wait_until
from tests.eventing_app.contracts import ThingHappened
from tests.eventing_app.models import Effect, InboxMessage, OutboxMessage, Thing
from tests.eventing_app.services import doomed_thing_record, thing_record
from tests.live_server import live_server

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


def test_a_committed_event_is_handled_right_after_commit() -> None:
    thing_record(key="a", seq=1)

    assert list(Effect.objects.values_list("key", "seq")) == [("a", 1)]
    assert not OutboxMessage.objects.exists()  # delivered: deleted


def test_nothing_is_handled_before_the_transaction_commits() -> None:
    with atomic_for(Thing):
        Thing.objects.create(key="a", seq=1)
        publish(ThingHappened(key="a", seq=1))
        assert not Effect.objects.exists()
    assert Effect.objects.count() == 1


def test_a_rolled_back_transaction_delivers_nothing() -> None:
    with pytest.raises(RuntimeError), atomic_for(Thing):
        publish(ThingHappened(key="a", seq=1))
        raise RuntimeError("the write failed")

    assert not OutboxMessage.objects.exists()
    assert not Effect.objects.exists()


def test_a_redelivered_event_has_no_second_effect() -> None:
    with capture_events() as events:
        thing_record(key="a", seq=1)
    envelope = events[0]
    [handler] = handlers_for(envelope)

    applied_again = run_handler(handler, ThingHappened.model_validate(envelope.data), envelope)

    assert applied_again is False
    assert Effect.objects.count() == 1


def test_events_left_undelivered_by_a_crash_are_delivered_at_the_next_start(monkeypatch: pytest.MonkeyPatch) -> None:
    # The process "dies" between commit and delivery: the after-commit delivery never runs.
    monkeypatch.setattr(inprocess, "deliver_committed", lambda *args, **kwargs: 0)
    for seq in range(3):
        thing_record(key="a", seq=seq)
    assert not Effect.objects.exists()
    monkeypatch.undo()

    sweeper = OutboxSweeper(interval=0)  # what a starting server runs first
    sweeper.run()

    assert list(Effect.objects.order_by("id").values_list("seq", flat=True)) == [0, 1, 2]
    assert not OutboxMessage.objects.exists()


def test_a_failing_handler_is_retried_with_backoff_then_given_up(settings: SettingsWrapper) -> None:
    settings.EVENTS_INPROCESS_MAX_ATTEMPTS = 3

    doomed_thing_record(key="d")  # first attempt, right after commit
    row = OutboxMessage.objects.get()
    assert (row.attempts, row.given_up_at) == (1, None)
    assert "HandlerBoom: cannot handle d" in row.last_error
    assert row.available_at > timezone.now()  # backing off

    for _ in range(2):
        OutboxMessage.objects.update(available_at=timezone.now())
        deliver_all_pending()

    row.refresh_from_db()  # kept, marked, for an operator
    assert row.attempts == 3
    assert row.given_up_at is not None


def test_a_failing_event_does_not_block_the_ones_after_it() -> None:
    doomed_thing_record(key="d")
    thing_record(key="a", seq=1)

    assert list(Effect.objects.values_list("key", flat=True)) == ["a"]


def test_a_handler_that_publishes_gets_its_own_events_delivered() -> None:
    @event_handler(ThingHappened, app_label="eventtests")
    def echo(event: ThingHappened, envelope: Envelope) -> None:
        if event.seq < 3:
            publish(ThingHappened(key=event.key, seq=event.seq + 1))

    try:
        thing_record(key="chain", seq=1)
    finally:
        unregister_handler(f"{__name__}.{echo.__qualname__}")

    assert sorted(Effect.objects.values_list("seq", flat=True)) == [1, 2, 3]
    assert not OutboxMessage.objects.exists()


def test_a_starting_server_delivers_what_the_previous_process_left_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(inprocess, "deliver_committed", lambda *args, **kwargs: 0)  # the "crash"
    thing_record(key="left-behind", seq=1)
    monkeypatch.undo()
    assert not Effect.objects.exists()

    with live_server(tmp_path, EVENTS_START_SWEEPER="true"):
        wait_until(lambda: Effect.objects.filter(key="left-behind").exists(), timeout=20, what="the sweep at start")
        wait_until(lambda: not OutboxMessage.objects.exists(), timeout=20, what="the delivered row deleted")


def test_pruning_deletes_only_old_inbox_rows_and_never_an_undelivered_event(settings: SettingsWrapper) -> None:
    settings.EVENTS_INPROCESS_MAX_ATTEMPTS = 1
    thing_record(key="old", seq=1)
    doomed_thing_record(key="given-up")
    long_ago = timezone.now() - timedelta(days=30)
    InboxMessage.objects.update(processed_at=long_ago)
    OutboxMessage.objects.update(created_at=long_ago, given_up_at=long_ago)
    thing_record(key="recent", seq=1)

    call_command("prune_events", stdout=StringIO())

    assert list(OutboxMessage.objects.values_list("subject", flat=True)) == ["given-up"]  # for an operator
    assert InboxMessage.objects.count() == 1  # the recent event's
    assert Effect.objects.count() == 2  # effects are the handlers' business, never pruned


def test_each_transaction_delivers_its_own_events_and_leaves_older_ones_to_the_sweeper(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inprocess, "deliver_committed", lambda *args, **kwargs: 0)
    thing_record(key="left-behind", seq=1)
    monkeypatch.undo()

    thing_record(key="fresh", seq=1)
    assert list(Effect.objects.values_list("key", flat=True)) == ["fresh"]

    deliver_all_pending()
    assert sorted(Effect.objects.values_list("key", flat=True)) == ["fresh", "left-behind"]


def test_a_periodic_sweep_leaves_just_committed_rows_to_their_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inprocess, "deliver_committed", lambda *args, **kwargs: 0)
    thing_record(key="in-flight", seq=1)
    monkeypatch.undo()

    assert deliver_all_pending(grace_seconds=60) == 0
    assert deliver_all_pending(grace_seconds=0) == 1


def test_the_delete_of_a_delivered_row_commits_or_rolls_back_with_the_last_handlers_effects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def delete_fails(*args: object) -> None:
        raise RuntimeError("the delete failed")

    monkeypatch.setattr(inprocess, "_delete_one_delivered", delete_fails)
    thing_record(key="a", seq=1)

    # The handler's effect went with the failed delete: nothing half-applied, the row retried.
    assert not Effect.objects.exists()
    row = OutboxMessage.objects.get()
    assert row.attempts == 1
    assert "the delete failed" in row.last_error

    monkeypatch.undo()
    OutboxMessage.objects.update(available_at=timezone.now())
    assert deliver_all_pending() == 1
    assert list(Effect.objects.values_list("key", "seq")) == [("a", 1)]
    assert not OutboxMessage.objects.exists()


def test_a_row_whose_last_handler_fails_stays_pending_and_the_others_are_not_applied_twice() -> None:
    @event_handler(ThingHappened, app_label="eventtests")
    def flaky(event: ThingHappened, envelope: Envelope) -> None:
        raise RuntimeError("flaky handler")

    try:
        thing_record(key="a", seq=1)
        row = OutboxMessage.objects.get()
        assert row.attempts == 1
        assert Effect.objects.count() == 1  # record_effect ran and committed on its own
    finally:
        unregister_handler(f"{__name__}.{flaky.__qualname__}")

    OutboxMessage.objects.update(available_at=timezone.now())
    assert deliver_all_pending() == 1
    assert Effect.objects.count() == 1  # the retry found record_effect's inbox row
    assert not OutboxMessage.objects.exists()


@contextmanager
def outbox_refusing_changes() -> Iterator[None]:
    """The outbox's database refuses to update or delete its rows (a trigger raising), as a
    full disk or a lost connection would refuse the delivery's statements after commit."""
    table = OutboxMessage._meta.db_table
    with connections[alias_for_model(OutboxMessage)].cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION outbox_refuses() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the outbox refuses changes'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER outbox_refuses BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION outbox_refuses()"
        )
    try:
        yield
    finally:
        with connections[alias_for_model(OutboxMessage)].cursor() as cursor:
            cursor.execute(f"DROP TRIGGER outbox_refuses ON {table}")
            cursor.execute("DROP FUNCTION outbox_refuses()")


def test_a_failure_after_commit_is_logged_never_raised_into_the_write_and_the_sweeper_delivers_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with outbox_refusing_changes(), caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        thing = thing_record(key="a", seq=1)  # returns: the write committed

    assert Thing.objects.filter(pk=thing.pk).exists()
    assert "deliver_committed_rows in on_commit()" in caplog.text
    assert "the outbox refuses changes" in caplog.text
    # Neither deleted nor marked failed: the handler's effect rolled back with its failed delete.
    row = OutboxMessage.objects.get()
    assert (row.attempts, row.given_up_at) == (0, None)
    assert not Effect.objects.exists()

    assert deliver_all_pending() == 1  # the next sweep
    assert list(Effect.objects.values_list("key", "seq")) == [("a", 1)]
    assert not OutboxMessage.objects.exists()


def test_the_backlog_gauge_counts_rows_still_to_deliver_and_the_given_up_apart(
    monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper
) -> None:
    settings.EVENTS_INPROCESS_MAX_ATTEMPTS = 1
    alias = alias_for_model(OutboxMessage)

    def gauge(name: str) -> float | None:
        return REGISTRY.get_sample_value(name, {"alias": alias})

    monkeypatch.setattr(inprocess, "deliver_committed", lambda *args, **kwargs: 0)  # the "crash"
    thing_record(key="left-behind", seq=1)
    monkeypatch.undo()
    doomed_thing_record(key="given-up")
    thing_record(key="delivered", seq=1)

    assert (gauge("socialapp_outbox_backlog"), gauge("socialapp_outbox_given_up")) == (1, 1)

    deliver_all_pending()
    assert (gauge("socialapp_outbox_backlog"), gauge("socialapp_outbox_given_up")) == (0, 1)
