"""Liveness and readiness of the relay and the consumers: a loop that stops making progress
fails its probes.

    heartbeat = Heartbeat()            # the loop calls heartbeat.beat() every turn
    serve_probes(9100, "0.0.0.0", [heartbeat], max_age=60, ready_max_age=20)

`/healthz` (liveness) answers 200 while every heartbeat is younger than `max_age` seconds, 503
otherwise (a process that answers on its socket but whose loop is stuck: restart it);
`/readyz` (readiness) does the same with `ready_max_age`, shorter, so a stuck loop shows as
not ready well before the restart; `/metrics` is Prometheus's.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


class Heartbeat:
    """When a loop last made progress."""

    def __init__(self, name: str = "loop") -> None:
        self.name = name
        self.last = time.monotonic()

    def beat(self) -> None:
        self.last = time.monotonic()

    def age(self) -> float:
        return time.monotonic() - self.last


def serve_probes(
    port: int, addr: str, heartbeats: list[Heartbeat], *, max_age: float, ready_max_age: float | None = None
) -> ThreadingHTTPServer:
    """Serve `/healthz`, `/readyz` and `/metrics` from a daemon thread; returns the server (to
    shut down). `ready_max_age` defaults to `max_age`."""
    probe_limits = {"/healthz": max_age, "/readyz": max_age if ready_max_age is None else ready_max_age}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            limit = probe_limits.get(self.path)
            if limit is not None:
                ages = {h.name: round(h.age(), 1) for h in heartbeats}
                moving = all(age <= limit for age in ages.values())
                body = json.dumps({"status": "ok" if moving else "stuck", "seconds_since_progress": ages}).encode()
                self._answer(200 if moving else 503, "application/json", body)
            elif self.path == "/metrics":
                self._answer(200, CONTENT_TYPE_LATEST, generate_latest())
            else:
                self._answer(404, "text/plain", b"not found\n")

        def _answer(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Probes every few seconds would flood the log."""

    server = ThreadingHTTPServer((addr, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="probes", daemon=True).start()
    return server
