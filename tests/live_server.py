"""Runs the real ASGI application under uvicorn (or the WSGI one under gunicorn) in a subprocess,
against the test databases."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.db import connections

from tests.components import free_port
from tests.conftest import ALL_DATABASES

ROOT = Path(__file__).resolve().parents[1]


def test_database_env() -> dict[str, str]:
    """*_DATABASE_URL variables pointing a child process at this session's test databases."""
    env = {}
    for alias in ALL_DATABASES:
        db = connections[alias].settings_dict
        env[f"{alias.upper()}_DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return env


@dataclass
class LiveServer:
    url: str
    log_path: Path
    process: subprocess.Popen[bytes]

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()


def server_command(port: int, *, wsgi: bool) -> list[str]:
    """uvicorn with the ASGI application, or gunicorn's threaded worker with the WSGI one (as
    the HTTP-only Deployments run it)."""
    if wsgi:
        return [
            sys.executable, "-m", "gunicorn", "socialapp.wsgi:application", "-k", "gthread", "--threads", "4",
            "--bind", f"127.0.0.1:{port}", "--no-control-socket",
        ]  # fmt: skip
    return [sys.executable, "-m", "uvicorn", "socialapp.asgi:application", "--host", "127.0.0.1", "--port", str(port)]


def live_server(tmp_path: Path, **env_overrides: str) -> AbstractContextManager[LiveServer]:
    """The ASGI application (every service, WebSocket included) under uvicorn."""
    return _serve(tmp_path, wsgi=False, env_overrides=env_overrides)


def live_wsgi_server(tmp_path: Path, **env_overrides: str) -> AbstractContextManager[LiveServer]:
    """The WSGI application under gunicorn's threaded worker, as the HTTP-only Deployments run."""
    return _serve(tmp_path, wsgi=True, env_overrides=env_overrides)


# Only a server that never answers fails its tests: a loaded machine may take minutes to start
# one (it once took over 30 s), and a process that exited is reported at once with its log.
STARTUP_CEILING_SECONDS = 240


def wait_until_serving(server: LiveServer) -> None:
    """Until /healthz answers 200; fails at once if the process exits."""
    started = time.monotonic()
    while True:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}:\n{server.log_path.read_text()}")
        if time.monotonic() - started > STARTUP_CEILING_SECONDS:
            raise RuntimeError(f"server not serving after {STARTUP_CEILING_SECONDS} s:\n{server.log_path.read_text()}")
        time.sleep(0.1)


@contextmanager
def _serve(tmp_path: Path, *, wsgi: bool, env_overrides: dict[str, str]) -> Iterator[LiveServer]:
    port = free_port()
    log_path = tmp_path / f"server-{port}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        # A server serving a subset asks the others' ports over HTTP, which needs the token.
        "INTERNAL_TOKEN": "live-server-internal-token",
        **test_database_env(),
        **env_overrides,
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            server_command(port, wsgi=wsgi),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", log_path=log_path, process=process)
    try:
        wait_until_serving(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
