"""A live media server: tests.live_server's uvicorn subprocess on this session's test databases,
serving tests.media.asgi (socialapp's application with the media wiring) and tests.media.settings."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.components import free_port
from tests.live_server import ROOT, LiveServer, test_database_env


@contextmanager
def media_live_server(tmp_path: Path, **env_overrides: str) -> Iterator[LiveServer]:
    port = free_port()
    log_path = tmp_path / f"server-{port}.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.media.settings",
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        **test_database_env(),
        **env_overrides,
    }
    command = [sys.executable, "-m", "uvicorn", "tests.media.asgi:application", "--host", "127.0.0.1"]
    with log_path.open("wb") as log:
        process = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log)
    server = LiveServer(url=f"http://127.0.0.1:{port}", log_path=log_path, process=process)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
