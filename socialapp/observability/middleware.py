"""Middleware that gives each request an id and records it in Prometheus metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import resolve

from socialapp.observability.context import accept_request_id, request_context
from socialapp.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS

REQUEST_ID_HEADER = "X-Request-ID"
# Served through the URL conf like any route, so this layer needs no import of the views.
PROBE_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


access_log = logging.getLogger("socialapp.access")


class ProbeMiddleware:
    """Answers /healthz, /readyz and /metrics before anything validates the Host header.

    Kubelet probes and Prometheus scrapes address the pod by IP, which ALLOWED_HOSTS rightly
    does not list; these three endpoints reveal nothing a Host check would protect.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in PROBE_PATHS and request.method in ("GET", "HEAD"):
            match = resolve(request.path_info)
            request.resolver_match = match  # labels the metrics
            response: HttpResponse = match.func(request, *match.args, **match.kwargs)
            return response
        return self.get_response(request)


class RequestContextMiddleware:
    """Binds the request id for the request's duration, echoes it, and writes the access log line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        started = time.perf_counter()
        with request_context(request_id):
            response = self.get_response(request)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
        response[REQUEST_ID_HEADER] = request_id
        return response


class PrometheusMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        # The route pattern, not the path: a path label would grow without bound.
        match = request.resolver_match
        route = match.route if match is not None else "<unmatched>"
        method = request.method or "-"
        HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)
        HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
        return response
