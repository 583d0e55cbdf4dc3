"""The pushes after commit: handed to one sender thread per process, sent in commit order over
the real Redis channel layer, never for a rolled-back write."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from typing import Any

import pytest
from channels.layers import get_channel_layer

from apps.notifications.models import StreamEntry
from apps.notifications.push import push_entry_after_commit, push_sender, user_group
from socialapp.db import atomic_for

pytestmark = pytest.mark.django_db(databases=["notifications"], transaction=True)


class Listener:
    """A channel per user on the real channel layer (Redis), added to that user's group, read in
    one event loop of its own (the Redis layer lets one loop at a time receive)."""

    def __init__(self, *user_ids: uuid.UUID) -> None:
        self.received: dict[uuid.UUID, list[dict[str, Any]]] = {user_id: [] for user_id in user_ids}
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._listen()), daemon=True)

    async def _listen(self) -> None:
        layer = get_channel_layer()
        assert layer is not None
        channels = {user_id: await layer.new_channel() for user_id in self.received}
        for user_id, channel in channels.items():
            await layer.group_add(user_group(user_id), channel)
        self.ready.set()
        await asyncio.gather(*(self._read(layer, user_id, channel) for user_id, channel in channels.items()))
        for user_id, channel in channels.items():
            await layer.group_discard(user_group(user_id), channel)

    async def _read(self, layer: Any, user_id: uuid.UUID, channel: str) -> None:
        while not self.stop.is_set():
            try:
                self.received[user_id].append(await asyncio.wait_for(layer.receive(channel), 0.2))
            except TimeoutError:
                continue

    def __enter__(self) -> Listener:
        self.thread.start()
        assert self.ready.wait(30)
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(30)

    def positions(self, user_id: uuid.UUID, *, at_least: int) -> list[int]:
        for _ in range(300):
            if len(self.received[user_id]) >= at_least:
                break
            self.stop.wait(0.1)
        return [message["entry"]["position"] for message in self.received[user_id]]


def commit_pushes(user_id: uuid.UUID, positions: range) -> None:
    with atomic_for(StreamEntry):
        for position in positions:
            push_entry_after_commit(user_id, {"type": "pong", "position": position})


def test_pushes_from_many_writer_threads_arrive_each_once_and_in_each_writers_commit_order() -> None:
    users = [uuid.uuid4() for _ in range(3)]
    with Listener(*users) as listener:
        writers = [threading.Thread(target=commit_pushes, args=(user, range(1, 51))) for user in users]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(60)
        assert push_sender.wait_idle(30)
        for user in users:
            assert listener.positions(user, at_least=50) == list(range(1, 51))


def test_a_rolled_back_write_pushes_nothing() -> None:
    user = uuid.uuid4()
    with Listener(user) as listener:
        with pytest.raises(RuntimeError), atomic_for(StreamEntry):
            push_entry_after_commit(user, {"type": "pong", "position": 1})
            raise RuntimeError("the write fails")
        commit_pushes(user, range(2, 3))  # a later push shows the channel is live
        assert push_sender.wait_idle(30)
        assert listener.positions(user, at_least=1) == [2]


def test_a_forked_process_starts_a_sender_of_its_own() -> None:
    user = uuid.uuid4()
    layer = get_channel_layer()
    assert layer is not None
    commit_pushes(user, range(1, 2))  # the sender thread now runs in this process
    with Listener(user) as listener:
        child = os.fork()
        if child == 0:  # pragma: no cover - the child's exit status is the assertion
            try:
                push_sender.submit(layer, user_group(user), {"type": "stream.entry", "entry": {"position": 7}})
                os._exit(0 if push_sender.wait_idle(30) else 1)
            finally:
                os._exit(2)
        for _ in range(600):  # the child ends within wait_idle's 30 s; never hang the suite on it
            finished, status = os.waitpid(child, os.WNOHANG)
            if finished:
                break
            listener.stop.wait(0.1)
        else:
            os.kill(child, 9)
            os.waitpid(child, 0)
            pytest.fail("the forked process did not finish its push")
        assert os.waitstatus_to_exitcode(status) == 0
        assert listener.positions(user, at_least=1) == [7]
