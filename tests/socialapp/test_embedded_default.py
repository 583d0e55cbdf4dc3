"""The README's first command: on a fresh data directory with no services configured, the
project migrates its five SQLite databases and `manage.py runserver` serves it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.components import free_port
from tests.live_server import STARTUP_CEILING_SECONDS

ROOT = Path(__file__).resolve().parents[2]


def test_migrate_then_runserver_on_the_embedded_defaults(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DATA_DIR": str(tmp_path / "var")}
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert migrate.returncode == 0, migrate.stderr
    assert sorted(p.name for p in (tmp_path / "var").glob("*.sqlite3")) == [
        "auth.sqlite3",
        "feed.sqlite3",
        "media.sqlite3",
        "notifications.sqlite3",
        "users.sqlite3",
    ]

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        while True:  # wait on readiness: a loaded machine may take long to start it
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, "runserver exited"
                assert time.monotonic() - started < STARTUP_CEILING_SECONDS, "runserver did not start"
                time.sleep(0.2)
        graphiql = httpx.get(f"{base}/graphql/", headers={"Accept": "text/html"}, timeout=5)
        union = httpx.post(f"{base}/graphql/", json={"query": "{ authService { name } mediaService { name } }"})
    finally:
        server.terminate()
        server.wait(15)

    assert ready.status_code == 200
    assert set(ready.json()["checks"]) == {
        f"database:{alias}" for alias in ("auth", "users", "feed", "media", "notifications")
    }
    assert graphiql.status_code == 200
    assert "graphiql" in graphiql.text.lower()
    assert union.json() == {"data": {"authService": {"name": "auth"}, "mediaService": {"name": "media"}}}
