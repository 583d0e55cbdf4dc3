"""Kafka mode against a real Kafka-compatible broker (Tansu, started by the test session):
outbox -> relay -> broker -> consumer, each handler effect exactly once, per-key order kept,
crashes and duplicates losing and doubling nothing, poison messages dead-lettered."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone
from prometheus_client import REGISTRY

from socialapp.db import atomic_for
from socialapp.eventing import Envelope, publish
from socialapp.eventing.kafka.config import dead_letter_topic, physical_topic
from socialapp.eventing.kafka.relay import OutboxRelay, RelayDeliveryError
from socialapp.eventing.kafka.topics import create_missing_topics
from socialapp.eventing.testing import capture_events
from socialapp.observability.context import request_context
from tests.components import free_port
from tests.conftest import ALL_DATABASES
from tests.eventing.kafka_helpers import header, read_topic, running_consumer, running_relay, wait_until
from tests.eventing_app.contracts import ThingHappened
from tests.eventing_app.models import Effect, InboxMessage, OutboxMessage, Thing
from tests.eventing_app.services import doomed_thing_record, thing_record, things_record

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def publish_steps(*, keys: int, per_key: int, per_transaction: int = 100) -> int:
    """Publish `keys * per_key` events, seq 0.. per key, interleaved across keys."""
    steps = [(f"key-{k}", seq) for seq in range(per_key) for k in range(keys)]
    for start in range(0, len(steps), per_transaction):
        things_record(steps=steps[start : start + per_transaction])
    return len(steps)


def assert_each_effect_once_in_order(*, keys: int, per_key: int) -> None:
    sequences: dict[str, list[int]] = defaultdict(list)
    for key, seq in Effect.objects.order_by("id").values_list("key", "seq"):
        sequences[key].append(seq)
    assert len(sequences) == keys
    for key, seqs in sequences.items():
        assert seqs == list(range(per_key)), f"{key}: effects out of order or repeated"


def produce_raw(topic: str, value: bytes, key: bytes = b"k") -> None:
    producer = Producer({"bootstrap.servers": settings.KAFKA_BOOTSTRAP_SERVERS})
    producer.produce(topic, value=value, key=key)
    assert producer.flush(10) == 0


def test_ten_thousand_events_flow_through_with_each_effect_once_and_per_key_order(kafka: str) -> None:
    keys, per_key = 50, 200
    total = publish_steps(keys=keys, per_key=per_key)
    assert total == 10_000

    with running_relay(batch_size=1000), running_consumer():
        wait_until(lambda: Effect.objects.count() >= total, timeout=240, what="10,000 effects")
        time.sleep(1)  # anything extra would show now

    assert Effect.objects.count() == total
    assert_each_effect_once_in_order(keys=keys, per_key=per_key)
    assert InboxMessage.objects.count() == total
    assert not OutboxMessage.objects.exists()  # each row was deleted once the broker confirmed it


def test_a_relay_killed_mid_run_and_restarted_loses_nothing(kafka: str) -> None:
    keys, per_key = 20, 1000
    total = publish_steps(keys=keys, per_key=per_key, per_transaction=1000)
    published_ids = {str(i) for i in OutboxMessage.objects.values_list("event_id", flat=True)}
    feed_db = connections["feed"].settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "FEED_DATABASE_URL": f"postgres://{feed_db['USER']}@{feed_db['HOST']}:{feed_db['PORT']}/{feed_db['NAME']}",
        "KAFKA_BOOTSTRAP_SERVERS": settings.KAFKA_BOOTSTRAP_SERVERS,
        "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
        "LOG_LEVEL": "WARNING",
    }
    # One row per batch keeps the relay busy for seconds: long enough to be killed mid-run.
    command = [sys.executable, "manage.py", "relay_outbox", "eventtests", "--batch-size", "1"]

    def delivered() -> int:  # the relay deletes the rows the broker confirmed
        return total - OutboxMessage.objects.count()

    first = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_until(lambda: delivered() >= 500, timeout=60, interval=0.005, what="the relay to start")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    killed_at = delivered()
    assert 0 < killed_at < total, "the relay must be killed mid-run"

    second = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        wait_until(lambda: delivered() == total, timeout=120, what="the restarted relay to finish")
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(30) == 0

    on_broker = read_topic(physical_topic("post-events"))
    broker_ids = {json.loads(m.value() or b"")["id"] for m in on_broker}
    assert broker_ids == published_ids  # nothing lost (a re-sent batch may appear twice)

    with running_consumer():
        wait_until(lambda: Effect.objects.count() >= total, timeout=120, what="every effect")
        time.sleep(1)
    assert_each_effect_once_in_order(keys=keys, per_key=per_key)


def test_a_duplicated_delivery_has_no_second_effect(kafka: str) -> None:
    with capture_events() as events:
        thing_record(key="dup", seq=1)
    value = events[0].to_json().encode()
    produce_raw(physical_topic("post-events"), value, b"dup")
    produce_raw(physical_topic("post-events"), value, b"dup")

    with running_consumer():
        wait_until(InboxMessage.objects.exists, what="the first delivery")
        thing_record(key="after", seq=1)
        with running_relay():
            wait_until(lambda: Effect.objects.filter(key="after").exists(), what="a later event")

    assert list(Effect.objects.filter(key="dup").values_list("seq", flat=True)) == [1]


def test_malformed_unknown_and_failing_events_go_to_the_dead_letter_topic_and_the_consumer_carries_on(
    kafka: str,
) -> None:
    topic = physical_topic("post-events")
    produce_raw(topic, b"\x00not json at all")
    unknown = {
        "id": str(uuid.uuid4()),
        "type": "no.such_event",
        "source": "x",
        "subject": "s",
        "time": timezone.now().isoformat(),
        "version": 1,
        "data": {},
    }
    produce_raw(topic, json.dumps(unknown).encode())
    wrong_data = {**unknown, "id": str(uuid.uuid4()), "type": "test.thing_happened", "data": {"key": "k"}}
    produce_raw(topic, json.dumps(wrong_data).encode())
    doomed_thing_record(key="doomed")
    thing_record(key="fine", seq=1)

    with running_relay(), running_consumer(max_attempts=3):
        wait_until(lambda: Effect.objects.filter(key="fine").exists(), what="the event after the poison ones")

    dead = read_topic(dead_letter_topic("eventtests"))
    reasons = sorted((header(m, "dlq.reason"), header(m, "dlq.handler")) for m in dead)
    assert reasons == [
        ("HandlerFailed", "tests.eventing_app.events.always_fail"),
        ("MalformedEventError", ""),
        ("MalformedEventError", ""),
        ("UnknownEventTypeError", ""),
    ]
    failed = next(m for m in dead if header(m, "dlq.reason") == "HandlerFailed")
    assert "HandlerBoom: cannot handle doomed" in (header(failed, "dlq.error") or "")
    assert header(failed, "dlq.original_topic") == topic
    assert json.loads(failed.value() or b"")["type"] == "test.doomed_thing"  # the original message, untouched


def test_a_rolled_back_transaction_publishes_nothing(kafka: str) -> None:
    with pytest.raises(RuntimeError), atomic_for(Thing):
        Thing.objects.create(key="ghost", seq=1)
        publish(ThingHappened(key="ghost", seq=1))
        raise RuntimeError("the write failed")
    thing_record(key="real", seq=1)

    relay = OutboxRelay("eventtests")
    assert relay.relay_batch() == 1
    assert relay.relay_batch() == 0

    on_broker = read_topic(physical_topic("post-events"))
    assert [json.loads(m.value() or b"")["subject"] for m in on_broker] == ["real"]


def test_a_backlog_of_many_batches_is_relayed_in_one_drain_in_order(kafka: str) -> None:
    total = publish_steps(keys=5, per_key=200)
    relay = OutboxRelay("eventtests", batch_size=100)

    assert relay.relay_pending() == total
    assert not OutboxMessage.objects.exists()

    sequences: dict[str, list[int]] = defaultdict(list)
    for message in read_topic(physical_topic("post-events")):
        data = json.loads(message.value() or b"")["data"]
        sequences[data["key"]].append(data["seq"])
    assert sequences == {f"key-{k}": list(range(200)) for k in range(5)}


def test_rows_the_broker_does_not_confirm_stay_in_the_outbox_and_go_out_later(kafka: str) -> None:
    thing_record(key="unconfirmed", seq=1)
    unreachable = OutboxRelay(
        "eventtests",
        flush_timeout=5,
        # Nothing listens there, so every message times out unconfirmed.
        producer_overrides={"bootstrap.servers": f"127.0.0.1:{free_port()}", "message.timeout.ms": 1000},
    )
    with pytest.raises(RelayDeliveryError):
        unreachable.relay_pending()
    assert OutboxMessage.objects.count() == 1

    assert OutboxRelay("eventtests").relay_pending() == 1
    assert not OutboxMessage.objects.exists()
    assert [m.key() for m in read_topic(physical_topic("post-events"))] == [b"unconfirmed"]


def test_messages_are_keyed_by_aggregate_and_carry_type_id_and_request_id_headers(kafka: str) -> None:
    with request_context("req-to-kafka"), capture_events() as events:
        thing_record(key="aggregate-7", seq=1)

    assert OutboxRelay("eventtests").relay_batch() == 1

    [message] = read_topic(physical_topic("post-events"))
    assert message.key() == b"aggregate-7"
    assert header(message, "type") == "test.thing_happened"
    assert header(message, "id") == str(events[0].id)
    assert header(message, "request_id") == "req-to-kafka"
    assert Envelope.parse(message.value()) == events[0]


def test_consumers_count_what_they_handle_in_metrics(kafka: str) -> None:
    def handled(outcome: str) -> float:
        labels = {"consumer": "eventtests", "outcome": outcome}
        return REGISTRY.get_sample_value("socialapp_events_handled_total", labels) or 0.0

    before_ok, before_dead = handled("ok"), handled("dead_letter")
    thing_record(key="m", seq=1)
    doomed_thing_record(key="m")
    with running_relay(), running_consumer(max_attempts=1):
        wait_until(lambda: handled("dead_letter") > before_dead, what="the dead letter")

    assert handled("ok") == before_ok + 1
    assert handled("dead_letter") == before_dead + 1


def test_create_topics_is_idempotent(kafka: str) -> None:
    out = StringIO()
    call_command("create_topics", stdout=out)
    lines = out.getvalue().splitlines()
    assert f"{kafka}post-events: exists" in lines  # the fixture created them already
    assert f"{kafka}feed-dead-letter: exists" in lines
    assert len(lines) == 4 + 6  # the seed's four topics + a dead-letter topic per service (six in tests)


def test_create_topics_says_how_an_existing_topic_differs_and_fails(kafka: str, settings: Any) -> None:
    settings.KAFKA_TOPIC_PREFIX = f"{kafka}four."  # topics no one created yet
    create_missing_topics([physical_topic("post-events")], partitions=4)  # one partition too many
    out = StringIO()

    with pytest.raises(CommandError, match="1 existing topics differ"):
        call_command("create_topics", stdout=out)

    lines = out.getvalue().splitlines()
    assert f"{kafka}four.post-events: differs: 4 partitions, want 3" in lines
    assert f"{kafka}four.user-events: created" in lines
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("create_topics", stdout=out)  # a second run says the same, and changes nothing
    assert f"{kafka}four.user-events: exists" in out.getvalue().splitlines()


def test_the_relay_is_woken_by_the_commit_not_by_polling(kafka: str) -> None:
    with running_relay(poll_seconds=60) as relay:
        wait_until(lambda: relay.is_leader, what="leadership")
        time.sleep(0.3)  # the relay is now waiting on LISTEN
        started = time.monotonic()
        thing_record(key="wake", seq=1)
        wait_until(lambda: not OutboxMessage.objects.exists(), timeout=10)
        assert time.monotonic() - started < 5  # far under the 60 s polling interval


def test_commits_right_behind_the_one_that_woke_the_relay_go_out_in_the_same_drain(kafka: str) -> None:
    with running_relay(poll_seconds=60, gather_seconds=0.5) as relay:
        wait_until(lambda: relay.is_leader, what="leadership")
        time.sleep(0.3)  # the relay is now waiting on LISTEN
        drains: list[int] = []
        relay_pending = relay.relay_pending

        def counted_drain(**kwargs: Any) -> int:
            relayed = relay_pending(**kwargs)
            drains.append(relayed)
            return relayed

        relay.relay_pending = counted_drain  # type: ignore[method-assign]
        for seq in range(5):  # five transactions, well within the half second gathered
            thing_record(key="gathered", seq=seq)
        wait_until(lambda: not OutboxMessage.objects.exists(), timeout=10)

    assert [n for n in drains if n] == [5]


def test_the_relay_survives_losing_its_database_connections(kafka: str) -> None:
    with running_relay(poll_seconds=0.2) as relay:
        wait_until(lambda: relay.is_leader, what="leadership")
        with connections["feed"].cursor() as cursor:  # what a database restart or failover does
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.rowcount >= 1
        thing_record(key="after-failover", seq=1)
        wait_until(
            lambda: not OutboxMessage.objects.exists(),
            timeout=15,
            what="delivery after reconnecting",
        )
        assert relay.is_leader


def test_only_one_relay_leads_and_a_standby_takes_over(kafka: str) -> None:
    with running_relay(poll_seconds=0.2) as first:
        wait_until(lambda: first.is_leader, what="the first relay to lead")
        with running_relay(poll_seconds=0.2) as second:
            time.sleep(1)
            assert not second.is_leader
            thing_record(key="a", seq=1)
            wait_until(lambda: not OutboxMessage.objects.exists())
            first.stop.set()
            wait_until(lambda: second.is_leader, timeout=10, what="the standby to take over")
            thing_record(key="a", seq=2)
            wait_until(lambda: not OutboxMessage.objects.exists())
    assert len(read_topic(physical_topic("post-events"))) == 2
