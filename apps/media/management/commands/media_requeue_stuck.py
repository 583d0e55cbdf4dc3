"""Hand media stuck in PROCESSING (an enqueue lost to a crash, a dead worker) to the queue again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.media import config
from apps.media.services import media_requeue_stuck


class Command(BaseCommand):
    help = "Re-enqueue media processing that has not finished after MEDIA_PROCESSING_STUCK_SECONDS (run from cron)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", type=int, default=None, help="Seconds (default: the setting).")

    def handle(self, *args: Any, **options: Any) -> None:
        seconds = options["older_than"] if options["older_than"] is not None else config.stuck_after_seconds()
        count = media_requeue_stuck(older_than=timedelta(seconds=seconds))
        self.stdout.write(f"re-enqueued {count} media")
