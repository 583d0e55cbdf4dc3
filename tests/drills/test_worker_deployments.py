"""The workers' Deployments against what the processes do (issue 16): the Celery worker, started
with its Deployment's own command, ends on SIGTERM well within terminationGracePeriodSeconds (the
relay and consumers are measured by the event drills); relay and consumers are probed for a stuck
loop by liveness (/healthz) and readiness (/readyz); no consumer Deployment runs replicas that
can get no partition, or a consumer with nothing to consume."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from socialapp.deployment import app_label_for_service
from socialapp.eventing.handlers import consumer_topics
from tests.conftest import ALL_DATABASES
from tests.drills.deployments import (
    GRACE_SHARE,
    Manifest,
    base_partitions,
    consumer_service,
    container,
    deployments,
    grace_seconds,
)
from tests.drills.workers import ROOT, count_table, kafka_env
from tests.eventing.kafka_helpers import wait_until


def test_relay_and_consumers_are_probed_for_a_stuck_loop_by_liveness_and_readiness() -> None:
    probed = {
        name: (container(d)["livenessProbe"]["httpGet"]["path"], container(d)["readinessProbe"]["httpGet"]["path"])
        for name, d in deployments().items()
        if name != "celery-worker"
    }
    assert len(probed) == 5, probed
    assert all(paths == ("/healthz", "/readyz") for paths in probed.values()), probed


def test_no_consumer_deployment_runs_idle_replicas() -> None:
    partitions = base_partitions()
    consumers = {name: d for name, d in deployments().items() if consumer_service(d)}
    assert set(consumers) == {"users-consumer", "feed-consumer", "media-consumer", "notifications-consumer"}
    for name, deployment in consumers.items():
        service = consumer_service(deployment) or ""
        # A group member gets partitions only while members <= partitions of each topic.
        assert deployment["spec"]["replicas"] <= partitions, name
        assert consumer_topics(app_label_for_service(service)), f"{name} would consume nothing"


def deployment_command(deployment: Manifest) -> list[str]:
    """The container's command, run from this checkout with this interpreter."""
    command = [str(part) for part in container(deployment)["command"]]
    if command[0] == "python":
        return [sys.executable, *command[1:]]
    if command[0] == "celery":
        return [sys.executable, "-m", "celery", *command[1:]]
    raise AssertionError(f"unexpected command {command}")


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)
def test_the_celery_worker_ends_on_sigterm_well_within_its_grace_period(tmp_path: Path) -> None:
    """(The relay's and the consumers' stops are measured by the event drills, on processes
    that have just relayed and consumed thousands of events.)"""
    deployment = deployments()["celery-worker"]
    env = {**kafka_env(CELERY_BROKER_URL=settings.REDIS_URL, LOG_LEVEL="INFO")}
    env.update({e["name"]: str(e["value"]) for e in container(deployment).get("env", [])})
    log_path = tmp_path / "celery.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            deployment_command(deployment), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        wait_until(
            lambda: process.poll() is not None or "ready." in log_path.read_text(errors="replace"),
            timeout=180,
            interval=0.2,
            what="the Celery worker to start",
        )
        assert process.poll() is None, log_path.read_text(errors="replace")[-3000:]
        stopping = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(120)
        took = time.monotonic() - stopping
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)

    grace = grace_seconds("celery-worker")
    table = count_table("Celery worker SIGTERM", {"stopped in (s)": round(took, 1), "grace period (s)": grace})
    assert code == 0, log_path.read_text(errors="replace")[-3000:]
    assert took < grace * GRACE_SHARE, table
