"""In-process delivery (the embedded default): outbox rows go to the registered handlers
right after the transaction that wrote them commits.

A delivered row is deleted, as the relay deletes what Kafka confirmed (ADR 0003, 0007): the
outbox holds only what is still to deliver, and what failed too often (kept, marked
`given_up_at`, for an operator). Nothing is lost when the process dies between commit and
delivery: a server sweeps its outboxes when it starts and every few seconds, and a failing
handler's row is retried with backoff until EVENTS_INPROCESS_MAX_ATTEMPTS.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import close_old_connections, connections, transaction
from django.utils import timezone

from socialapp.db_router import alias_for_model
from socialapp.deployment import enabled_app_labels
from socialapp.eventing import catalogue
from socialapp.eventing.envelope import Envelope
from socialapp.eventing.errors import MalformedEventError
from socialapp.eventing.handlers import handler_database, handlers_for, outbox_model, run_handler
from socialapp.eventing.mode import events_mode
from socialapp.eventing.models import OutboxMessage
from socialapp.observability.context import request_context
from socialapp.observability.metrics import EVENTS_HANDLED

logger = logging.getLogger(__name__)

# Periodic sweeps leave rows younger than this to the transaction delivering them.
SWEEP_GRACE_SECONDS = 2.0


def deliver_after_commit(app_label: str, alias: str, rows: list[OutboxMessage]) -> None:
    """Deliver the rows once the transaction open on `alias` commits.

    Registered robust: by then the write has committed, so a failure while delivering or
    deleting (the database gone, say) is logged by Django, never raised into the caller; the
    rows stay in the outbox and the sweeper delivers them.
    """
    # Named functions, not partials: Django's robust path logs the callback's __qualname__.
    deliver: Callable[[], object]
    if all(row.pk for row in rows):

        def deliver_committed_rows() -> None:
            deliver_committed(app_label, rows)

        deliver = deliver_committed_rows
    else:  # a database that does not return ids from inserts

        def deliver_pending_rows() -> None:
            deliver_pending(app_label)

        deliver = deliver_pending_rows
    transaction.on_commit(deliver, using=alias, robust=True)


def deliver_committed(app_label: str, rows: list[OutboxMessage]) -> int:
    """Deliver the rows one transaction just committed (its after-commit callback).

    Each transaction delivers its own rows, as it wrote them (no read back), so concurrent
    requests never race to deliver the same rows; what fails or is left behind is the
    sweeper's, which leaves rows younger than SWEEP_GRACE_SECONDS to their transaction.
    """
    return _deliver_rows(outbox_model(app_label), rows)


def deliver_pending(app_label: str, *, batch_size: int = 500, grace_seconds: float = 0) -> int:
    """Deliver the app's pending rows, oldest first (the sweeper). Returns how many were delivered.

    `grace_seconds` leaves alone rows so recent that their own transaction is probably
    still delivering them (a duplicate would be harmless, only wasted work).
    """
    outbox = outbox_model(app_label)
    delivered = 0
    last_id = 0
    while True:
        cutoff = timezone.now() - timedelta(seconds=grace_seconds)
        rows = list(
            outbox._default_manager.filter(id__gt=last_id, given_up_at__isnull=True, available_at__lte=cutoff).order_by(
                "id"
            )[:batch_size]
        )
        delivered += _deliver_rows(outbox, rows)
        if len(rows) < batch_size:
            return delivered
        last_id = rows[-1].id


def deliver_all_pending(*, grace_seconds: float = 0) -> int:
    return sum(deliver_pending(label, grace_seconds=grace_seconds) for label in enabled_app_labels())


def _deliver_rows(outbox: type[OutboxMessage], rows: list[OutboxMessage]) -> int:
    to_delete: list[int] = []
    delivered = 0
    for row in rows:
        error, deleted = _deliver_row(outbox, row)
        if error is None:
            delivered += 1
            if not deleted:
                to_delete.append(row.pk)
        else:
            _record_failure(outbox, row, error)
    if to_delete:
        _delete_delivered(outbox, to_delete)
    return delivered


def _delete_delivered(outbox: type[OutboxMessage], row_ids: list[int]) -> None:
    connection = connections[alias_for_model(outbox)]
    if connection.vendor != "postgresql" or connection.in_atomic_block:  # never relax a caller's transaction
        outbox._default_manager.filter(pk__in=row_ids).delete()
        return
    # Losing this delete in a crash only means delivering again (the handlers' inboxes make
    # that a no-op), so it need not wait for the WAL flush. `set_config(..., true)` is local
    # to this statement's own transaction: the connection's next transactions stay durable,
    # and it costs no extra round trip.
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {outbox._meta.db_table} WHERE id = ANY(%s) "
            "AND (SELECT set_config('synchronous_commit', 'off', true)) IS NOT NULL",
            [row_ids],
        )


def _delete_one_delivered(outbox: type[OutboxMessage], row_id: int) -> None:
    """Delete a delivered row in the caller's transaction (a handler's, on the outbox's database)."""
    connection = connections[alias_for_model(outbox)]
    with connection.cursor() as cursor:  # the ORM's delete costs more CPU than the statement
        cursor.execute(f"DELETE FROM {outbox._meta.db_table} WHERE id = %s", [row_id])


def _deliver_row(outbox: type[OutboxMessage], row: OutboxMessage) -> tuple[str | None, bool]:
    """Run every enabled handler of the row's event. Returns an error text (None on success),
    and whether the row was already deleted as delivered.

    When the last handler writes to the outbox's own database and every handler before it
    succeeded, the row is deleted in that handler's transaction: one statement and one commit
    fewer per event, and the delete can never outlive a rolled-back effect.
    """
    headers = row.headers or {}
    with request_context(headers.get("request_id")):
        try:
            envelope = Envelope.model_validate_json(row.envelope)
        except ValueError as error:
            return f"malformed envelope: {error}", False
        event_class = catalogue.lookup(envelope.type, envelope.version)
        if event_class is None:
            return f"unknown event type {envelope.type} v{envelope.version}", False
        handlers = handlers_for(envelope, enabled_app_labels())
        if not handlers:
            return None, False
        try:
            event = event_class.model_validate(envelope.data)
        except ValueError as error:
            return str(MalformedEventError(f"data does not fit {event_class.__name__}: {error}")), False
        outbox_alias = alias_for_model(outbox)
        failures: list[str] = []
        deleted = False
        for index, handler in enumerate(handlers):
            delete_with_handler = (
                not failures and index == len(handlers) - 1 and handler_database(handler.app_label) == outbox_alias
            )
            try:
                if delete_with_handler:
                    delete = partial(_delete_one_delivered, outbox, row.pk)
                    applied = run_handler(handler, event, envelope, and_then=delete)
                    deleted = True
                else:
                    applied = run_handler(handler, event, envelope)
            except Exception as error:  # a handler's bug must not stop other handlers or rows
                logger.exception(
                    "in-process handler failed", extra={"handler": handler.name, "event_id": str(envelope.id)}
                )
                EVENTS_HANDLED.labels(handler.app_label, "failed").inc()
                failures.append(f"{handler.name}: {type(error).__name__}: {error}")
            else:
                EVENTS_HANDLED.labels(handler.app_label, "ok" if applied else "duplicate").inc()
        return "; ".join(failures) or None, deleted


def _record_failure(outbox: type[OutboxMessage], row: OutboxMessage, error: str) -> None:
    attempts = row.attempts + 1
    changes: dict[str, object] = {"attempts": attempts, "last_error": error[:4000]}
    if attempts >= settings.EVENTS_INPROCESS_MAX_ATTEMPTS:
        changes["given_up_at"] = timezone.now()
        logger.error("gave up delivering an event", extra={"event_id": str(row.event_id), "error": error})
    else:
        changes["available_at"] = timezone.now() + timedelta(seconds=min(2**attempts, 300))
    outbox._default_manager.filter(pk=row.pk).update(**changes)


class OutboxSweeper(threading.Thread):
    """Delivers what a crash or a failing handler left behind: once at start, then periodically."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="outbox-sweeper", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        grace = 0.0  # at start, everything pending is a previous process's leftover
        while True:
            try:
                deliver_all_pending(grace_seconds=grace)
            except Exception:  # keep sweeping; the next pass retries
                logger.exception("outbox sweep failed")
            finally:
                close_old_connections()
            grace = SWEEP_GRACE_SECONDS
            if self.interval <= 0 or self.stopped.wait(self.interval):
                return


_sweeper: OutboxSweeper | None = None


def start_sweeper() -> OutboxSweeper | None:
    """Start this process's sweeper (in-process mode only; idempotent)."""
    global _sweeper
    if events_mode() != "inprocess" or _sweeper is not None:
        return _sweeper
    _sweeper = OutboxSweeper(settings.EVENTS_INPROCESS_SWEEP_SECONDS)
    _sweeper.start()
    return _sweeper
