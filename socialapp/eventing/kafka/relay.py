"""The outbox relay: drains one app's outbox to Kafka, in order, losing nothing.

- One active relay per outbox (`leadership`); other replicas wait on standby and take over
  when it dies.
- Woken right after commit by the NOTIFY that `publish` sends inside the transaction, with a
  polling fallback (EVENTS_RELAY_POLL_SECONDS) for anything a missed notification hides.
- Rows are marked delivered only after the idempotent producer (acks=all) confirms them, so
  a crash anywhere re-sends at worst; consumers' inboxes make the re-send a no-op.
- A producer the broker no longer knows (a restarted broker that lost its state), or one left
  holding messages it could not deliver, is replaced, the topics re-created if they vanished,
  and the rows it did not confirm sent again.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from confluent_kafka import KafkaError, KafkaException, Message, Producer
from django.conf import settings
from django.db import DatabaseError, connections

from socialapp.db_router import alias_for_model
from socialapp.eventing.catalogue import TOPICS
from socialapp.eventing.handlers import outbox_model
from socialapp.eventing.kafka.batches import Row, Step, outbox_batches
from socialapp.eventing.kafka.config import physical_topic, producer_config
from socialapp.eventing.kafka.faults import RELAY_AFTER_SEND, FaultPoint
from socialapp.eventing.kafka.leadership import OutboxLeadership
from socialapp.eventing.kafka.liveness import Heartbeat
from socialapp.eventing.kafka.topics import create_missing_topics
from socialapp.observability.metrics import EVENTS_PUBLISHED

logger = logging.getLogger(__name__)

# After these the producer is of no more use: the broker lost or refused its idempotence state.
PRODUCER_LOST = {
    KafkaError.UNKNOWN_PRODUCER_ID,
    KafkaError.OUT_OF_ORDER_SEQUENCE_NUMBER,
    KafkaError.INVALID_PRODUCER_EPOCH,
    KafkaError.PRODUCER_FENCED,
    KafkaError._FENCED,
    KafkaError._FATAL,
}
# How long a stopping relay still waits for confirmations before it abandons the batch (its
# rows stay pending and go out again from the next relay).
STOP_GRACE_SECONDS = 2.0


class RelayDeliveryError(RuntimeError):
    """The broker refused or timed out some messages; they stay pending and are retried."""


def kafka_headers(event_type: str, event_id: str, request_id: str | None) -> list[tuple[str, str | bytes | None]]:
    """The headers of a relayed message: consumers route on `type` and dedupe on `id`."""
    headers: list[tuple[str, str | bytes | None]] = [("type", event_type), ("id", event_id)]
    if request_id:
        headers.append(("request_id", request_id))
    return headers


class OutboxRelay:
    def __init__(
        self,
        app_label: str,
        *,
        batch_size: int = 2000,
        poll_seconds: float = 1.0,
        gather_seconds: float | None = None,
        flush_timeout: float = 10.0,
        stop: threading.Event | None = None,
        producer_overrides: dict[str, Any] | None = None,
    ) -> None:
        self.app_label = app_label
        self.outbox = outbox_model(app_label)
        self.alias = alias_for_model(self.outbox)
        self.table = self.outbox._meta.db_table
        self.poll_seconds = poll_seconds
        self.gather_seconds = settings.KAFKA_PRODUCER_LINGER_MS / 1000 if gather_seconds is None else gather_seconds
        self.flush_timeout = flush_timeout
        self.stop = stop or threading.Event()
        self.producer_overrides = producer_overrides or {}
        self.producer = self._new_producer()
        self.producer_lost: str | None = None  # why the producer must be replaced
        self.heartbeat = Heartbeat(f"relay-{app_label}")
        self._topics_missing = False
        self.leadership = OutboxLeadership(self.alias, self.table)
        self.batches = outbox_batches(self.alias, self.table, batch_size=batch_size)
        self._failures: list[str] = []
        self._step: Step = _no_drain
        self.fault_after_send = FaultPoint(RELAY_AFTER_SEND)  # drills only (tests/drills/)

    @property
    def is_leader(self) -> bool:
        return self.leadership.leading

    @property
    def batch_size(self) -> int:
        return self.batches.batch_size

    @batch_size.setter
    def batch_size(self, size: int) -> None:
        self.batches.batch_size = size

    # --- the loop -------------------------------------------------------------------------
    def run(self) -> None:
        """Relay until `stop` is set. Survives broker and database outages by retrying."""
        while not self.stop.is_set():
            self.heartbeat.beat()
            try:
                with self.leadership.hold(
                    stop=self.stop, retry_seconds=self.poll_seconds, heartbeat=self.heartbeat
                ) as listener:
                    self._relay_while_leader(listener)
            except (psycopg.Error, DatabaseError, RelayDeliveryError, KafkaException, OSError) as error:
                logger.warning("relay interrupted, retrying", extra={"alias": self.alias, "error": str(error)})
                if isinstance(error, RelayDeliveryError) or self.producer_lost or _fatal(error):
                    self._replace_producer(str(error))
                self.stop.wait(min(self.poll_seconds, 1.0))
            except Exception:  # a relay thread must never die silently beside the others
                logger.exception("relay failed unexpectedly, retrying", extra={"alias": self.alias})
                self.stop.wait(min(self.poll_seconds, 1.0))
            finally:
                # Drop this thread's connections: after a database restart they are dead.
                connections.close_all()
        self._wait_for_confirmations()
        self.producer.purge()  # what is left is abandoned: its rows are still pending
        connections.close_all()  # this thread's connections

    # --- the producer ---------------------------------------------------------------------
    def _new_producer(self) -> Producer:
        return Producer(producer_config(error_cb=self._on_producer_error, **self.producer_overrides))

    def _on_producer_error(self, error: KafkaError) -> None:
        if error.fatal() or error.code() in PRODUCER_LOST:
            self.producer_lost = str(error)

    def _replace_producer(self, reason: str) -> None:
        """Drop the producer and what it still holds, and start a new one (a new producer id):
        the rows it did not confirm are still pending and go out again with the next drain,
        after the topics are re-created if the broker lost them."""
        logger.warning(
            "relay replaces its producer", extra={"alias": self.alias, "reason": self.producer_lost or reason}
        )
        self.producer.purge()
        self.producer.poll(0)  # the purged messages' callbacks, on batches already given up
        self.producer = self._new_producer()
        self.producer_lost = None
        self._topics_missing = True

    def _wait_for_confirmations(self) -> int:
        """Flush, but stop waiting early when the producer is lost or the relay is stopping
        (after STOP_GRACE_SECONDS). Returns how many messages are still unconfirmed."""
        started = time.monotonic()
        deadline = started + self.flush_timeout
        while True:
            left = self.producer.flush(0.2)
            self.heartbeat.beat()
            now = time.monotonic()
            if left == 0 or self.producer_lost or now >= deadline:
                return left
            if self.stop.is_set() and now >= min(deadline, started + STOP_GRACE_SECONDS):
                return left

    def _relay_while_leader(self, listener: psycopg.Connection[Any] | None) -> None:
        while not self.stop.is_set():
            self.heartbeat.beat()
            self.relay_pending()
            if self._wait_for_work(listener) and listener is not None and self.gather_seconds > 0:
                self._gather(listener)

    def _wait_for_work(self, listener: psycopg.Connection[Any] | None) -> bool:
        """Wait for a commit's notification (True) or the polling interval (False)."""
        if listener is None:
            self.stop.wait(self.poll_seconds)
            return False
        # Returns at the first notification or after the polling interval, and checks
        # `stop` twice a second so a shutdown never waits a whole interval.
        deadline = time.monotonic() + self.poll_seconds
        while not self.stop.is_set():
            self.heartbeat.beat()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if list(listener.notifies(timeout=min(remaining, 0.5), stop_after=1)):
                return True
        return False

    def _gather(self, listener: psycopg.Connection[Any]) -> None:
        """A commit woke the relay: let the commits right behind it land first, so one drain
        and one produce request carry them all (each drain ends with a flush, which sends at
        once whatever linger.ms says; the broker pays per request). Then drop the
        notifications that came meanwhile: a notification arrives only after its
        transaction committed, so the drain that follows reads their rows."""
        self.stop.wait(self.gather_seconds)
        list(listener.notifies(timeout=0))

    # --- draining -------------------------------------------------------------------------
    def relay_pending(self, *, max_batches: int | None = None) -> int:
        """Send every pending row and delete those the broker confirmed. Returns that count.

        A pipeline on one thread: while batch N is handed to the producer, the database is
        already deleting the rows of earlier batches the broker confirmed and reading batch
        N+1 (one statement, sent before producing and collected after), and the producer is
        never flushed between batches. One flush at the end waits for what is left.
        """
        if self._topics_missing:  # a new producer: the broker it lost may have lost the topics too
            create_missing_topics([physical_topic(topic) for topic in TOPICS], timeout=5.0)
            self._topics_missing = False
        self._failures = []
        in_flight: deque[_Batch] = deque()
        relayed, batches = 0, 0
        with self.batches.drain() as step:
            self._step = step
            rows = self._start_step(delete=[], after=0)()
            while rows:
                batches += 1
                self.heartbeat.beat()  # a long drain is progress: the probes must not call it stuck
                more = len(rows) >= self.batch_size and batches != max_batches and not self.stop.is_set()
                confirmed = self._take_confirmed(in_flight)
                # Only rows past those in flight: the next drain's first read (from 0) picks up
                # anything that committed late with a smaller id.
                next_rows = self._start_step(delete=confirmed, after=rows[-1][0] if more else None)
                try:
                    in_flight.append(self._produce_batch(rows))
                    self.producer.poll(0)  # runs the delivery callbacks of what was confirmed so far
                finally:
                    rows = next_rows()  # collected whatever happens: the connection stays usable
                relayed += len(confirmed)
                if self._failures or self.producer_lost:
                    break
            unconfirmed = self._wait_for_confirmations()
            confirmed = self._take_confirmed(in_flight)
            self._start_step(delete=confirmed, after=None)()
        relayed += len(confirmed)
        if self._failures or unconfirmed or self.producer_lost:
            raise RelayDeliveryError(
                f"{len(self._failures)} refused, {unconfirmed} unconfirmed; first: {self._failures[:1]}"
                + (f"; producer lost: {self.producer_lost}" if self.producer_lost else "")
            )
        return relayed

    def _start_step(self, *, delete: list[int], after: int | None) -> Callable[[], list[Row]]:
        """Start deleting `delete` and reading the rows past `after` (`batches`); a method of its
        own so that bench/outbox_bench.py can time the database's share of a drain."""
        if delete:  # the broker confirmed these rows and they are not deleted yet: a re-send window
            self.fault_after_send.reached()
        return self._step(delete=delete, after=after)

    def relay_batch(self) -> int:
        """Send at most one batch and wait for the broker's confirmations."""
        return self.relay_pending(max_batches=1)

    def _take_confirmed(self, in_flight: deque[_Batch]) -> list[int]:
        """The row ids of the oldest batches the broker confirmed whole, in order.

        A batch with a refused message is kept whole: its rows are sent again next time,
        and consumers' inboxes make the re-sent ones that did arrive no-ops.
        """
        ids: list[int] = []
        while in_flight and not in_flight[0].failed and in_flight[0].confirmed == len(in_flight[0].ids):
            ids += in_flight.popleft().ids
        if ids:
            EVENTS_PUBLISHED.labels(self.alias).inc(len(ids))
        return ids

    def _produce_batch(self, rows: list[Row]) -> _Batch:
        batch = _Batch([row[0] for row in rows])
        failures = self._failures
        lost = PRODUCER_LOST

        # One callback per batch rather than a closure per row: it runs once per message.
        def on_delivery(error: KafkaError | None, message: Message) -> None:
            if error is None:
                batch.confirmed += 1
            else:
                batch.failed = True
                failures.append(f"{message.topic()}/{message.key()!r}: {error}")
                if error.fatal() or error.code() in lost:
                    self.producer_lost = str(error)

        produce = self.producer.produce
        topics: dict[str, str] = {}
        for _row_id, topic, subject, event_type, event_id, envelope, request_id in rows:
            physical = topics.get(topic) or topics.setdefault(topic, physical_topic(topic))
            headers = kafka_headers(event_type, event_id, request_id)
            try:
                produce(physical, value=envelope, key=subject, headers=headers, on_delivery=on_delivery)
            except BufferError:  # the local queue is full: wait for deliveries to make room
                self._produce_when_room(physical, subject, envelope, headers, on_delivery)
        return batch

    def _produce_when_room(
        self, topic: str, key: str, value: str | bytes, headers: list[tuple[str, str | bytes | None]], callback: Any
    ) -> None:
        while True:
            self.producer.poll(0.05)
            try:
                self.producer.produce(topic, value=value, key=key, headers=headers, on_delivery=callback)
                return
            except BufferError:
                continue


def _fatal(error: Exception) -> bool:
    kafka_error = error.args[0] if isinstance(error, KafkaException) and error.args else None
    return isinstance(kafka_error, KafkaError) and kafka_error.fatal()


def _no_drain(*, delete: list[int], after: int | None) -> Callable[[], list[Row]]:
    raise RuntimeError("a batch step outside a drain")


@dataclass(slots=True)
class _Batch:
    """Rows handed to the producer together, and how many of them the broker confirmed."""

    ids: list[int]
    confirmed: int = 0
    failed: bool = False


def run_relays(relays: list[OutboxRelay], *, stop: threading.Event) -> None:
    """Run each relay in a thread of its own until `stop` is set (the relays share it)."""
    threads = [threading.Thread(target=r.run, name=f"relay-{r.app_label}", daemon=True) for r in relays]
    for thread in threads:
        thread.start()
    while not stop.is_set() and any(t.is_alive() for t in threads):
        stop.wait(0.2)
    for thread in threads:
        thread.join(timeout=STOP_GRACE_SECONDS + 10)
