"""Test helpers for code that publishes events."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from django.db import transaction

from socialapp.eventing.envelope import Envelope
from socialapp.eventing.handlers import outbox_model
from socialapp.eventing.outbox import observe_publishing


@contextmanager
def capture_events() -> Iterator[list[Envelope]]:
    """Collect the envelopes published inside the block, in order, that committed or are still
    in an open transaction (not those rolled back).

    with capture_events() as events:
        post_create(...)
    assert [e.type for e in events] == ["post.created"]

    Delivered rows are deleted at once in-process, so the helper watches publishing rather
    than reading the outbox afterwards.
    """
    published: list[tuple[str, Envelope]] = []
    committed: set[uuid.UUID] = set()

    def observe(app_label: str, alias: str, envelopes: list[Envelope]) -> None:
        published.extend((app_label, envelope) for envelope in envelopes)
        transaction.on_commit(partial(committed.update, [e.id for e in envelopes]), using=alias)

    captured: list[Envelope] = []
    stop_observing = observe_publishing(observe)
    try:
        yield captured
    finally:
        stop_observing()
    still_open = _ids_in_outboxes([(label, e) for label, e in published if e.id not in committed])
    captured.extend(e for _, e in published if e.id in committed or e.id in still_open)


def _ids_in_outboxes(envelopes: list[tuple[str, Envelope]]) -> set[uuid.UUID]:
    """Of these (app label, envelope) pairs, not committed, the ids whose rows exist: written
    in a transaction still open, such as the one pytest-django wraps a test in."""
    found: set[uuid.UUID] = set()
    by_app: dict[str, list[uuid.UUID]] = {}
    for label, envelope in envelopes:
        by_app.setdefault(label, []).append(envelope.id)
    for label, ids in by_app.items():
        found.update(outbox_model(label)._default_manager.filter(event_id__in=ids).values_list("event_id", flat=True))
    return found
