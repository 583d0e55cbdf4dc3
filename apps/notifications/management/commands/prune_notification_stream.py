"""`manage.py prune_notification_stream [--days N]`: delete stream entries older than N days
(NOTIFICATIONS_STREAM_RETENTION_DAYS, 7). Run it daily; a client that far behind gets `resync`.
Each user's stream is also bounded as it is written (NOTIFICATIONS_STREAM_KEEP)."""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from apps.notifications import config
from apps.notifications.services import stream_prune


class Command(BaseCommand):
    help = "Delete notification stream entries older than the retention."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=None, help="Retention in days (default: the setting).")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else config.stream_retention_days()
        deleted = stream_prune(older_than=timezone.now() - timedelta(days=days))
        self.stdout.write(f"deleted {deleted} stream entries older than {days} days")
