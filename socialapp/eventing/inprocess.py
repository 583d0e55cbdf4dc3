"""In-process delivery (the embedded default): outbox rows go to the registered handlers
right after the transaction that wrote them commits.

The rows are the same as in Kafka mode, so nothing is lost when the process dies between
commit and delivery: a server sweeps its outboxes when it starts and every few seconds,
and a failing handler's row is retried with backoff until it gives up after
EVENTS_INPROCESS_MAX_ATTEMPTS (the row stays, marked, for an operator).
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from socialapp.eventing import catalogue
from socialapp.eventing.envelope import Envelope
from socialapp.eventing.errors import MalformedEventError
from socialapp.eventing.handlers import handlers_for, outbox_model, run_handler
from socialapp.eventing.models import OutboxMessage
from socialapp.observability.context import request_context
from socialapp.observability.metrics import EVENTS_HANDLED
from socialapp.services import enabled_app_labels

logger = logging.getLogger(__name__)

_state = threading.local()


def deliver_pending(app_label: str, *, batch_size: int = 500) -> int:
    """Deliver the app's undelivered outbox rows, oldest first. Returns how many were delivered.

    Re-entrant: a handler whose own transaction publishes to the same outbox does not
    start a nested pass; the pass in progress goes round once more instead.
    """
    active: set[str] = _state.__dict__.setdefault("active", set())
    again: set[str] = _state.__dict__.setdefault("again", set())
    if app_label in active:
        again.add(app_label)
        return 0
    active.add(app_label)
    delivered = 0
    try:
        while True:
            again.discard(app_label)
            done, seen = _deliver_batch(app_label, batch_size)
            delivered += done
            if seen < batch_size and app_label not in again:
                return delivered
    finally:
        active.discard(app_label)


def deliver_all_pending() -> int:
    return sum(deliver_pending(label) for label in enabled_app_labels())


def _deliver_batch(app_label: str, batch_size: int) -> tuple[int, int]:
    outbox = outbox_model(app_label)
    rows = list(
        outbox._default_manager.filter(
            delivered_at__isnull=True, given_up_at__isnull=True, available_at__lte=timezone.now()
        ).order_by("id")[:batch_size]
    )
    delivered = 0
    for row in rows:
        error = _deliver_row(row)
        if error is None:
            outbox._default_manager.filter(pk=row.pk).update(delivered_at=timezone.now())
            delivered += 1
        else:
            _record_failure(outbox, row, error)
    return delivered, len(rows)


def _deliver_row(row: OutboxMessage) -> str | None:
    """Run every enabled handler of the row's event. Returns an error text, or None on success."""
    headers = row.headers or {}
    with request_context(headers.get("request_id")):
        try:
            envelope = Envelope.model_validate(row.envelope)
        except ValueError as error:
            return f"malformed envelope: {error}"
        event_class = catalogue.lookup(envelope.type, envelope.version)
        if event_class is None:
            return f"unknown event type {envelope.type} v{envelope.version}"
        handlers = handlers_for(envelope, enabled_app_labels())
        if not handlers:
            return None
        try:
            event = event_class.model_validate(envelope.data)
        except ValueError as error:
            return str(MalformedEventError(f"data does not fit {event_class.__name__}: {error}"))
        failures: list[str] = []
        for handler in handlers:
            try:
                applied = run_handler(handler, event, envelope)
            except Exception as error:  # a handler's bug must not stop other handlers or rows
                logger.exception(
                    "in-process handler failed", extra={"handler": handler.name, "event_id": str(envelope.id)}
                )
                EVENTS_HANDLED.labels(handler.app_label, "failed").inc()
                failures.append(f"{handler.name}: {type(error).__name__}: {error}")
            else:
                EVENTS_HANDLED.labels(handler.app_label, "ok" if applied else "duplicate").inc()
        return "; ".join(failures) or None


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
        while True:
            try:
                deliver_all_pending()
            except Exception:  # keep sweeping; the next pass retries
                logger.exception("outbox sweep failed")
            finally:
                close_old_connections()
            if self.interval <= 0 or self.stopped.wait(self.interval):
                return


_sweeper: OutboxSweeper | None = None


def start_sweeper() -> OutboxSweeper | None:
    """Start this process's sweeper (in-process mode only; idempotent)."""
    global _sweeper
    from socialapp.eventing.outbox import events_mode

    if events_mode() != "inprocess" or _sweeper is not None:
        return _sweeper
    _sweeper = OutboxSweeper(settings.EVENTS_INPROCESS_SWEEP_SECONDS)
    _sweeper.start()
    return _sweeper
