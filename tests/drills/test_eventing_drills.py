"""Fault drills of the event pipeline (issue 16), against real `relay_outbox` and `consume`
processes, PostgreSQL and a Tansu broker: a relay SIGKILLed mid-batch (and exactly between
"the broker confirmed" and "the rows are deleted", through the relay's fault point), a consumer
SIGKILLed mid-stream (and exactly between "the handlers committed" and "the offsets are
stored"), and a broker restart that loses everything. Each drill prints its counts (sent, on
the broker, duplicates absorbed, applied) and requires every event applied exactly once, in
per-key order."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from pytest_django.fixtures import Settings as SettingsWrapper

from socialapp.eventing.kafka.config import physical_topic
from tests.components import TansuBroker
from tests.conftest import ALL_DATABASES
from tests.drills.deployments import GRACE_SHARE, grace_seconds
from tests.drills.workers import count_table, kafka_env, worker_process
from tests.eventing.kafka_helpers import broker_of_its_own, read_topic, running_relay, wait_until
from tests.eventing_app.models import Effect, InboxMessage, OutboxMessage
from tests.eventing_app.services import things_record

pytestmark = [pytest.mark.kafka, pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)]

RESUME_SECONDS = 30  # what issue 16 asks of every process after a broker restart
HANDLED = "socialapp_events_handled_total"
RELAYED = "socialapp_events_relayed_total"


class Publisher:
    """Records events for keys key-0.. with consecutive seqs per key; knows what it sent."""

    def __init__(self, keys: int) -> None:
        self.keys = keys
        self.next_seq = 0

    def publish(self, rounds: int, *, per_transaction: int = 200) -> int:
        steps = [(f"key-{k}", seq) for seq in range(self.next_seq, self.next_seq + rounds) for k in range(self.keys)]
        for start in range(0, len(steps), per_transaction):
            things_record(steps=steps[start : start + per_transaction])
        self.next_seq += rounds
        return len(steps)

    @property
    def sent(self) -> int:
        return self.keys * self.next_seq


def applied() -> int:
    return Effect.objects.count()


def pending() -> int:
    return OutboxMessage.objects.count()


def broker_ids() -> Counter[str]:
    """How many times each event id is on the broker (a re-sent batch shows twice)."""
    return Counter(json.loads(m.value() or b"")["id"] for m in read_topic(physical_topic("post-events")))


def effect_problems(publisher: Publisher) -> list[str]:
    """Every (key, seq) applied once and in order, and no event applied twice."""
    sequences: dict[str, list[int]] = defaultdict(list)
    for key, seq in Effect.objects.order_by("id").values_list("key", "seq"):
        sequences[key].append(seq)
    problems = [
        f"{key}: {len(seqs)} effects, out of order or repeated"
        for key, seqs in sequences.items()
        if seqs != list(range(publisher.next_seq))
    ]
    if len(sequences) != publisher.keys:
        problems.append(f"{len(sequences)} keys applied, want {publisher.keys}")
    twice = Effect.objects.values("event_id").distinct().count()
    if twice != Effect.objects.count():
        problems.append(f"{Effect.objects.count() - twice} events applied twice")
    return problems


def test_drill_a_relay_killed_between_send_and_delete_and_mid_batch_loses_and_doubles_nothing(
    kafka: str, tmp_path: Path
) -> None:
    publisher = Publisher(keys=20)
    sent = publisher.publish(50)  # 1,000 events, all pending before any relay runs (5,000 more later)
    consumer_env = kafka_env()
    with worker_process(["consume", "eventtests"], tmp_path, consumer_env) as consumer:
        consumer.wait_ready()

        # 1. The relay kills itself once the broker confirmed a batch whose rows are not deleted.
        fault_env = kafka_env(EVENTS_RELAY_FAULT_AFTER_SEND="kill")
        with worker_process(["relay_outbox", "eventtests", "--batch-size", "100"], tmp_path, fault_env) as relay:
            assert relay.process.wait(120) == -signal.SIGKILL, relay.log()
        on_broker = broker_ids()
        pending_ids = {str(i) for i in OutboxMessage.objects.values_list("event_id", flat=True)}
        in_the_window = len(set(on_broker) & pending_ids)  # confirmed by the broker, still to delete

        # 2. A relay killed from outside, mid-run: one row per batch and a larger backlog keep it
        #    busy for seconds; it is killed once it has had a few hundred rows confirmed.
        sent += publisher.publish(250)
        slow = ["relay_outbox", "eventtests", "--batch-size", "1"]
        with worker_process(slow, tmp_path, kafka_env()) as relay:
            relay.wait_ready()
            wait_until(lambda: relay.metric(RELAYED) >= 300, timeout=120, interval=0.01, what="the relay to progress")
            relay.kill()
        left_by_outside_kill = pending()

        # 3. A relay that finishes, then stops on SIGTERM.
        with worker_process(["relay_outbox", "eventtests"], tmp_path, kafka_env()) as relay:
            relay.wait_ready()
            wait_until(lambda: pending() == 0, timeout=120, interval=0.1, what="the outbox to drain")
            relay_stop_seconds = relay.terminate()

        on_broker = broker_ids()
        messages = sum(on_broker.values())
        wait_until(
            lambda: consumer.metric(HANDLED, consumer="eventtests") >= messages,
            timeout=120,
            interval=0.2,
            what="the consumer to read every message on the broker",
        )
        absorbed = consumer.metric(HANDLED, consumer="eventtests", outcome="duplicate")
        consumer_stop_seconds = consumer.terminate()

    table = count_table(
        "relay SIGKILLed between send and delete, then mid-run",
        {
            "sent (outbox rows)": sent,
            "confirmed but not deleted at the fault point": in_the_window,
            "pending after the outside SIGKILL": left_by_outside_kill,
            "messages on the broker": messages,
            "distinct events on the broker": len(on_broker),
            "duplicates on the broker": messages - len(on_broker),
            "duplicates absorbed by the inbox": int(absorbed),
            "applied": applied(),
            "inbox rows": InboxMessage.objects.count(),
            "relay / consumer SIGTERM (s)": f"{relay_stop_seconds:.1f} / {consumer_stop_seconds:.1f}",
        },
    )
    assert in_the_window > 0, table  # the re-send window was reached
    assert 0 < left_by_outside_kill < sent, table
    assert len(on_broker) == sent, table  # nothing lost
    assert messages - len(on_broker) >= in_the_window, table  # the window's events went out twice
    assert absorbed == messages - len(on_broker), table  # and every duplicate was absorbed
    assert applied() == sent == InboxMessage.objects.count(), table
    assert effect_problems(publisher) == [], table
    assert relay_stop_seconds < grace_seconds("outbox-relay") * GRACE_SHARE, table
    assert consumer_stop_seconds < grace_seconds("users-consumer") * GRACE_SHARE, table


def test_drill_a_consumer_killed_between_commit_and_offset_and_mid_stream_loses_and_doubles_nothing(
    kafka: str, tmp_path: Path
) -> None:
    publisher = Publisher(keys=10)
    publisher.publish(100)
    trickling = threading.Event()

    def trickle() -> None:  # the stream goes on while consumers die
        try:
            while trickling.is_set():  # about 100 events a second
                publisher.publish(1)
                time.sleep(0.1)
        finally:
            connections.close_all()

    with running_relay(poll_seconds=0.2):
        wait_until(lambda: pending() == 0, timeout=60, what="the first events on the broker")
        trickling.set()
        writer = threading.Thread(target=trickle, daemon=True)
        writer.start()
        try:
            # 1. The consumer kills itself after its first batch committed, before storing offsets.
            fault_env = kafka_env(EVENTS_CONSUMER_FAULT_AFTER_COMMIT="kill")
            with worker_process(["consume", "eventtests"], tmp_path, fault_env) as consumer:
                assert consumer.process.wait(120) == -signal.SIGKILL, consumer.log()
            applied_by_first = applied()

            # 2. A consumer killed from outside, mid-stream.
            with worker_process(["consume", "eventtests"], tmp_path, kafka_env()) as consumer:
                consumer.wait_ready()
                wait_until(lambda: applied() >= applied_by_first + 300, timeout=120, what="the second consumer")
                wait_until(  # the first consumer's batch came again, whole (it stored no offsets)
                    lambda: consumer.metric(HANDLED, consumer="eventtests", outcome="duplicate") >= applied_by_first,
                    timeout=60,
                    what="the redelivered batch",
                )
                time.sleep(1.5)  # it commits its offsets every second: some are committed now
                redelivered_to_second = consumer.metric(HANDLED, consumer="eventtests", outcome="duplicate")
                consumer.kill()
            applied_at_outside_kill = applied()
        finally:
            trickling.clear()
            writer.join(30)
        publisher.publish(5)  # the stream goes on with no consumer (the trickle has stopped: one writer)
        wait_until(lambda: pending() == 0, timeout=60, what="the last events on the broker")

    # 3. A consumer that finishes, then stops on SIGTERM.
    with worker_process(["consume", "eventtests"], tmp_path, kafka_env()) as consumer:
        consumer.wait_ready()
        wait_until(lambda: applied() >= publisher.sent, timeout=120, interval=0.2, what="every event applied")
        time.sleep(1)  # a late duplicate would show now
        on_broker = broker_ids()
        redelivered_to_third = consumer.metric(HANDLED, consumer="eventtests", outcome="duplicate")
        stop_seconds = consumer.terminate()

    table = count_table(
        "consumer SIGKILLed between commit and offset, then mid-stream",
        {
            "sent": publisher.sent,
            "distinct events on the broker": len(on_broker),
            "duplicates on the broker": sum(on_broker.values()) - len(on_broker),
            "applied by the consumer killed after its commit": applied_by_first,
            "redelivered to the second, absorbed": int(redelivered_to_second),
            "applied when the second was SIGKILLed": applied_at_outside_kill,
            "redelivered to the third, absorbed": int(redelivered_to_third),
            "applied": applied(),
            "inbox rows": InboxMessage.objects.count(),
            "consumer SIGTERM (s)": f"{stop_seconds:.1f}",
        },
    )
    assert 0 < applied_by_first < applied_at_outside_kill < publisher.sent, table
    # The batch committed before the fault point came again, whole, and changed nothing.
    assert redelivered_to_second == applied_by_first, table
    assert len(on_broker) == publisher.sent, table
    assert applied() == publisher.sent == InboxMessage.objects.count(), table
    assert effect_problems(publisher) == [], table


@pytest.fixture
def own_broker(settings: SettingsWrapper, tmp_path: Path) -> Iterator[TansuBroker]:
    """A broker of this drill's own, since the drill restarts it."""
    with broker_of_its_own(settings, tmp_path / "tansu.log", "drill") as broker:
        yield broker


def test_drill_relay_and_consumer_processes_resume_by_themselves_after_a_broker_restart(
    own_broker: TansuBroker, tmp_path: Path
) -> None:
    publisher = Publisher(keys=5)
    with (
        worker_process(["relay_outbox", "eventtests", "--poll-seconds", "0.5"], tmp_path, kafka_env()) as relay,
        worker_process(["consume", "eventtests"], tmp_path, kafka_env()) as consumer,
    ):
        relay.wait_ready()
        consumer.wait_ready()
        before = publisher.publish(40)
        wait_until(lambda: applied() == before, timeout=120, what="the events before the restart")

        own_broker.stop()  # topics, groups, offsets and producer ids are gone with it
        while_away = publisher.publish(40)
        wait_until(lambda: pending() > 0, what="events waiting for the broker")
        own_broker.start()  # the same port, empty; nobody re-creates the topics but the relay
        restarted = time.monotonic()
        once_back = publisher.publish(40)
        wait_until(lambda: applied() >= publisher.sent, timeout=RESUME_SECONDS + 60, interval=0.2, what="every event")
        resumed_after = time.monotonic() - restarted
        time.sleep(1)  # a late duplicate would show now

        on_broker = broker_ids()  # what the new broker holds: the events since the restart
        absorbed = consumer.metric(HANDLED, consumer="eventtests", outcome="duplicate")
        probes = {name: worker.probe("/readyz") for name, worker in (("relay", relay), ("consumer", consumer))}
        stop_seconds = {name: worker.terminate() for name, worker in (("relay", relay), ("consumer", consumer))}

    table = count_table(
        "broker restarted empty under the relay and a consumer",
        {
            "sent before / while away / once back": f"{before} / {while_away} / {once_back}",
            "distinct events on the restarted broker": len(on_broker),
            "duplicates on the restarted broker": sum(on_broker.values()) - len(on_broker),
            "duplicates absorbed by the inbox": int(absorbed),
            "applied": applied(),
            "resumed after the broker came back (s)": f"{resumed_after:.1f}",
            "readiness after": probes,
            "SIGTERM (s)": {name: round(seconds, 1) for name, seconds in stop_seconds.items()},
        },
    )
    assert applied() == publisher.sent == InboxMessage.objects.count(), table
    assert effect_problems(publisher) == [], table
    assert resumed_after < RESUME_SECONDS, table
    assert probes == {"relay": 200, "consumer": 200}, table
    assert stop_seconds["relay"] < grace_seconds("outbox-relay") * GRACE_SHARE, table
    assert stop_seconds["consumer"] < grace_seconds("feed-consumer") * GRACE_SHARE, table
