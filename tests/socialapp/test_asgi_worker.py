"""The ASGI Deployments' gunicorn worker serves HTTP and WebSocket, without per-message compression
(each socket's deflate context cost ~28 KB of memory for small JSON frames)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import websockets
from websockets.typing import Origin

from tests import live_server
from tests.components import free_port

pytestmark = pytest.mark.django_db(databases=["feed"], transaction=True)


def test_the_worker_serves_websockets_without_per_message_deflate(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **live_server.test_database_env()}
    command = [
        sys.executable, "-m", "gunicorn", "socialapp.asgi:application", "-k", "socialapp.asgi_worker.AsgiWorker",
        "--bind", f"127.0.0.1:{port}", "--no-control-socket",
    ]  # fmt: skip
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=live_server.ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = live_server.LiveServer(url=f"http://127.0.0.1:{port}", log_path=log, process=process)
    try:
        live_server.wait_until_serving(server)

        async def talk() -> tuple[list[object], object]:
            async with websockets.connect(f"ws://127.0.0.1:{port}/ws/echo/", origin=Origin("http://localhost")) as ws:
                await ws.send(json.dumps({"hello": "world"}))
                return list(ws.protocol.extensions), json.loads(await ws.recv())

        extensions, echoed = asyncio.run(talk())
    finally:
        process.terminate()
        process.wait(30)

    assert echoed == {"echo": {"hello": "world"}}
    assert extensions == []  # the client offered permessage-deflate; the server declined
