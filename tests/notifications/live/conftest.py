"""A live server (uvicorn, every service) for the socket tests, with short heartbeats and small
limits so each limit can be reached quickly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.live_server import LiveServer, live_server

SERVER_SETTINGS = {
    "NOTIFICATIONS_HEARTBEAT_SECONDS": "0.5",
    "NOTIFICATIONS_PRESENCE_TTL_SECONDS": "2",
    "NOTIFICATIONS_WS_SEND_BUFFER": "8",
    "NOTIFICATIONS_WS_MAX_MESSAGES": "5",
    "NOTIFICATIONS_WS_RATE_WINDOW_SECONDS": "60",
    "NOTIFICATIONS_WS_MAX_MESSAGE_BYTES": "512",
}


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("notifications"), **SERVER_SETTINGS) as running:
        yield running
