"""Presence (the seed's "User Session Cache") as Redis holds it: an open socket is an online
session, refreshed by heartbeats; closing removes it, and a server that dies leaves it only
until its expiry."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import uuid
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from apps.notifications.live.presence import presence
from tests.conftest import ALL_DATABASES
from tests.eventing.kafka_helpers import wait_until
from tests.live_server import LiveServer, live_server
from tests.notifications.live.conftest import SERVER_SETTINGS
from tests.notifications.live.sockets import receive, viewer_socket

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


def test_an_open_socket_is_an_online_session_until_it_closes(server: LiveServer) -> None:
    me, other = uuid.uuid4(), uuid.uuid4()

    async def scenario() -> tuple[int, set[uuid.UUID]]:
        async with viewer_socket(server, me) as tab1, viewer_socket(server, me) as tab2:
            await receive(tab1)
            await receive(tab2)
            await asyncio.to_thread(wait_until, lambda: len(presence().sessions(me)) == 2, what="two sessions")
            return len(presence().sessions(me)), presence().online_among([me, other])

    sessions, online = asyncio.run(scenario())

    assert (sessions, online) == (2, {me})
    wait_until(lambda: not presence().sessions(me), what="the sessions gone with their sockets")
    assert presence().online_among([me]) == set()


def test_a_server_that_dies_leaves_no_session_past_its_expiry(tmp_path: Path) -> None:
    me = uuid.uuid4()
    with live_server(tmp_path, **SERVER_SETTINGS) as doomed:

        async def connect_then_kill() -> None:
            async with viewer_socket(doomed, me) as socket:
                await receive(socket)
                await asyncio.to_thread(wait_until, lambda: bool(presence().sessions(me)), what="a session")
                doomed.process.send_signal(signal.SIGKILL)  # no disconnect handler runs
                doomed.process.wait(10)

        with contextlib.suppress(ConnectionClosed, OSError):  # the socket dies with the server
            asyncio.run(connect_then_kill())

        assert presence().sessions(me)  # the ghost, for now
        wait_until(lambda: not presence().sessions(me), timeout=10, what="the ghost session expired")
        assert presence().online_among([me]) == set()
