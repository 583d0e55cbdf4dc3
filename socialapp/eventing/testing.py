"""Test helpers for code that publishes events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps

from socialapp.eventing.envelope import Envelope
from socialapp.eventing.handlers import outbox_model


def _outbox_labels() -> list[str]:
    return [c.label for c in apps.get_app_configs() if any(m.__name__ == "OutboxMessage" for m in c.get_models())]


@contextmanager
def capture_events() -> Iterator[list[Envelope]]:
    """Collect the envelopes written to any outbox inside the block (committed or not yet).

    with capture_events() as events:
        post_create(...)
    assert [e.type for e in events] == ["post.created"]
    """
    start = {label: _last_id(label) for label in _outbox_labels()}
    captured: list[Envelope] = []
    yield captured
    for label, last_id in start.items():
        rows = outbox_model(label)._default_manager.filter(id__gt=last_id).order_by("id")
        captured.extend(Envelope.model_validate_json(row.envelope) for row in rows)


def _last_id(label: str) -> int:
    last = outbox_model(label)._default_manager.order_by("-id").values_list("id", flat=True).first()
    return int(last or 0)
