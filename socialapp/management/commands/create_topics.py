"""`manage.py create_topics`: create the event topics and every service's dead-letter topic,
and say how existing ones differ from the settings (it never changes an existing topic)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from socialapp.deployment import all_services
from socialapp.eventing.kafka.topics import ensure_topics


class Command(BaseCommand):
    help = "Create the Kafka topics (idempotent); fails if an existing topic differs from the settings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--partitions", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        outcome = ensure_topics(list(all_services()), partitions=options["partitions"])
        for topic, state in sorted(outcome.items()):
            self.stdout.write(f"{topic}: {state}")
        differing = sorted(topic for topic, state in outcome.items() if state.startswith("differs"))
        if differing:
            raise CommandError(f"{len(differing)} existing topics differ from the settings: {', '.join(differing)}")
