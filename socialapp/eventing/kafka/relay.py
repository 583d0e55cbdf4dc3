"""The outbox relay: drains one app's outbox to Kafka, in order, losing nothing.

- One active relay per outbox: a PostgreSQL advisory lock, held on the relay's own
  connection, elects it; other replicas wait on standby and take over when it dies.
- Woken right after commit by the NOTIFY that `publish` sends inside the transaction, with a
  polling fallback (EVENTS_RELAY_POLL_SECONDS) for anything a missed notification hides.
- Rows are marked delivered only after the idempotent producer (acks=all) confirms them, so
  a crash anywhere re-sends at worst; consumers' inboxes make the re-send a no-op.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
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
            sent = self.relay_batch()
            if sent >= self.batch_size:
                continue  # more is waiting: no need to sleep
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

    # --- one batch ------------------------------------------------------------------------
    def relay_batch(self) -> int:
        """Send the oldest pending rows and mark those the broker confirmed. Returns that count."""
        rows = self._pending_rows()
        if not rows:
            return 0
        confirmed: list[int] = []
        failures: list[str] = []

        def on_delivery(row_id: int) -> Any:
            def callback(error: KafkaError | None, _message: Message) -> None:
                if error is None:
                    confirmed.append(row_id)
                else:
                    failures.append(f"{row_id}: {error}")

            return callback

        topics: dict[str, str] = {}
        for row_id, topic, subject, event_type, event_id, envelope, request_id in rows:
            value = envelope if isinstance(envelope, str | bytes) else json.dumps(envelope)
            headers: list[tuple[str, str | bytes | None]] = [("type", event_type), ("id", str(event_id))]
            if request_id:
                headers.append(("request_id", request_id))
            physical = topics.get(topic) or topics.setdefault(topic, physical_topic(topic))
            self._produce(physical, subject, value, headers, on_delivery(row_id))
        remaining = self.producer.flush(self.flush_timeout)
        if confirmed:
            self._mark_delivered(confirmed)
            EVENTS_PUBLISHED.labels(self.alias).inc(len(confirmed))
        if failures or remaining:
            raise RelayDeliveryError(f"{len(failures)} refused, {remaining} unconfirmed; first: {failures[:1]}")
        return len(confirmed)

    def _produce(
        self, topic: str, key: str, value: str | bytes, headers: list[tuple[str, str | bytes | None]], callback: Any
    ) -> None:
        while True:
            try:
                self.producer.produce(topic, value=value, key=key, headers=headers, on_delivery=callback)
                return
            except BufferError:
                self.producer.poll(0.05)  # local queue full: let deliveries drain

    def _pending_rows(self) -> list[tuple[Any, ...]]:
        # The envelope is read as text and sent as is, and the one header the relay needs is
        # extracted by the database: no JSON decoding or encoding per row in Python.
        if self._is_postgres:
            envelope_column, request_id = "envelope::text", "headers->>'request_id'"
        else:
            envelope_column, request_id = "envelope", "json_extract(headers, '$.request_id')"
        sql = (
            f"SELECT id, topic, subject, event_type, event_id, {envelope_column}, {request_id} FROM {self.table} "
            "WHERE delivered_at IS NULL AND given_up_at IS NULL ORDER BY id LIMIT %s"
        )
        with connections[self.alias].cursor() as cursor:
            cursor.execute(sql, [self.batch_size])
            return list(cursor.fetchall())

    def _mark_delivered(self, ids: list[int]) -> None:
        with connections[self.alias].cursor() as cursor:
            if self._is_postgres:
                # Losing this mark in a database crash only means re-sending (consumers dedupe),
                # so it need not wait for the WAL flush.
                cursor.execute("SET synchronous_commit TO off")
                cursor.execute(f"UPDATE {self.table} SET delivered_at = now() WHERE id = ANY(%s)", [ids])
            else:
                for start in range(0, len(ids), 500):
                    chunk = ids[start : start + 500]
                    placeholders = ",".join(["%s"] * len(chunk))
                    cursor.execute(
                        f"UPDATE {self.table} SET delivered_at = CURRENT_TIMESTAMP WHERE id IN ({placeholders})",
                        chunk,
                    )

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
