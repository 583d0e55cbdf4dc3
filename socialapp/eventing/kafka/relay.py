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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from confluent_kafka import KafkaError, KafkaException, Message, Producer
from django.conf import settings
from django.db import DatabaseError, connections
from psycopg import generators, pq
from psycopg.adapt import Transformer

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
        gather_seconds: float | None = None,
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
        self.gather_seconds = settings.KAFKA_PRODUCER_LINGER_MS / 1000 if gather_seconds is None else gather_seconds
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
        self._failures = []
        in_flight: deque[_Batch] = deque()
        relayed, batches = 0, 0
        rows = self._start_step(delete=[], after=0)()
        while rows:
            batches += 1
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
            if self._failures:
                break
        unconfirmed = self.producer.flush(self.flush_timeout)
        confirmed = self._take_confirmed(in_flight)
        self._start_step(delete=confirmed, after=None)()
        relayed += len(confirmed)
        if self._failures or unconfirmed:
            raise RelayDeliveryError(
                f"{len(self._failures)} refused, {unconfirmed} unconfirmed; first: {self._failures[:1]}"
            )
        return relayed

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

    def _start_step(self, *, delete: list[int], after: int | None) -> Callable[[], list[tuple[Any, ...]]]:
        """Start deleting the rows `delete` (the broker confirmed them: the events now live
        in Kafka, ADR 0007) and reading the next batch of pending rows with ids past `after`
        (None: read nothing). Returns the function that waits for that batch.

        On PostgreSQL both are one statement, sent now and collected when the rows are asked
        for, so the database works while this thread produces. The envelope and event id are
        read as text and sent as is, and the request id header is extracted by the database:
        nothing is decoded or encoded per row in Python.
        """
        if not delete and after is None:
            return list
        if self._is_postgres:
            return self._send_step(delete, after)
        columns = "id, topic, subject, event_type, event_id, envelope, json_extract(headers, '$.request_id')"
        with connections[self.alias].cursor() as cursor:
            for start in range(0, len(delete), 500):
                chunk = delete[start : start + 500]
                cursor.execute(f"DELETE FROM {self.table} WHERE id IN ({','.join(['%s'] * len(chunk))})", chunk)
            if after is None:
                return list
            cursor.execute(self._select_pending(columns, "%s", "%s"), [after, self.batch_size])
            rows = list(cursor.fetchall())
        return lambda: rows

    def _send_step(self, delete: list[int], after: int | None) -> Callable[[], list[tuple[Any, ...]]]:
        connection = connections[self.alias]
        connection.ensure_connection()
        pg: psycopg.Connection[Any] = connection.connection
        if pg is not self._async_commit_on:
            # Losing a delete in a database crash only means re-sending (consumers dedupe),
            # so the relay's statements need not wait for the WAL flush.
            pg.execute("SET synchronous_commit TO off")
            self._async_commit_on = pg
        columns = "id, topic, subject, event_type, event_id::text, envelope, headers->>'request_id'"
        sql = "SELECT $1::bigint, $2::int" if after is None else self._select_pending(columns, "$1", "$2")
        if delete:  # a data-modifying WITH runs whether or not the SELECT reads it
            sql = f"WITH confirmed AS (DELETE FROM {self.table} WHERE id = ANY($3::bigint[])) {sql}"
        # All parameters as text; the ids as one array literal (adapting 2,000 ints one by one
        # costs more than the delete itself).
        params: list[bytes | None] = [str(after or 0).encode(), str(self.batch_size).encode()]
        if delete:
            params.append(("{" + ",".join(map(str, delete)) + "}").encode())
        pg.pgconn.send_query_params(sql.encode(), params)
        pg.wait(generators.send(pg.pgconn))

        def rows() -> list[tuple[Any, ...]]:
            results = pg.wait(generators.fetch_many(pg.pgconn))
            for result in results:
                if result.status == pq.ExecStatus.FATAL_ERROR:
                    raise psycopg.errors.error_from_result(result, encoding=pg.info.encoding)
            if after is None:
                return []
            transformer = Transformer(pg)
            transformer.set_pgresult(results[-1])
            return transformer.load_rows(0, results[-1].ntuples, tuple)

        return rows

    def _select_pending(self, columns: str, after: str, limit: str) -> str:
        """The oldest pending rows past an id: a range scan of the pending index, in id order."""
        return (
            f"SELECT {columns} FROM {self.table} WHERE delivered_at IS NULL AND given_up_at IS NULL "
            f"AND id > {after} ORDER BY id LIMIT {limit}"
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
