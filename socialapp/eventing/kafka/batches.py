"""The relay's SQL: read the next batch of pending outbox rows, delete the rows Kafka confirmed.

    with outbox_batches(alias, table, batch_size=2000).drain() as step:
        rows = step(delete=[], after=0)()        # start, then wait for the rows
        next_rows = step(delete=confirmed, after=rows[-1][0])
        ...                                      # produce `rows` meanwhile
        rows = next_rows()

A step's delete and read are sent together and collected when the rows are asked for, so
the database works while the relay produces. Rows come back as
(id, topic, subject, event_type, event_id, envelope, request_id), the envelope and event id
as text, ready to send as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol

import psycopg
from django.db import connections

Row = tuple[Any, ...]


class Step(Protocol):
    """Start deleting `delete` and reading the pending rows past `after` (None: read nothing);
    returns the function that waits for those rows."""

    def __call__(self, *, delete: list[int], after: int | None) -> Callable[[], list[Row]]: ...


class OutboxBatches(Protocol):
    batch_size: int

    def drain(self) -> AbstractContextManager[Step]: ...


def outbox_batches(alias: str, table: str, *, batch_size: int) -> OutboxBatches:
    """The batch statements for the outbox `table` on the database `alias`."""
    if connections[alias].vendor == "postgresql":
        return PostgresOutboxBatches(alias, table, batch_size=batch_size)
    return PortableOutboxBatches(alias, table, batch_size=batch_size)


def select_pending(table: str, columns: str, after: str, limit: str) -> str:
    """The oldest pending rows past an id: a range scan of the pending index, in id order.
    Delivery deletes rows (ADR 0003), so a row not given up is pending."""
    return f"SELECT {columns} FROM {table} WHERE given_up_at IS NULL AND id > {after} ORDER BY id LIMIT {limit}"


class PostgresOutboxBatches:
    """One statement per step (a data-modifying WITH and the SELECT), in pipeline mode."""

    COLUMNS = "id, topic, subject, event_type, event_id::text, envelope, headers->>'request_id'"

    def __init__(self, alias: str, table: str, *, batch_size: int) -> None:
        self.alias = alias
        self.table = table
        self.batch_size = batch_size
        self._async_commit_on: object = None  # the connection `synchronous_commit = off` was set on

    @contextmanager
    def drain(self) -> Iterator[Step]:
        connection = connections[self.alias]
        connection.ensure_connection()
        pg: psycopg.Connection[Any] = connection.connection
        if pg is not self._async_commit_on:
            # Losing a delete in a database crash only means re-sending (consumers dedupe),
            # so the relay's statements need not wait for the WAL flush.
            pg.execute("SET synchronous_commit TO off")
            self._async_commit_on = pg
        # Server-side binding (Django's own cursors bind on the client).
        cursor = psycopg.Cursor(pg)
        with pg.pipeline() as pipeline, cursor:

            def step(*, delete: list[int], after: int | None) -> Callable[[], list[Row]]:
                if not delete and after is None:
                    return list
                select = "SELECT 1 WHERE false" if after is None else self._select()
                sql = select
                if delete:  # a data-modifying WITH runs whether or not the SELECT reads it
                    sql = f"WITH confirmed AS (DELETE FROM {self.table} WHERE id = ANY(%(ids)s::bigint[])) {select}"
                # The ids as one array literal: adapting 2,000 ints one by one costs more than the delete.
                ids = "{" + ",".join(map(str, delete)) + "}"
                cursor.execute(sql, {"after": after or 0, "limit": self.batch_size, "ids": ids})

                def rows() -> list[Row]:
                    pipeline.sync()  # the statement's own transaction ends here
                    return cursor.fetchall() if after is not None else []

                return rows

            yield step

    def _select(self) -> str:
        return select_pending(self.table, self.COLUMNS, "%(after)s", "%(limit)s")


class PortableOutboxBatches:
    """Any other database (SQLite in development): plain statements, run at once."""

    COLUMNS = "id, topic, subject, event_type, event_id, envelope, json_extract(headers, '$.request_id')"

    def __init__(self, alias: str, table: str, *, batch_size: int) -> None:
        self.alias = alias
        self.table = table
        self.batch_size = batch_size

    @contextmanager
    def drain(self) -> Iterator[Step]:
        yield self._step

    def _step(self, *, delete: list[int], after: int | None) -> Callable[[], list[Row]]:
        with connections[self.alias].cursor() as cursor:
            for start in range(0, len(delete), 500):
                chunk = delete[start : start + 500]
                cursor.execute(f"DELETE FROM {self.table} WHERE id IN ({','.join(['%s'] * len(chunk))})", chunk)
            if after is None:
                return list
            cursor.execute(select_pending(self.table, self.COLUMNS, "%s", "%s"), [after, self.batch_size])
            rows = list(cursor.fetchall())
        return lambda: rows
