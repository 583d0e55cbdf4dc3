"""Who is online (the seed's "User Session Cache"): each open socket is a session that lives
until its expiry, pushed forward by heartbeats.

With Redis: a sorted set per user (session -> expiry); expired members do not count and are
dropped as sessions come and go, so a process that dies leaves no session past its expiry.
Without Redis (the embedded single process): the same in memory.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Collection
from typing import Protocol

from django.conf import settings

from apps.notifications import config
from socialapp.redis_clients import redis_client


def _user_key(user_id: uuid.UUID) -> str:
    return f"notifications:presence:user:{user_id.hex}"


class PresenceStore(Protocol):
    def touch(self, user_id: uuid.UUID, session_id: str) -> None: ...
    def leave(self, user_id: uuid.UUID, session_id: str) -> None: ...
    def sessions(self, user_id: uuid.UUID) -> set[str]: ...
    def online_among(self, user_ids: Collection[uuid.UUID]) -> set[uuid.UUID]: ...


class RedisPresence:
    def __init__(self, url: str) -> None:
        self.client = redis_client(url)

    def touch(self, user_id: uuid.UUID, session_id: str) -> None:
        ttl = config.presence_ttl_seconds()
        expiry = time.time() + ttl
        pipe = self.client.pipeline(transaction=False)
        pipe.zadd(_user_key(user_id), {session_id: expiry})
        pipe.expire(_user_key(user_id), int(ttl) + 1)
        pipe.zremrangebyscore(_user_key(user_id), "-inf", time.time())
        pipe.execute()

    def leave(self, user_id: uuid.UUID, session_id: str) -> None:
        self.client.zrem(_user_key(user_id), session_id)

    def sessions(self, user_id: uuid.UUID) -> set[str]:
        members = self.client.zrangebyscore(_user_key(user_id), time.time(), "+inf")
        return {member.decode() for member in members}

    def online_among(self, user_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """One pipelined count of live sessions per user: online means the same as `sessions`."""
        ids = list(user_ids)
        if not ids:
            return set()
        now = time.time()
        pipe = self.client.pipeline(transaction=False)
        for user_id in ids:
            pipe.zcount(_user_key(user_id), now, "+inf")
        return {user_id for user_id, live in zip(ids, pipe.execute(), strict=True) if live}


class MemoryPresence:
    def __init__(self) -> None:
        self._sessions: dict[uuid.UUID, dict[str, float]] = {}
        self._lock = threading.Lock()

    def touch(self, user_id: uuid.UUID, session_id: str) -> None:
        with self._lock:
            self._sessions.setdefault(user_id, {})[session_id] = time.time() + config.presence_ttl_seconds()

    def leave(self, user_id: uuid.UUID, session_id: str) -> None:
        with self._lock:
            sessions = self._sessions.get(user_id, {})
            sessions.pop(session_id, None)
            if not sessions:
                self._sessions.pop(user_id, None)

    def sessions(self, user_id: uuid.UUID) -> set[str]:
        now = time.time()
        with self._lock:
            return {session for session, expiry in self._sessions.get(user_id, {}).items() if expiry >= now}

    def online_among(self, user_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        return {user_id for user_id in user_ids if self.sessions(user_id)}


_memory = MemoryPresence()


def presence() -> PresenceStore:
    """Redis when REDIS_URL is set, else this process's memory."""
    url = settings.REDIS_URL or ""
    return RedisPresence(url) if url else _memory
