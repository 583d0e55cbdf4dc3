"""Liveness of the relay and the consumers: a loop that stops making progress fails its probe.

    heartbeat = Heartbeat()            # the loop calls heartbeat.beat() every turn
    serve_probes(9100, "0.0.0.0", [heartbeat], max_age=60)

`/healthz` answers 200 while every heartbeat is younger than `max_age` seconds, 503 otherwise
(a process that answers on its socket but whose loop is stuck); `/metrics` is Prometheus's.
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


def serve_probes(port: int, addr: str, heartbeats: list[Heartbeat], *, max_age: float) -> ThreadingHTTPServer:
    """Serve `/healthz` and `/metrics` from a daemon thread; returns the server (to shut down)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/healthz":
                ages = {h.name: round(h.age(), 1) for h in heartbeats}
                alive = all(age <= max_age for age in ages.values())
                body = json.dumps({"status": "ok" if alive else "stuck", "seconds_since_progress": ages}).encode()
                self._answer(200 if alive else 503, "application/json", body)
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
