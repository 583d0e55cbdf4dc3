"""Real `relay_outbox` and `consume` processes for the fault drills, and the drills' count tables.

with worker_process(["consume", "eventtests"], tmp_path, env) as consumer:
    consumer.wait_ready()
    consumer.kill()                        # SIGKILL, as a node failure would
    consumer.metric("socialapp_events_handled_total", outcome="duplicate")
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from tests.components import free_port
from tests.conftest import TEST_CONSUMER_SETTINGS
from tests.eventing.kafka_helpers import wait_until
from tests.live_server import test_database_env

ROOT = Path(__file__).resolve().parents[2]


def kafka_env(**extra: str) -> dict[str, str]:
    """What a child process needs to join this test's broker, topics, groups and databases."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        **test_database_env(),
        "KAFKA_BOOTSTRAP_SERVERS": settings.KAFKA_BOOTSTRAP_SERVERS,
        "KAFKA_TOPIC_PREFIX": settings.KAFKA_TOPIC_PREFIX,
        "KAFKA_CONSUMER_GROUP_PREFIX": settings.KAFKA_CONSUMER_GROUP_PREFIX,
        "LOG_LEVEL": "WARNING",
        # A SIGKILLed member holds up its group's next rebalance until these expire (10 s / 30 s
        # by default): the tests' shorter group timings (tests/conftest.py) keep drills quick.
        "KAFKA_CLIENT_CONFIG": ",".join(f"{key}={value}" for key, value in TEST_CONSUMER_SETTINGS.items()),
        **extra,
    }


@dataclass
class WorkerProcess:
    """A `manage.py` worker with its probes and metrics on a port of its own."""

    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def probe(self, path: str) -> int:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=2).status_code
        except httpx.TransportError:
            return 0

    def wait_ready(self, timeout: float = 120) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}:\n{self.log()}")
            return self.probe("/readyz") == 200

        wait_until(ready, timeout=timeout, interval=0.1, what=f"{self.name} to be ready")

    def metric(self, name: str, **labels: str) -> float:
        """The sum of a metric's samples with these labels, from the process's /metrics."""
        text = httpx.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self) -> float:
        """SIGTERM, as Kubernetes stops a pod; returns the seconds it took to exit cleanly."""
        stopping = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(60)
        assert code == 0, f"{self.name} exited with {code} after SIGTERM:\n{self.log()}"
        return time.monotonic() - stopping

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@contextmanager
def worker_process(args: list[str], log_dir: Path, env: dict[str, str]) -> Iterator[WorkerProcess]:
    """Start `manage.py <args>` with probes on a free port; SIGKILL it at the end if still running."""
    port = free_port()
    name = " ".join(args[:2])
    log_path = log_dir / f"{args[0]}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args, "--metrics-port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    worker = WorkerProcess(name=name, process=process, port=port, log_path=log_path)
    try:
        yield worker
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def count_table(title: str, counts: dict[str, object]) -> str:
    """A small table of a drill's counts, printed (pytest -s) and put in assertion messages."""
    width = max(len(key) for key in counts)
    lines = [f"drill: {title}"] + [f"  {key:<{width}}  {value}" for key, value in counts.items()]
    table = "\n".join(lines)
    print("\n" + table)  # noqa: T201  (the drill's report: pytest -s shows it)
    return table
