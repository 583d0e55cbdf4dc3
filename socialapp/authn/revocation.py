"""The token cache: revoked access-token ids (`jti`), each kept until the token would have
expired anyway.

Checking Redis on every request would cost a network round trip per request, so every
process keeps the revoked ids in memory and Redis replicates them:

- `revoke_access_token` writes the id to Redis (with a TTL: the source of truth for processes
  that start later) and publishes it on a channel;
- each process subscribes to the channel in a background thread, then loads what Redis
  already holds (subscribe first, load second: nothing revoked in between is missed);
- while that subscription is not established (start-up, Redis restart), `is_revoked` asks
  Redis directly, so a revocation is never missed, only slower to check.

Without REDIS_URL (the embedded single process) the memory set is the whole story.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.conf import settings

from socialapp.redis_clients import redis_client

logger = logging.getLogger(__name__)

KEY_PREFIX = "authn:revoked:"
CHANNEL = "authn:revocations"


class RevocationList:
    def __init__(self, redis_url: str | None) -> None:
        self.redis_url = redis_url
        self._revoked: dict[str, float] = {}  # jti -> expiry (epoch seconds)
        self._lock = threading.Lock()
        self._synced = threading.Event()
        self._listener: threading.Thread | None = None
        self._client = redis_client(redis_url) if redis_url else None

    # --- writes ---------------------------------------------------------------------------
    def revoke(self, jti: str, *, expires_at: float) -> None:
        ttl = max(int(expires_at - time.time()) + 1, 1)
        self._remember(jti, expires_at)
        if self._client is not None:
            self._client.set(f"{KEY_PREFIX}{jti}", int(expires_at), ex=ttl)
            self._client.publish(CHANNEL, f"{jti} {int(expires_at)}")

    # --- reads ----------------------------------------------------------------------------
    def is_revoked(self, jti: str) -> bool:
        expires_at = self._revoked.get(jti)
        if expires_at is not None and expires_at >= time.time():
            return True
        if self._client is None:
            return False
        self._ensure_listening()
        if self._synced.is_set():
            return False
        # Not (yet) replicated: ask Redis itself rather than risk missing a revocation.
        return bool(self._client.exists(f"{KEY_PREFIX}{jti}"))

    # --- replication ----------------------------------------------------------------------
    def _remember(self, jti: str, expires_at: float) -> None:
        with self._lock:
            self._revoked[jti] = expires_at
            if len(self._revoked) % 1000 == 0:
                now = time.time()
                self._revoked = {j: e for j, e in self._revoked.items() if e >= now}

    def _ensure_listening(self) -> None:
        if self._listener is None or not self._listener.is_alive():
            with self._lock:
                if self._listener is None or not self._listener.is_alive():
                    self._listener = threading.Thread(target=self._listen, name="revocation-listener", daemon=True)
                    self._listener.start()

    def _listen(self) -> None:
        assert self._client is not None
        while True:
            pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(CHANNEL)
                self._load_existing()
                self._synced.set()
                for message in pubsub.listen():  # type: ignore[no-untyped-call]
                    if message.get("type") == "message":
                        jti, _, expires_at = message["data"].decode().partition(" ")
                        self._remember(jti, float(expires_at or 0))
            except (redis.RedisError, OSError, ValueError) as error:
                logger.warning("revocation replication interrupted, retrying", extra={"error": str(error)})
            finally:
                self._synced.clear()
                pubsub.close()
            time.sleep(1)

    def _load_existing(self) -> None:
        assert self._client is not None
        for key in self._client.scan_iter(match=f"{KEY_PREFIX}*", count=1000):
            value = self._client.get(key)
            if value is not None:
                self._remember(key.decode()[len(KEY_PREFIX) :], float(value))

    def wait_until_synced(self, timeout: float = 5.0) -> bool:
        """For tests and start-up probes: block until replication is established."""
        if self._client is None:
            return True
        self._ensure_listening()
        return self._synced.wait(timeout)


_lists: dict[str, RevocationList] = {}
_lists_lock = threading.Lock()


def revocation_list() -> RevocationList:
    url = settings.REDIS_URL or ""
    with _lists_lock:
        if url not in _lists:
            _lists[url] = RevocationList(url or None)
        return _lists[url]


def revoke_access_token(jti: str, *, expires_at: int) -> None:
    revocation_list().revoke(jti, expires_at=expires_at)


def is_revoked(jti: str) -> bool:
    return revocation_list().is_revoked(jti)
