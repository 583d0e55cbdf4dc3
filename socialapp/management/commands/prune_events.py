"""`manage.py prune_events`: delete old inbox rows.

Delivery deletes outbox rows in both modes (ADR 0003), and rows given up on stay for an
operator, so only inboxes grow. An inbox row need only outlive any redelivery of its event
(the topic's retention, or a re-send after a crash), so rows are kept EVENTS_RETENTION_DAYS
(default 7) and then deleted in batches.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db.models import QuerySet
from django.utils import timezone

from socialapp.deployment import enabled_app_labels
from socialapp.eventing.handlers import inbox_model
from socialapp.eventing.models import InboxMessage


class Command(BaseCommand):
    help = "Delete inbox rows older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=float, default=settings.EVENTS_RETENTION_DAYS)
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - timedelta(days=options["older_than_days"])
        batch = options["batch_size"]
        for label in enabled_app_labels():
            inbox = inbox_model(label)._default_manager.filter(processed_at__lt=cutoff)
            self.stdout.write(f"{label}: {_delete_in_batches(inbox, batch)} inbox rows deleted")


def _delete_in_batches(queryset: QuerySet[InboxMessage], batch_size: int) -> int:
    total = 0
    while True:
        ids = list(queryset.order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            return total
        total += queryset.model._default_manager.filter(id__in=ids).delete()[0]
