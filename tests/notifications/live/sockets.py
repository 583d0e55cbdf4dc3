"""Real WebSocket clients (the `websockets` library) against a live server, with every server
message checked against the AsyncAPI document."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import connections
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

from tests.auth_helpers import access_token_for
from tests.live_server import LiveServer
from tests.notifications.asyncapi import validate_server_message

T = TypeVar("T")

# How long a test waits for a message that should come (a loaded machine is slow, never this slow).
PATIENCE = 20.0


def token(user_id: uuid.UUID, username: str = "someone", *, lifetime: timedelta | None = None) -> str:
    return access_token_for(user_id, username, lifetime=lifetime)


def socket_url(server: LiveServer, query: str = "") -> str:
    return server.url.replace("http://", "ws://") + "/ws/notifications/" + (f"?{query}" if query else "")


@asynccontextmanager
async def open_socket(
    server: LiveServer, *, query: str = "", subprotocols: list[str] | None = None, **options: Any
) -> AsyncIterator[ClientConnection]:
    async with connect(
        socket_url(server, query),
        origin=Origin(server.url),
        subprotocols=[Subprotocol(p) for p in subprotocols] if subprotocols else None,
        open_timeout=PATIENCE,
        **options,
    ) as socket:
        yield socket


def viewer_socket(server: LiveServer, user_id: uuid.UUID, *, since: int | None = None, **options: Any) -> Any:
    query = f"access_token={token(user_id)}" + (f"&since={since}" if since is not None else "")
    return open_socket(server, query=query, **options)


async def receive(socket: ClientConnection, timeout: float = PATIENCE, *, validate: bool = True) -> dict[str, Any]:
    raw = await asyncio.wait_for(socket.recv(), timeout)
    message: dict[str, Any] = json.loads(raw)
    if validate:
        validate_server_message(message)
    return message


async def receive_type(socket: ClientConnection, wanted: str, timeout: float = PATIENCE) -> dict[str, Any]:
    """The next message of this type (others, such as `home.update`, are skipped)."""
    while True:
        message = await receive(socket, timeout)
        if message["type"] == wanted:
            return message


async def close_code(socket: ClientConnection, timeout: float = PATIENCE, *, validate: bool = True) -> int | None:
    """Read until the server closes; its close code."""
    try:
        while True:
            await receive(socket, timeout, validate=validate)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


async def in_thread(function: Callable[[], T]) -> T:
    """Run database or service code from a test's event loop (services push with async_to_sync,
    which refuses to run on a loop's thread); the thread's connections are closed after."""

    def run() -> T:
        try:
            return function()
        finally:
            connections.close_all()

    return await sync_to_async(run, thread_sensitive=False)()
