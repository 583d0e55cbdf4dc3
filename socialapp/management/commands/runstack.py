"""`manage.py runstack`: the five-service layout on one machine, as Kubernetes runs it.

A Tansu broker, a moto S3 endpoint, a PostgreSQL database per service, migrations, topics and
the JWT key pair; then, under honcho, the five servers on the servers their Deployments use,
the relay, every consumer, the Celery worker and an nginx gateway whose routes are generated
from the Istio VirtualService. Ctrl-C or SIGTERM stops everything. See socialapp/localstack/.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from socialapp.localstack.stack import LocalStack, StackError, StackOptions


class Command(BaseCommand):
    help = "Run the five services, relay, consumers, Celery worker, broker, S3 and an nginx gateway on this machine."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8080, help="the gateway's port on 127.0.0.1 (0: a free one)")
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=settings.BASE_DIR / "var" / "stack",
            help="Procfile, env, nginx.conf, keys and logs of the stack",
        )
        parser.add_argument(
            "--database-url",
            default="postgres://postgres@127.0.0.1:5432/stack",
            help="the PostgreSQL server and name prefix: one database <name>_<service> per service",
        )
        parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
        parser.add_argument("--fresh", action="store_true", help="drop and re-create the stack's databases first")

    def handle(self, *args: Any, **options: Any) -> None:
        options["data_dir"].mkdir(parents=True, exist_ok=True)
        # Readiness polls are not news; the processes' own output is.
        logging.getLogger("httpx").setLevel(logging.WARNING)
        stack = LocalStack(
            StackOptions(
                data_dir=options["data_dir"],
                port=options["port"],
                database_url=options["database_url"],
                redis_url=options["redis_url"],
                fresh_databases=options["fresh"],
            )
        )
        # While starting, SIGTERM interrupts as Ctrl-C does: start() stops what it started.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        try:
            stack.start(say=self.stdout.write)
        except StackError as error:
            raise CommandError(str(error)) from error
        stopping = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stopping.set())
        try:
            self.stdout.write(self.style.SUCCESS("the stack is ready:"))
            width = max(len(name) for name in stack.urls())
            for name, url in stack.urls().items():
                self.stdout.write(f"  {name.ljust(width)}  {url}")
            self.stdout.write("Ctrl-C stops it.")
            while not stopping.is_set():
                if stack.honcho is not None and stack.honcho.poll() is not None:
                    raise CommandError(f"a process exited; the stack stopped (logs in {stack.dir})")
                stopping.wait(0.5)
            self.stdout.write("stopping...")
        finally:
            stack.stop()
