"""The outbox relay: drains one app's outbox to Kafka, in order, losing nothing.

- One active relay per outbox: a PostgreSQL advisory lock, held on the relay's own
  connection, elects it; other replicas wait on standby and take over when it dies.
- Woken right after commit by the NOTIFY that `publish` sends inside the transaction, with a
  polling fallback (EVENTS_RELAY_POLL_SECONDS) for anything a missed notification hides.
- Rows are marked delivered only after the idempotent producer (acks=all) confirms them, so
  a crash anywhere re-sends at worst; consumers' inboxes make the re-send a no-op.
"""

from __future__ import annotations

import logging
import threading
import time
import zlib
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from confluent_kafka import KafkaError, KafkaException, Message, Producer
from django.db import DatabaseError, connections

from socialapp.db_router import alias_for_model
from socialapp.eventing.handlers import outbox_model
from socialapp.eventing.kafka.config import physical_topic, producer_config
from socialapp.eventing.outbox import notify_channel
from socialapp.observability.metrics import EVENTS_PUBLISHED

logger = logging.getLogger(__name__)


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
        flush_timeout: float = 30.0,
        stop: threading.Event | None = None,
        producer_overrides: dict[str, Any] | None = None,
    ) -> None:
        self.app_label = app_label
        self.outbox = outbox_model(app_label)
        self.alias = alias_for_model(self.outbox)
        self.table = self.outbox._meta.db_table
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.flush_timeout = flush_timeout
        self.stop = stop or threading.Event()
        self.producer = Producer(producer_config(**(producer_overrides or {})))
        self.is_leader = False
        self._failures: list[str] = []
        self._async_commit_on: object = None  # the connection `synchronous_commit = off` was set on

    # --- the loop -------------------------------------------------------------------------
    def run(self) -> None:
        """Relay until `stop` is set. Survives broker and database outages by retrying."""
        while not self.stop.is_set():
            try:
                with self._leadership() as listener:
                    self._relay_while_leader(listener)
            except (psycopg.Error, DatabaseError, RelayDeliveryError, KafkaException, OSError) as error:
                logger.warning("relay interrupted, retrying", extra={"alias": self.alias, "error": str(error)})
                self.stop.wait(min(self.poll_seconds, 1.0))
            except Exception:  # a relay thread must never die silently beside the others
                logger.exception("relay failed unexpectedly, retrying", extra={"alias": self.alias})
                self.stop.wait(min(self.poll_seconds, 1.0))
            finally:
                self.is_leader = False
                # Drop this thread's connections: after a database restart they are dead.
                connections.close_all()
        self.producer.flush(self.flush_timeout)
        connections.close_all()  # this thread's connections

    def _relay_while_leader(self, listener: psycopg.Connection[Any] | None) -> None:
        while not self.stop.is_set():
            self.relay_pending()
            self._wait_for_work(listener)

    def _wait_for_work(self, listener: psycopg.Connection[Any] | None) -> None:
        if listener is None:
            self.stop.wait(self.poll_seconds)
            return
        # Returns at the first notification or after the polling interval, and checks
        # `stop` twice a second so a shutdown never waits a whole interval.
        deadline = time.monotonic() + self.poll_seconds
        while not self.stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if list(listener.notifies(timeout=min(remaining, 0.5), stop_after=1)):
                return

    # --- draining -------------------------------------------------------------------------
    def relay_pending(self, *, max_batches: int | None = None) -> int:
        """Send every pending row and delete those the broker confirmed. Returns that count.

        The producer is not flushed between batches: batch N+1 is read and handed to it, and
        the rows of earlier batches the broker has confirmed are deleted, while batch N is
        still on the wire. One flush at the end waits for whatever is left.
        """
        self._failures = []
        in_flight: deque[_Batch] = deque()
        relayed, batches = 0, 0
        rows = self._pending_rows()
        while rows:
            batches += 1
            in_flight.append(self._produce_batch(rows))
            self.producer.poll(0)  # runs the delivery callbacks of what was confirmed so far
            relayed += self._delete_confirmed(in_flight)
            more = len(rows) >= self.batch_size and batches != max_batches
            if not more or self._failures or self.stop.is_set():
                break
            # Only rows past those in flight: the next drain's first, unbounded read picks up
            # anything that committed late with a smaller id.
            rows = self._pending_rows(after=rows[-1][0])
        unconfirmed = self.producer.flush(self.flush_timeout)
        relayed += self._delete_confirmed(in_flight)
        if self._failures or unconfirmed:
            raise RelayDeliveryError(
                f"{len(self._failures)} refused, {unconfirmed} unconfirmed; first: {self._failures[:1]}"
            )
        return relayed

    def relay_batch(self) -> int:
        """Send at most one batch and wait for the broker's confirmations."""
        return self.relay_pending(max_batches=1)

    def _produce_batch(self, rows: list[tuple[Any, ...]]) -> _Batch:
        batch = _Batch([row[0] for row in rows])
        failures = self._failures

        # One callback per batch rather than a closure per row: it runs once per message.
        def on_delivery(error: KafkaError | None, message: Message) -> None:
            if error is None:
                batch.confirmed += 1
            else:
                batch.failed = True
                failures.append(f"{message.topic()}/{message.key()!r}: {error}")

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

    def _delete_confirmed(self, in_flight: deque[_Batch]) -> int:
        """Delete the rows of the oldest batches the broker confirmed whole, in order.

        A batch with a refused message is kept whole: its rows are sent again next time,
        and consumers' inboxes make the re-sent ones that did arrive no-ops.
        """
        ids: list[int] = []
        while in_flight and not in_flight[0].failed and in_flight[0].confirmed == len(in_flight[0].ids):
            ids += in_flight.popleft().ids
        return self._delete(ids) if ids else 0

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

    def _pending_rows(self, after: int | None = None) -> list[tuple[Any, ...]]:
        # The envelope and event id are read as text and sent as is, and the one header the
        # relay needs is extracted by the database: nothing is decoded or encoded per row.
        if self._is_postgres:
            columns = "event_id::text, envelope::text, headers->>'request_id'"
        else:
            columns = "event_id, envelope, json_extract(headers, '$.request_id')"
        bound, params = ("AND id > %s ", [after]) if after is not None else ("", [])
        sql = (
            f"SELECT id, topic, subject, event_type, {columns} FROM {self.table} "
            f"WHERE delivered_at IS NULL AND given_up_at IS NULL {bound}ORDER BY id LIMIT %s"
        )
        with connections[self.alias].cursor() as cursor:
            cursor.execute(sql, [*params, self.batch_size])
            return list(cursor.fetchall())

    def _delete(self, ids: list[int]) -> int:
        """Delete rows the broker confirmed: the event now lives in Kafka (ADR 0007)."""
        connection = connections[self.alias]
        with connection.cursor() as cursor:
            if self._is_postgres:
                if connection.connection is not self._async_commit_on:
                    # Losing a delete in a database crash only means re-sending (consumers
                    # dedupe), so deletes need not wait for the WAL flush.
                    cursor.execute("SET synchronous_commit TO off")
                    self._async_commit_on = connection.connection
                # One array literal: adapting 2,000 Python ints one by one costs more than the DELETE.
                cursor.execute(
                    f"DELETE FROM {self.table} WHERE id = ANY(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"]
                )
            else:
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    cursor.execute(f"DELETE FROM {self.table} WHERE id IN ({','.join(['%s'] * len(chunk))})", chunk)
        EVENTS_PUBLISHED.labels(self.alias).inc(len(ids))
        return len(ids)

    @property
    def _is_postgres(self) -> bool:
        return connections[self.alias].vendor == "postgresql"

    # --- leadership -----------------------------------------------------------------------
    @contextmanager
    def _leadership(self) -> Iterator[psycopg.Connection[Any] | None]:
        """Hold the outbox's advisory lock (PostgreSQL) for as long as this relay leads.

        The lock lives on a connection of its own, which also LISTENs; if the relay dies the
        server drops the connection and the lock with it, and a standby takes over.
        """
        if not self._is_postgres:
            logger.warning("outbox on %s is not PostgreSQL: run a single relay", self.alias)
            self.is_leader = True
            yield None
            return
        settings_dict = connections[self.alias].settings_dict
        conninfo = psycopg.conninfo.make_conninfo(
            dbname=str(settings_dict["NAME"]),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            application_name=f"socialapp-relay-{self.alias}",
        )
        lock_key = zlib.crc32(f"socialapp-outbox-relay:{self.table}".encode())
        with psycopg.connect(conninfo, autocommit=True) as listener:
            while not self.stop.is_set():
                row = listener.execute("SELECT pg_try_advisory_lock(%s)", [lock_key]).fetchone()
                if row and row[0]:
                    break
                self.stop.wait(self.poll_seconds)  # standby: another relay leads
            else:
                yield listener
                return
            self.is_leader = True
            logger.info("relay leads", extra={"alias": self.alias, "table": self.table})
            listener.execute(f'LISTEN "{notify_channel(self.alias)}"')
            yield listener


@dataclass(slots=True)
class _Batch:
    """Rows handed to the producer together, and how many of them the broker confirmed."""

    ids: list[int]
    confirmed: int = 0
    failed: bool = False


def run_relays(app_labels: list[str], *, stop: threading.Event, **options: Any) -> None:
    """Run one relay thread per outbox until `stop` is set."""
    relays = [OutboxRelay(label, stop=stop, **options) for label in app_labels]
    threads = [threading.Thread(target=r.run, name=f"relay-{r.app_label}", daemon=True) for r in relays]
    for thread in threads:
        thread.start()
    while not stop.is_set() and any(t.is_alive() for t in threads):
        time.sleep(0.2)
    for thread in threads:
        thread.join(timeout=35)
