"""Who is online (the seed's "User Session Cache"): each open socket is a session that lives
until its expiry, pushed forward by heartbeats.

With Redis: a sorted set per user (session -> expiry) and one of online users (user ->
latest expiry); expired members are dropped when read, so a process that dies leaves no
session past its expiry. Without Redis (the embedded single process): the same in memory.
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

ONLINE_KEY = "notifications:presence:online"


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
        pipe.zadd(ONLINE_KEY, {user_id.hex: expiry}, gt=True)
        pipe.zremrangebyscore(ONLINE_KEY, "-inf", time.time())
        pipe.execute()

    def leave(self, user_id: uuid.UUID, session_id: str) -> None:
        pipe = self.client.pipeline(transaction=False)
        pipe.zrem(_user_key(user_id), session_id)
        pipe.zremrangebyscore(_user_key(user_id), "-inf", time.time())
        pipe.zcard(_user_key(user_id))
        remaining = pipe.execute()[-1]
        if not remaining:
            self.client.zrem(ONLINE_KEY, user_id.hex)

    def sessions(self, user_id: uuid.UUID) -> set[str]:
        members = self.client.zrangebyscore(_user_key(user_id), time.time(), "+inf")
        return {member.decode() for member in members}

    def online_among(self, user_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        ids = list(user_ids)
        if not ids:
            return set()
        scores = self.client.zmscore(ONLINE_KEY, [user_id.hex for user_id in ids])  # type: ignore[no-untyped-call]
        now = time.time()
        return {user_id for user_id, score in zip(ids, scores, strict=True) if score is not None and score >= now}


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
