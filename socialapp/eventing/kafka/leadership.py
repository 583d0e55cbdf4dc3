"""One active relay per outbox: a PostgreSQL advisory lock elects it.

The lock lives on a connection of the relay's own, which also LISTENs for the commits'
notifications; if the relay dies the server drops the connection and the lock with it, and a
standby takes over.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connections

from socialapp.eventing.kafka.liveness import Heartbeat
from socialapp.eventing.outbox import notify_channel

logger = logging.getLogger(__name__)


class OutboxLeadership:
    def __init__(self, alias: str, table: str) -> None:
        self.alias = alias
        self.table = table
        self.leading = False

    @contextmanager
    def hold(
        self, *, stop: threading.Event, retry_seconds: float, heartbeat: Heartbeat | None = None
    ) -> Iterator[psycopg.Connection[Any] | None]:
        """Wait until this relay leads (or `stop` is set), then yield the listening connection
        for as long as it does. Yields None for a database without advisory locks: run one relay."""
        try:
            if connections[self.alias].vendor != "postgresql":
                logger.warning("outbox on %s is not PostgreSQL: run a single relay", self.alias)
                self.leading = True
                yield None
                return
            with psycopg.connect(self._conninfo(), autocommit=True) as listener:
                if self._wait_for_lock(listener, stop=stop, retry_seconds=retry_seconds, heartbeat=heartbeat):
                    self.leading = True
                    logger.info("relay leads", extra={"alias": self.alias, "table": self.table})
                    listener.execute(f'LISTEN "{notify_channel(self.alias)}"')
                yield listener
        finally:
            self.leading = False

    def _wait_for_lock(
        self,
        listener: psycopg.Connection[Any],
        *,
        stop: threading.Event,
        retry_seconds: float,
        heartbeat: Heartbeat | None,
    ) -> bool:
        lock_key = zlib.crc32(f"socialapp-outbox-relay:{self.table}".encode())
        while not stop.is_set():
            if heartbeat is not None:
                heartbeat.beat()  # a standby is alive too
            row = listener.execute("SELECT pg_try_advisory_lock(%s)", [lock_key]).fetchone()
            if row and row[0]:
                return True
            stop.wait(retry_seconds)  # standby: another relay leads
        return False

    def _conninfo(self) -> str:
        settings_dict = connections[self.alias].settings_dict
        return psycopg.conninfo.make_conninfo(
            dbname=str(settings_dict["NAME"]),
            user=str(settings_dict.get("USER") or ""),
            password=str(settings_dict.get("PASSWORD") or ""),
            host=str(settings_dict.get("HOST") or ""),
            port=str(settings_dict.get("PORT") or ""),
            application_name=f"socialapp-relay-{self.alias}",
        )
