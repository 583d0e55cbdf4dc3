"""PostgreSQL connection budget: with every overlay rendered, the connections every pod may open,
at the autoscalers' maximums, fit the server's max_connections stated in the base ConfigMap's
annotations (the five databases share one server, so the sum over databases is what counts).

Per process and database: an HTTP server with a pool holds at most DATABASE_POOL_MAX_SIZE on each
database it serves; the relay holds 2 (its Django connection and the advisory-lock listener,
socialapp/eventing/kafka/leadership.py); everything else holds 1 (Django's persistent connection,
one thread). Processes per pod: gunicorn's workers (WEB_CONCURRENCY, 1 by default), Celery's
--concurrency, else 1.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from socialapp import settings as app_settings
from tests.deploy.kustomize import containers_of, render

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
TARGETS = ["base", "overlays/dev", "overlays/prod"]
SERVICES = list(app_settings.SOCIALAPP_SERVICE_APPS)
DEFAULT_POOL_MAX = app_settings.DATABASE_POOL_MAX_SIZE

Manifest = dict[str, Any]


def env_of(container: Manifest, config: dict[str, str]) -> dict[str, str]:
    values = dict(config)
    values.update({e["name"]: str(e["value"]) for e in container.get("env", []) if "value" in e})
    return values


def option(command: list[str], *names: str) -> str | None:
    for name in names:
        if name in command:
            return command[command.index(name) + 1]
    return None


def pod_count(workload: Manifest, objects: list[Manifest]) -> int:
    """The most pods a workload runs: its autoscaler's maximum, else its replicas (Jobs: parallelism)."""
    for hpa in objects:
        if hpa["kind"] != "HorizontalPodAutoscaler":
            continue
        if hpa["spec"]["scaleTargetRef"]["name"] == workload["metadata"]["name"]:
            return int(hpa["spec"]["maxReplicas"])
    if workload["kind"] == "Job":
        return int(workload["spec"].get("parallelism", 1))
    return int(workload["spec"].get("replicas", 1))


def connections_per_pod(container: Manifest, env: dict[str, str]) -> dict[str, int]:
    """Database (service) -> connections one pod of this container may hold."""
    raw = env.get("SOCIALAPP_SERVICES")
    if raw is None:
        return {}  # the web client: no database
    databases = SERVICES if raw == "all" else [s.strip() for s in raw.split(",")]
    command = container["command"]
    if command[0] == "gunicorn":
        processes = int(option(command, "-w", "--workers") or env.get("WEB_CONCURRENCY", "1"))
        assert env.get("DATABASE_POOL") == "true", f"{command}: an HTTP server without a pool"
        per_process = int(env.get("DATABASE_POOL_MAX_SIZE", DEFAULT_POOL_MAX))
    elif command[0] == "celery":
        processes, per_process = int(option(command, "--concurrency", "-c") or "1"), 1
    elif command[:3] == ["python", "manage.py", "relay_outbox"]:
        processes, per_process = 1, 2
    else:
        processes, per_process = 1, 1
    return dict.fromkeys(databases, processes * per_process)


def budget(target: str) -> tuple[Counter[str], int, int]:
    objects = render(K8S / target)
    (config,) = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "socialapp-config"]
    annotations = config["metadata"]["annotations"]
    used: Counter[str] = Counter()
    for workload in objects:
        pods = pod_count(workload, objects) if containers_of(workload) else 0
        for container in containers_of(workload):
            for database, count in connections_per_pod(container, env_of(container, config["data"])).items():
                used[database] += pods * count
    max_connections = int(annotations["socialapp.example.com/postgres-max-connections"])
    reserved = int(annotations["socialapp.example.com/postgres-reserved-connections"])
    return used, max_connections, reserved


@pytest.mark.parametrize("target", TARGETS)
def test_every_pods_connections_at_the_autoscalers_maximums_fit_the_server(target: str) -> None:
    used, max_connections, reserved = budget(target)

    assert set(used) == set(SERVICES), "every database is used by someone"
    total = sum(used.values())
    assert total <= max_connections - reserved, (
        f"{target}: {total} connections ({dict(used)}) > max_connections {max_connections} - {reserved} reserved"
    )


def test_the_budget_counts_what_a_deployment_adds() -> None:
    """The counting itself: one more auth pod at the maximum adds its pool size."""
    objects = render(K8S / "base")
    (auth,) = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "auth"]
    (container,) = containers_of(auth)
    env = {"SOCIALAPP_SERVICES": "auth", "DATABASE_POOL": "true", "DATABASE_POOL_MAX_SIZE": "4"}

    assert connections_per_pod(container, env) == {"auth": 4}
    celery = {"command": ["celery", "--app", "socialapp", "worker", "--concurrency", "2"]}
    assert connections_per_pod(celery, {"SOCIALAPP_SERVICES": "all"}) == dict.fromkeys(SERVICES, 2)
    relay = {"command": ["python", "manage.py", "relay_outbox"]}
    assert connections_per_pod(relay, {"SOCIALAPP_SERVICES": "feed"}) == {"feed": 2}


if __name__ == "__main__":  # the figures quoted in deploy/k8s/base/configmap.yaml
    for name in TARGETS:
        counted, limit, kept = budget(name)
        total = sum(counted.values())
        sys.stdout.write(f"{name}: {total} of {limit} - {kept} reserved; per database {dict(counted)}\n")
