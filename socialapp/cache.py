"""Django's Redis cache with one connection pool per process, not one per request.

Django keeps a cache backend per execution context (`caches` is an asgiref `Local`), and under
ASGI every request runs in a context of its own. Each request therefore built a new
`RedisCache`, whose client built a new `redis.ConnectionPool`, which opened a new TCP
connection (name lookup, connect, health check) for the request's first cache call and left
it to the garbage collector. Measured under load: one Redis connection per homeFeed request
and about a seventh of a server worker's CPU spent connecting.

`SharedPoolRedisCache` is `RedisCache` whose clients take their pools from a per-process
registry keyed by pool class, server URL and pool options: every request's backend borrows from the
same pool. redis-py pools are thread-safe and start afresh in a forked child.

Django also builds a `redis.Redis` client object for every cache call (`get_client`): about 3%
of a feed worker's CPU serving homeFeed pages (py-spy, GIL samples). The client holds nothing
but its pool, so each pool's client is built once and shared too.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_pools: dict[tuple[Any, str, str], Any] = {}
_clients: dict[int, Any] = {}  # id(pool) -> its redis.Redis; pools are never dropped
_pools_lock = threading.Lock()


class SharedPoolRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, its connection pools shared by the whole process."""

    def _get_connection_pool(self, write: bool) -> Any:
        django_client: Any = self  # Django's private attributes, which its type stubs leave out
        index = django_client._get_connection_pool_index(write)
        pools: dict[int, Any] = django_client._pools  # this client's, as Django keeps them
        pool = pools.get(index)
        if pool is None:
            pool = pools[index] = _shared_pool(
                django_client._pool_class, django_client._servers[index], django_client._pool_options
            )
        return pool

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = _clients.get(id(pool))
        if client is None:
            django_client: Any = self
            client = _clients.setdefault(id(pool), django_client._client(connection_pool=pool))
        return client


def _shared_pool(pool_class: Any, server: str, options: dict[str, Any]) -> Any:
    """The process's pool of this class for this server and these options."""
    key = (pool_class, server, repr(sorted(options.items(), key=lambda item: item[0])))
    pool = _pools.get(key)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(key)
            if pool is None:
                pool = _pools[key] = pool_class.from_url(server, **options)
    return pool


class SharedPoolRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache`, with per-process connection pools."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedPoolRedisCacheClient
