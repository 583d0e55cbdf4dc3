"""Sending to open sockets once the writing transaction has committed, and the channel-layer
groups: one per user (every open socket of theirs), one per author (the sockets of their online
followers, for `home.update`).

The push is best effort: what a client must not miss is the StreamEntry committed with the
change, which it reads back when it resumes (ADR 0013). So nothing is sent before the commit
(a rolled-back change is never shown) and a failed send is logged, never raised.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import uuid
from functools import partial
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.db import router, transaction

from apps.notifications.models import StreamEntry

logger = logging.getLogger(__name__)


def user_group(user_id: uuid.UUID) -> str:
    return f"notifications.user.{user_id.hex}"


def author_group(author_id: uuid.UUID) -> str:
    return f"notifications.author.{author_id.hex}"


# Consumer handler names (Channels maps "stream.entry" to the method `stream_entry`).
STREAM_ENTRY = "stream.entry"
HOME_UPDATE = "home.update"
FOLLOWING_CHANGED = "following.changed"


Push = tuple[BaseChannelLayer, str, dict[str, Any]]  # the layer, the group, the message


class PushSender:
    """One thread per process, with one event loop, sends the pushes of every writer.

    A writer in a plain thread (a WSGI request, a Kafka consumer, Celery) that called
    `async_to_sync(group_send)` itself would build an event loop and a Redis connection for each
    push: about 2 ms each, so a post with 20 bell followers spent 45 ms on its pushes before the
    last one left (bench/results/notifications.md). Here a push costs the writer a hand-over, and
    the pushes leave one after another, in commit order (a socket sees its stream positions in
    order), over the loop's connection pool. The thread is started on first use, again after a
    fork.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._pid = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue[Push] | None = None

    def submit(self, layer: BaseChannelLayer, group: str, message: dict[str, Any]) -> None:
        with self._lock:
            loop, queue = self._started()
            self._pending += 1
        loop.call_soon_threadsafe(queue.put_nowait, (layer, group, message))

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Until every submitted push has been sent or has failed (tests, and a clean exit)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def _started(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue[Push]]:
        if self._loop is None or self._queue is None or self._pid != os.getpid():
            loop = asyncio.new_event_loop()
            queue: asyncio.Queue[Push] = asyncio.Queue()
            threading.Thread(target=self._run, args=(loop, queue), name="notifications-push", daemon=True).start()
            self._loop, self._queue, self._pid, self._pending = loop, queue, os.getpid(), 0
        return self._loop, self._queue

    def _run(self, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Push]) -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._drain(queue))

    async def _drain(self, queue: asyncio.Queue[Push]) -> None:
        while True:
            layer, group, message = await queue.get()
            try:
                await layer.group_send(group, message)
            except Exception:  # the push is best effort (see above); the stream keeps the change
                logger.exception("notification push failed", extra={"group": group})
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()


push_sender = PushSender()


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    if not isinstance(layer, InMemoryChannelLayer):
        push_sender.submit(layer, group, message)
        return
    # The in-memory layer (no REDIS_URL: one process serves everything) keeps its queues in
    # the server's event loop: the push must run there, where async_to_sync takes it.
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # the push is best effort (see above); the stream keeps the change
        logger.exception("notification push failed", extra={"group": group})


def send_after_commit(group: str, message: dict[str, Any]) -> None:
    transaction.on_commit(partial(_send, group, message), using=router.db_for_write(StreamEntry), robust=True)


def push_entry_after_commit(user_id: uuid.UUID, payload: dict[str, Any]) -> None:
    send_after_commit(user_group(user_id), {"type": STREAM_ENTRY, "entry": payload})


def push_home_update_after_commit(author_id: uuid.UUID, payload: dict[str, Any]) -> None:
    """One send to the author's group: its cost is the online followers' sockets, not all followers."""
    send_after_commit(author_group(author_id), {"type": HOME_UPDATE, "entry": payload})


def push_following_changed_after_commit(follower_id: uuid.UUID, followee_id: uuid.UUID, *, following: bool) -> None:
    """The follower's open sockets (un)subscribe to the followee's posts."""
    send_after_commit(
        user_group(follower_id), {"type": FOLLOWING_CHANGED, "followee_id": str(followee_id), "following": following}
    )
