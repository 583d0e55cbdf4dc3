"""Liveness, readiness and metrics endpoints (what Kubernetes probes and Prometheus scrape)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from socialapp.redis_clients import redis_client
from socialapp.services import enabled_database_aliases, enabled_services


def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Never touches a dependency (a restart would not fix one)."""
    return JsonResponse({"status": "ok", "services": enabled_services()})


def _check_database(alias: str) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    redis_client(settings.REDIS_URL).ping()


def _check_kafka() -> None:
    from confluent_kafka.admin import AdminClient

    from socialapp.eventing.kafka.config import client_config

    AdminClient(client_config()).list_topics(timeout=3)


def readiness_checks() -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {
        f"database:{alias}": partial(_check_database, alias) for alias in enabled_database_aliases()
    }
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    if settings.KAFKA_BOOTSTRAP_SERVERS:
        checks["kafka"] = _check_kafka
    skipped = set(settings.READYZ_SKIP)
    return {name: check for name, check in checks.items() if name.split(":")[0] not in skipped}


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: every dependency this process is configured to use answers. 503 otherwise."""
    results: dict[str, dict[str, object]] = {}
    for name, check in readiness_checks().items():
        started = time.perf_counter()
        try:
            check()
        except Exception as error:  # noqa: BLE001  (any failure means not ready: report it, do not raise)
            results[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        else:
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 2)}
    ready = all(r["ok"] for r in results.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)


def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}
