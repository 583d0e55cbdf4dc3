"""`manage.py consume <service>`: run that service's Kafka consumer group until stopped."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from prometheus_client import start_http_server

from socialapp.eventing.kafka.consumer import EventConsumer
from socialapp.eventing.outbox import events_mode
from socialapp.gc_tuning import tune_garbage_collector
from socialapp.services import app_label_for_service


class Command(BaseCommand):
    help = "Consume the events a service handles (its own consumer group and dead-letter topic)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("service")
        parser.add_argument("--metrics-port", type=int, default=0, help="serve Prometheus metrics on this port")
        parser.add_argument("--metrics-addr", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        if events_mode() != "kafka":
            raise CommandError("KAFKA_BOOTSTRAP_SERVERS is not set: events are delivered in-process")
        try:
            label = app_label_for_service(options["service"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        if options["metrics_port"]:
            start_http_server(options["metrics_port"], addr=options["metrics_addr"])
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        tune_garbage_collector()
        EventConsumer(label, max_attempts=settings.EVENTS_CONSUMER_MAX_ATTEMPTS, stop=stop).run()
