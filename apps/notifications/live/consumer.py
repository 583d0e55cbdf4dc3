"""The socket at /ws/notifications/: authenticates, joins the viewer's channel group (and the
groups of the authors they follow, for `home.update`), replays what a resuming client missed,
then forwards each new stream entry in position order.

Server messages queue per socket (bounded): a client that does not read is closed once its
queue is full, not left to grow the server's memory; it resumes on reconnect. Close codes are
in close_codes.py; the protocol is docs/asyncapi/notifications.yaml.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import deque
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from apps.notifications import config, selectors
from apps.notifications.live import close_codes
from apps.notifications.live.presence import presence
from apps.notifications.push import author_group, user_group
from socialapp.authn.revocation import is_revoked
from socialapp.authn.viewer import BEARER_SUBPROTOCOL, Viewer

logger = logging.getLogger(__name__)

# The writer's instruction to close (never a key of a server message).
_CLOSE = "__close__"

# Entries replayed per resume: a client further behind is told to re-read the list (`resync`).
REPLAY_LIMIT = 500


def _missed(user_id: uuid.UUID, since: int) -> selectors.Missed:
    return selectors.stream_since(user_id=user_id, since=since, limit=REPLAY_LIMIT)


def _hello(user_id: uuid.UUID) -> tuple[int, int]:
    return selectors.stream_position(user_id=user_id), selectors.unread_count(user_id=user_id)


class NotificationsConsumer(AsyncWebsocketConsumer):
    viewer: Viewer | None = None

    async def connect(self) -> None:
        subprotocol = BEARER_SUBPROTOCOL if BEARER_SUBPROTOCOL in (self.scope.get("subprotocols") or []) else None
        viewer: Viewer | None = self.scope.get("viewer")
        if viewer is None:
            # Accept, then close: a close before accepting is an HTTP 403 with no reason for the client.
            await self.accept(subprotocol)
            await self.close(code=close_codes.for_auth_error(self.scope.get("auth_error")))
            return
        since = self._since_parameter()
        self.viewer = viewer
        self.session_id = self.channel_name
        self.followees: set[uuid.UUID] = set()
        self.delivered = 0
        self.received: deque[float] = deque()
        self.outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=config.ws_send_buffer())
        self.closing = False
        # Join first, read the stream second: nothing committed in between is missed.
        await self.channel_layer.group_add(user_group(viewer.user_id), self.channel_name)
        for followee_id in await database_sync_to_async(selectors.followee_ids)(
            follower_id=viewer.user_id, limit=config.home_update_max_following()
        ):
            await self._follow(followee_id)
        await self.accept(subprotocol)
        self.tasks = [
            asyncio.create_task(self._write()),
            asyncio.create_task(self._heartbeat()),
            asyncio.create_task(self._expire()),
        ]
        position, unread = await database_sync_to_async(_hello)(viewer.user_id)
        await self._enqueue(
            {
                "type": "hello",
                "position": position,
                "unreadCount": unread,
                "heartbeatSeconds": config.heartbeat_seconds(),
            }
        )
        self.delivered = position
        if since is False:
            await self._close(close_codes.BAD_MESSAGE)
        elif since is not None:
            await self._resume(since)

    def _since_parameter(self) -> int | bool | None:
        """`?since=<position>`: None when absent, False when not a position."""
        values = parse_qs(self.scope.get("query_string", b"").decode()).get("since")
        if not values:
            return None
        return int(values[0]) if values[0].isdigit() and len(values[0]) < 19 else False

    async def disconnect(self, code: int) -> None:
        if self.viewer is None:
            return
        for task in getattr(self, "tasks", []):
            task.cancel()
        await self.channel_layer.group_discard(user_group(self.viewer.user_id), self.channel_name)
        for followee_id in list(self.followees):
            await self.channel_layer.group_discard(author_group(followee_id), self.channel_name)
        await sync_to_async(presence().leave)(self.viewer.user_id, self.session_id)

    # --- from the client -------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.viewer is None or self.closing:
            return
        message, refusal = self._parse(text_data)
        if refusal is not None:
            await self._close(refusal)
        elif message["type"] == "ping":
            await sync_to_async(presence().touch)(self.viewer.user_id, self.session_id)
            await self._enqueue({"type": "pong"})
        elif message["type"] == "resume":
            position = message.get("position")
            if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < 2**62:
                await self._close(close_codes.BAD_MESSAGE)
            else:
                await self._resume(position)
        else:
            await self._enqueue(
                {"type": "error", "code": "unknown_type", "message": "Known message types: ping, resume."}
            )

    def _parse(self, text_data: str | None) -> tuple[dict[str, Any], int | None]:
        """The client's message, or the close code refusing it."""
        if text_data is None:
            return {}, close_codes.UNSUPPORTED_DATA
        if len(text_data.encode()) > config.ws_max_message_bytes():
            return {}, close_codes.MESSAGE_TOO_BIG
        if self._too_frequent():
            return {}, close_codes.TOO_MANY_MESSAGES
        try:
            message = json.loads(text_data)
        except ValueError:
            return {}, close_codes.BAD_MESSAGE
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            return {}, close_codes.BAD_MESSAGE
        return message, None

    def _too_frequent(self) -> bool:
        now = time.monotonic()
        window = config.ws_rate_window_seconds()
        while self.received and self.received[0] <= now - window:
            self.received.popleft()
        self.received.append(now)
        return len(self.received) > config.ws_max_messages()

    # --- from the channel layer ------------------------------------------------------------

    async def stream_entry(self, event: dict[str, Any]) -> None:
        """A committed stream entry of the viewer. Pushes of two transactions may arrive out of
        order: one past the next expected position first fetches what is between."""
        entry: dict[str, Any] = event["entry"]
        position = int(entry.get("position", 0))
        if position <= self.delivered:
            return
        if position == self.delivered + 1:
            self.delivered = position
            await self._enqueue(entry)
            return
        await self._resume(self.delivered)

    async def home_update(self, event: dict[str, Any]) -> None:
        await self._enqueue(event["entry"])

    async def following_changed(self, event: dict[str, Any]) -> None:
        followee_id = uuid.UUID(event["followee_id"])
        if event["following"]:
            await self._follow(followee_id)
        elif followee_id in self.followees:
            self.followees.discard(followee_id)
            await self.channel_layer.group_discard(author_group(followee_id), self.channel_name)

    async def _follow(self, followee_id: uuid.UUID) -> None:
        if followee_id not in self.followees and len(self.followees) < config.home_update_max_following():
            self.followees.add(followee_id)
            await self.channel_layer.group_add(author_group(followee_id), self.channel_name)

    # --- to the client ---------------------------------------------------------------------

    async def _resume(self, since: int) -> None:
        assert self.viewer is not None
        missed = await database_sync_to_async(_missed)(self.viewer.user_id, since)
        if missed.gap:
            await self._enqueue({"type": "resync", "position": missed.position})
            self.delivered = max(self.delivered, missed.position)
            return
        for entry in missed.entries:
            await self._enqueue(entry)
        if missed.entries:
            self.delivered = max(self.delivered, int(missed.entries[-1]["position"]))

    async def _enqueue(self, message: dict[str, Any]) -> None:
        if self.closing:
            return
        try:
            self.outbox.put_nowait(message)
        except asyncio.QueueFull:
            viewer_id = str(self.viewer.user_id) if self.viewer else ""
            logger.info("closing a slow notifications socket", extra={"user_id": viewer_id})
            await self._close(close_codes.SLOW_CONSUMER)

    async def _write(self) -> None:
        """The one task sending to the client, so a send never races another or a close. A
        client that never reads blocks it; the server's keepalive ping then drops the connection."""
        while True:
            message = await self.outbox.get()
            if _CLOSE in message:
                await self.close(code=message[_CLOSE])
                return
            await self.send(text_data=json.dumps(message, separators=(",", ":")))

    async def _close(self, code: int) -> None:
        """What is still queued is dropped (a resuming client gets it back) and the writer closes
        next: never cancelled mid-send, which would leave the connection half-written."""
        if self.closing:
            return
        self.closing = True
        while not self.outbox.empty():
            self.outbox.get_nowait()
        self.outbox.put_nowait({_CLOSE: code})

    async def _heartbeat(self) -> None:
        """Keep the session alive in presence; close when the token is revoked meanwhile."""
        assert self.viewer is not None
        while True:
            await sync_to_async(presence().touch)(self.viewer.user_id, self.session_id)
            if await sync_to_async(is_revoked)(self.viewer.jti):
                await self._close(close_codes.TOKEN_REVOKED)
                return
            await asyncio.sleep(config.heartbeat_seconds())

    async def _expire(self) -> None:
        """Close when the access token expires; the client reconnects with a fresh one."""
        assert self.viewer is not None
        await asyncio.sleep(max(0.0, self.viewer.expires_at - time.time()))
        with contextlib.suppress(Exception):
            await self._close(close_codes.TOKEN_EXPIRED)
