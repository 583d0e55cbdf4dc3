"""`manage.py relay_outbox`: relay the outboxes of the served apps to Kafka until stopped.

In in-process mode (no KAFKA_BOOTSTRAP_SERVERS) it delivers pending rows to the in-process
handlers once and exits: useful after a crash when no server is running.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from socialapp.deployment import app_label_for_service, enabled_app_labels
from socialapp.eventing.inprocess import deliver_all_pending
from socialapp.eventing.kafka.liveness import serve_probes
from socialapp.eventing.kafka.relay import OutboxRelay, run_relays
from socialapp.eventing.outbox import events_mode
from socialapp.gc_tuning import tune_garbage_collector


class Command(BaseCommand):
    help = "Relay outbox rows to Kafka (one active relay per database; extra replicas stand by)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("services", nargs="*", help="services whose outboxes to relay (default: those served)")
        parser.add_argument("--batch-size", type=int, default=settings.EVENTS_RELAY_BATCH_SIZE)
        parser.add_argument("--poll-seconds", type=float, default=settings.EVENTS_RELAY_POLL_SECONDS)
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
            help="/healthz (liveness) fails when a relay's loop has not moved for this long",
        )
        parser.add_argument(
            "--unready-seconds",
            type=float,
            default=20.0,
            help="/readyz (readiness) fails when a relay's loop has not moved for this long",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            labels = [app_label_for_service(s) for s in options["services"]] or enabled_app_labels()
        except ValueError as error:
            raise CommandError(str(error)) from error
        if events_mode() != "kafka":
            delivered = deliver_all_pending()
            self.stdout.write(f"in-process mode: delivered {delivered} pending events")
            return
        stop = threading.Event()
        relays = [
            OutboxRelay(label, stop=stop, batch_size=options["batch_size"], poll_seconds=options["poll_seconds"])
            for label in labels
        ]
        if options["metrics_port"]:
            heartbeats = [relay.heartbeat for relay in relays]
            serve_probes(
                options["metrics_port"],
                options["metrics_addr"],
                heartbeats,
                max_age=options["stuck_seconds"],
                ready_max_age=options["unready_seconds"],
            )
        tune_garbage_collector()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        self.stdout.write(f"relaying outboxes of {', '.join(labels)}")
        run_relays(relays, stop=stop)
