"""`manage.py prune_events`: delete old delivered outbox rows and old inbox rows.

Delivered outbox rows are history (in-process mode: in Kafka mode the relay deletes each
row once the broker confirmed it, ADR 0007); inbox rows only need to outlive any redelivery (Kafka
retention of the topic, or the relay's worst-case re-send), so both are kept
EVENTS_RETENTION_DAYS (default 7) and then deleted in batches. Undelivered and given-up
outbox rows are never deleted.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from socialapp.eventing.handlers import inbox_model, outbox_model
from socialapp.services import enabled_app_labels


class Command(BaseCommand):
    help = "Delete delivered outbox rows and inbox rows older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=float, default=settings.EVENTS_RETENTION_DAYS)
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(days=options["older_than_days"])
        batch = options["batch_size"]
        for label in enabled_app_labels():
            outbox = outbox_model(label)._default_manager.filter(delivered_at__lt=cutoff)
            inbox = inbox_model(label)._default_manager.filter(processed_at__lt=cutoff)
            removed = {"outbox": _delete_in_batches(outbox, batch), "inbox": _delete_in_batches(inbox, batch)}
            self.stdout.write(f"{label}: {removed['outbox']} outbox rows, {removed['inbox']} inbox rows deleted")


def _delete_in_batches(queryset: Any, batch_size: int) -> int:
    total = 0
    while True:
        ids = list(queryset.order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            return total
        total += queryset.model._default_manager.filter(id__in=ids).delete()[0]
