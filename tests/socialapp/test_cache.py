"""The Redis cache backend shares one connection pool per process (socialapp/cache.py)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.cache import caches

from socialapp.cache import SharedPoolRedisCache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs the Redis of the test machine")


def a_requests_backend() -> SharedPoolRedisCache:
    """A new backend, as every ASGI request builds one (its own execution context)."""
    backend = caches.create_connection("default")
    assert isinstance(backend, SharedPoolRedisCache)
    return backend


def pool_of(backend: SharedPoolRedisCache, *, write: bool = True) -> Any:
    django_backend: Any = backend  # `_cache` is Django's client, private, not in the type stubs
    return django_backend._cache._get_connection_pool(write=write)


def test_backends_built_by_different_requests_borrow_from_one_pool() -> None:
    first, second = a_requests_backend(), a_requests_backend()

    assert first is not second
    assert pool_of(first) is pool_of(second)
    assert pool_of(first, write=False) is pool_of(second, write=False)


def test_many_requests_reuse_one_connection() -> None:
    key = f"test-cache-{uuid.uuid4()}"
    pool = pool_of(a_requests_backend())
    pool.disconnect()
    created_before = pool._created_connections

    for n in range(20):
        backend = a_requests_backend()
        backend.set(key, n)
        assert backend.get(key) == n
        assert pool_of(backend) is pool

    assert pool._created_connections - created_before <= 1
    a_requests_backend().delete(key)


def test_other_servers_and_pool_classes_get_pools_of_their_own() -> None:
    here = a_requests_backend()
    elsewhere = SharedPoolRedisCache(settings.REDIS_URL.rsplit("/", 1)[0] + "/15", {})
    blocking = SharedPoolRedisCache(settings.REDIS_URL, {"OPTIONS": {"pool_class": "redis.BlockingConnectionPool"}})

    assert pool_of(here) is not pool_of(elsewhere)
    assert pool_of(here) is not pool_of(blocking)
    assert isinstance(pool_of(blocking), redis.BlockingConnectionPool)


def test_every_backend_sends_through_one_client_per_pool() -> None:
    first, second = a_requests_backend(), a_requests_backend()
    first_client: Any = first._cache.get_client(write=True)  # type: ignore[attr-defined]
    second_client: Any = second._cache.get_client(write=True)  # type: ignore[attr-defined]

    assert first_client is second_client
    assert first_client.connection_pool is pool_of(first)
    key = f"test-cache-{uuid.uuid4()}"
    first.set(key, "shared")
    assert second.get(key) == "shared"
    second.delete(key)
