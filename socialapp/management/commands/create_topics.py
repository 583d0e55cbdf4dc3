"""`manage.py create_topics`: create the event topics and every service's dead-letter topic."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from socialapp.eventing.kafka.topics import ensure_topics
from socialapp.services import all_services


class Command(BaseCommand):
    help = "Create the Kafka topics (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partitions", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = ensure_topics(list(all_services()), partitions=options["partitions"])
        for topic, state in sorted(outcome.items()):
            self.stdout.write(f"{topic}: {state}")
