"""Liveness, readiness and metrics endpoints (what Kubernetes probes and Prometheus scrape)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from socialapp.deployment import enabled_database_aliases, enabled_services
from socialapp.redis_clients import redis_client


def healthz(request: HttpRequest) -> JsonResponse:
    """Alive: the process answers. Never touches a dependency (a restart would not fix one)."""
    return JsonResponse({"status": "ok", "services": enabled_services()})


def _check_database(alias: str) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    redis_client(settings.REDIS_URL).ping()


# Checks of components the kernel's lower floors cannot import (the event framework registers
# the broker's: socialapp/apps.py), each with whether it applies to this process.
_REGISTERED: dict[str, tuple[Callable[[], None], Callable[[], bool]]] = {}


def register_readiness_check(name: str, check: Callable[[], None], *, applies: Callable[[], bool]) -> None:
    _REGISTERED[name] = (check, applies)


def readiness_checks() -> dict[str, Callable[[], None]]:
    checks: dict[str, Callable[[], None]] = {
        f"database:{alias}": partial(_check_database, alias) for alias in enabled_database_aliases()
    }
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    checks.update({name: check for name, (check, applies) in _REGISTERED.items() if applies()})
    skipped = set(settings.READYZ_SKIP)
    return {name: check for name, check in checks.items() if name.split(":")[0] not in skipped}


LOOPBACK = frozenset({"127.0.0.1", "::1"})


def is_operator(request: HttpRequest) -> bool:
    """Who may see internals (metrics, which dependency failed and how fast each answered): a
    caller with METRICS_TOKEN, the pod itself (Istio's agent merges metrics from 127.0.0.1;
    traffic through the sidecar arrives from 127.0.0.6), or anyone in DEBUG."""
    token: str = settings.METRICS_TOKEN
    if token:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and constant_time_compare(given.strip(), token):
            return True
    return settings.DEBUG or request.META.get("REMOTE_ADDR") in LOOPBACK


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready: every dependency this process is configured to use answers. 503 otherwise.
    Only operators learn which checks ran and what failed."""
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
    body: dict[str, object] = {"status": "ok" if ready else "unavailable"}
    if is_operator(request):
        body["checks"] = results
    return JsonResponse(body, status=200 if ready else 503)


def metrics(request: HttpRequest) -> HttpResponse:
    if not is_operator(request):  # not served to the public, and no hint that it exists
        return JsonResponse({"errors": [{"field": None, "code": "not_found", "message": "Not found."}]}, status=404)
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)


PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}
