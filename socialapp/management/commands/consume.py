"""`manage.py consume <service>`: run that service's Kafka consumer group until stopped."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from socialapp.deployment import app_label_for_service
from socialapp.eventing.kafka.consumer import EventConsumer
from socialapp.eventing.kafka.liveness import serve_probes
from socialapp.eventing.outbox import events_mode
from socialapp.gc_tuning import tune_garbage_collector


class Command(BaseCommand):
    help = "Consume the events a service handles (its own consumer group and dead-letter topic)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("service")
        parser.add_argument(
            "--metrics-port",
            type=int,
            default=0,
            help="serve /metrics and the /healthz and /readyz probes on this port",
        )
        parser.add_argument("--metrics-addr", default="127.0.0.1")
        parser.add_argument(
            "--stuck-seconds",
            type=float,
            default=60.0,
            help="/healthz (liveness) fails when the consumer's loop has not moved for this long",
        )
        parser.add_argument(
            "--unready-seconds",
            type=float,
            default=20.0,
            help="/readyz (readiness) fails when the consumer's loop has not moved for this long",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if events_mode() != "kafka":
            raise CommandError("KAFKA_BOOTSTRAP_SERVERS is not set: events are delivered in-process")
        try:
            label = app_label_for_service(options["service"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        stop = threading.Event()
        consumer = EventConsumer(label, max_attempts=settings.EVENTS_CONSUMER_MAX_ATTEMPTS, stop=stop)
        if options["metrics_port"]:
            serve_probes(
                options["metrics_port"],
                options["metrics_addr"],
                [consumer.heartbeat],
                max_age=options["stuck_seconds"],
                ready_max_age=options["unready_seconds"],
            )
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        tune_garbage_collector()
        consumer.run()
