"""The process's Redis client for a URL: one `redis.Redis`, so one connection pool, per URL.

    from socialapp.redis_clients import redis_client
    redis_client(settings.REDIS_URL).get("key")

The cache, the feed's timelines, the token revocation list and the readiness check all
borrow from it, so a process holds a few connections per Redis server however many requests,
threads or cache backends it runs. redis-py pools are thread-safe and start afresh in a
forked child (they check the process id), so the client needs no care around `fork`.
"""

from __future__ import annotations

import threading

import redis

# Connect fails fast (a dead Redis should fail a request, not hang it); a command may take
# longer (a fan-out pipeline of a thousand scripts). Blocking pub/sub reads ignore the timeout.
CONNECT_TIMEOUT_SECONDS = 2.0
COMMAND_TIMEOUT_SECONDS = 5.0
# A connection idle this long is checked with a PING before it is used again: a Redis
# restart otherwise shows up as an error on the first command after it.
HEALTH_CHECK_INTERVAL_SECONDS = 30

_clients: dict[str, redis.Redis[bytes]] = {}
_clients_lock = threading.Lock()


def redis_client(url: str) -> redis.Redis[bytes]:
    """This process's client (and connection pool) for `url`, built on first use."""
    client = _clients.get(url)
    if client is None:
        with _clients_lock:
            client = _clients.get(url)
            if client is None:
                client = _clients[url] = redis.Redis.from_url(
                    url,
                    socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                    socket_timeout=COMMAND_TIMEOUT_SECONDS,
                    health_check_interval=HEALTH_CHECK_INTERVAL_SECONDS,
                )
    return client
