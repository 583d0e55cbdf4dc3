"""The notifications socket against a real server (uvicorn) and real clients: authentication
and its close codes, live pushes to every tab of the viewer and nobody else, resuming after a
reconnect, and each kind of bad input refused with its documented close code or error."""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from apps.notifications import services
from apps.notifications.live import close_codes
from apps.notifications.push import user_group
from socialapp.authn.revocation import revoke_access_token
from socialapp.authn.viewer import verify_access_token
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer
from tests.notifications.live.sockets import (
    close_code,
    in_thread,
    open_socket,
    receive,
    token,
    viewer_socket,
)

Message = dict[str, Any]

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

NOON = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def like(recipient: uuid.UUID, *, post_id: int = 1, liker: uuid.UUID | None = None) -> None:
    services.like_added(post_id=post_id, post_author_id=recipient, user_id=liker or uuid.uuid4(), at=NOON)


def test_a_viewer_connects_and_receives_their_notification(server: LiveServer) -> None:
    me = uuid.uuid4()

    async def scenario() -> tuple[Message, Message]:
        async with viewer_socket(server, me) as socket:
            hello = await receive(socket)
            await in_thread(lambda: like(me, post_id=7))
            return hello, await receive(socket)

    hello, pushed = asyncio.run(scenario())

    assert hello == {"type": "hello", "position": 0, "unreadCount": 0, "heartbeatSeconds": 0.5}
    assert pushed["type"] == "notification"
    assert (pushed["position"], pushed["unreadCount"]) == (1, 1)
    assert (pushed["group"]["kind"], pushed["group"]["postId"], pushed["group"]["actorCount"]) == ("like", "7", 1)


def test_the_token_may_come_as_a_subprotocol_which_is_echoed(server: LiveServer) -> None:
    me = uuid.uuid4()

    async def scenario() -> tuple[str | None, Message]:
        async with open_socket(server, subprotocols=["bearer", token(me)]) as socket:
            return socket.subprotocol, await receive(socket)

    subprotocol, hello = asyncio.run(scenario())

    assert subprotocol == "bearer"
    assert hello["type"] == "hello"


def test_every_tab_of_the_viewer_receives_and_nobody_else_does(server: LiveServer) -> None:
    me, other = uuid.uuid4(), uuid.uuid4()

    async def scenario() -> list[Message]:
        async with (
            viewer_socket(server, me) as tab1,
            viewer_socket(server, me) as tab2,
            viewer_socket(server, other) as theirs,
        ):
            for socket in (tab1, tab2, theirs):
                await receive(socket)
            await in_thread(lambda: like(me, post_id=1))
            await in_thread(lambda: like(other, post_id=2))
            # `theirs` gets its own notification first: mine was never sent to it.
            return [await receive(tab1), await receive(tab2), await receive(theirs)]

    first, second, theirs = asyncio.run(scenario())

    assert first == second
    assert first["group"]["postId"] == "1"
    assert theirs["group"]["postId"] == "2"


def test_a_client_that_reconnects_with_its_last_position_gets_what_it_missed(server: LiveServer) -> None:
    me = uuid.uuid4()

    async def scenario() -> tuple[list[Message], list[Message]]:
        async with viewer_socket(server, me) as socket:
            await receive(socket)
            await in_thread(lambda: like(me, post_id=1))
            seen = (await receive(socket))["position"]
        await in_thread(lambda: like(me, post_id=2))  # while disconnected
        await in_thread(lambda: services.notifications_mark_all_read(user_id=me))
        async with viewer_socket(server, me, since=seen) as socket:
            by_query = [await receive(socket) for _ in range(3)]
        async with viewer_socket(server, me) as socket:
            await receive(socket)
            await socket.send(json.dumps({"type": "resume", "position": seen}))
            by_message = [await receive(socket) for _ in range(2)]
        return by_query, by_message

    by_query, by_message = asyncio.run(scenario())

    hello, missed, read = by_query
    assert (hello["type"], hello["position"], hello["unreadCount"]) == ("hello", 3, 0)
    assert (missed["type"], missed["position"], missed["group"]["postId"]) == ("notification", 2, "2")
    assert (read["type"], read["position"], read["unreadCount"]) == ("read", 3, 0)
    assert by_message == [missed, read]


def test_a_client_too_far_behind_is_told_to_resync(server: LiveServer) -> None:
    me = uuid.uuid4()

    async def scenario() -> list[Message]:
        async with viewer_socket(server, me, since=99) as socket:
            return [await receive(socket) for _ in range(2)]

    assert asyncio.run(scenario())[1] == {"type": "resync", "position": 0}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("", close_codes.NOT_AUTHENTICATED),
        ("access_token=forged", close_codes.NOT_AUTHENTICATED),
        ("access_token={expired}", close_codes.TOKEN_EXPIRED),
    ],
)
def test_a_bad_token_is_refused_with_its_close_code(server: LiveServer, query: str, code: int) -> None:
    expired = token(uuid.uuid4(), lifetime=timedelta(seconds=-60))

    async def scenario() -> int | None:
        async with open_socket(server, query=query.format(expired=expired)) as socket:
            return await close_code(socket)

    assert asyncio.run(scenario()) == code


def test_a_revoked_token_is_refused(server: LiveServer) -> None:
    raw = token(uuid.uuid4())
    viewer = verify_access_token(raw)
    revoke_access_token(viewer.jti, expires_at=viewer.expires_at)

    async def scenario() -> int | None:
        async with open_socket(server, query=f"access_token={raw}") as socket:
            return await close_code(socket)

    assert asyncio.run(scenario()) == close_codes.TOKEN_REVOKED


def test_a_token_revoked_while_connected_closes_the_socket(server: LiveServer) -> None:
    raw = token(uuid.uuid4())
    viewer = verify_access_token(raw)

    async def scenario() -> int | None:
        async with open_socket(server, query=f"access_token={raw}") as socket:
            await receive(socket)
            revoke_access_token(viewer.jti, expires_at=viewer.expires_at)
            return await close_code(socket)

    assert asyncio.run(scenario()) == close_codes.TOKEN_REVOKED


def test_the_socket_closes_when_its_token_expires(server: LiveServer) -> None:
    short = token(uuid.uuid4(), lifetime=timedelta(seconds=2))

    async def scenario() -> tuple[Message, int | None]:
        async with open_socket(server, query=f"access_token={short}") as socket:
            return await receive(socket), await close_code(socket)

    hello, code = asyncio.run(scenario())

    assert hello["type"] == "hello"
    assert code == close_codes.TOKEN_EXPIRED


@pytest.mark.parametrize(
    ("frames", "code"),
    [
        (["{not json"], close_codes.BAD_MESSAGE),
        (['["a list"]'], close_codes.BAD_MESSAGE),
        (['{"type": "resume", "position": "x"}'], close_codes.BAD_MESSAGE),
        ([json.dumps({"type": "ping", "padding": "x" * 600})], close_codes.MESSAGE_TOO_BIG),
        ([b"\x00binary"], close_codes.UNSUPPORTED_DATA),
        (['{"type": "ping"}'] * 6, close_codes.TOO_MANY_MESSAGES),
    ],
)
def test_bad_client_messages_close_with_their_code(server: LiveServer, frames: list[str | bytes], code: int) -> None:
    async def scenario() -> int | None:
        async with viewer_socket(server, uuid.uuid4()) as socket:
            await receive(socket)
            for frame in frames:
                await socket.send(frame)
            return await close_code(socket)

    assert asyncio.run(scenario()) == code


def test_an_unknown_message_type_is_an_error_and_the_socket_stays_open(server: LiveServer) -> None:
    async def scenario() -> list[Message]:
        async with viewer_socket(server, uuid.uuid4()) as socket:
            await receive(socket)
            await socket.send(json.dumps({"type": "subscribe"}))
            error = await receive(socket)
            await socket.send(json.dumps({"type": "ping"}))
            return [error, await receive(socket)]

    error, pong = asyncio.run(scenario())

    assert error == {"type": "error", "code": "unknown_type", "message": "Known message types: ping, resume."}
    assert pong == {"type": "pong"}


def fill(user_id: uuid.UUID, *, count: int) -> None:
    """Large, incompressible entries straight into the viewer's channel group (the message the
    services send): they fill a socket's buffers in hundreds of messages, not millions of
    real notifications."""
    send = async_to_sync(get_channel_layer().group_send)
    for position in range(1, count + 1):
        entry = {"type": "pong", "position": position, "padding": secrets.token_hex(100_000)}
        send(user_group(user_id), {"type": "stream.entry", "entry": entry})


def test_a_client_that_does_not_read_is_closed_and_the_server_serves_on(server: LiveServer) -> None:
    me = uuid.uuid4()

    async def scenario() -> tuple[int | None, Message]:
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a small window: the server's buffers fill
        host, port = server.url.removeprefix("http://").split(":")
        raw.connect((host, int(port)))
        raw.setblocking(False)
        async with viewer_socket(server, me, sock=raw, max_queue=1) as slow:
            await receive(slow)
            await in_thread(lambda: fill(me, count=400))  # the client reads nothing meanwhile
            code = await close_code(slow, validate=False)  # the fillers are not protocol
        async with viewer_socket(server, uuid.uuid4()) as healthy:
            return code, await receive(healthy)

    code, hello = asyncio.run(scenario())

    assert code == close_codes.SLOW_CONSUMER
    assert hello["type"] == "hello"
