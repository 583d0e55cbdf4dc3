"""One Redis client, so one connection pool, per URL and process (socialapp/redis_clients.py),
shared by the cache (django-redis, socialapp/cache.py) and every other Redis user."""

from __future__ import annotations

import multiprocessing
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django_redis.cache import RedisCache  # type: ignore[import-untyped]

from apps.feed.timelines.redis_store import RedisTimelineStore
from socialapp.authn.revocation import RevocationList
from socialapp.redis_clients import redis_client
from tests.conftest import ALL_DATABASES
from tests.live_server import live_server

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs the Redis of the test machine")


def a_requests_backend() -> Any:
    """A new backend, as every ASGI request builds one (its own execution context)."""
    backend = caches.create_connection("default")
    assert isinstance(backend, RedisCache)
    return backend


def test_one_client_per_url_for_every_thread() -> None:
    url = f"{settings.REDIS_URL.rsplit('/', 1)[0]}/{uuid.uuid4().int % 1000 + 100}"  # never built before
    found: list[redis.Redis[bytes]] = []
    barrier = threading.Barrier(8)

    def build() -> None:
        barrier.wait()
        found.append(redis_client(url))

    threads = [threading.Thread(target=build) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({id(client) for client in found}) == 1
    assert redis_client(settings.REDIS_URL) is not found[0]


def test_the_cache_the_timelines_and_the_revocation_list_share_the_process_client() -> None:
    shared = redis_client(settings.REDIS_URL)
    first, second = a_requests_backend(), a_requests_backend()

    assert first is not second
    assert first.client.get_client(write=True) is shared
    assert second.client.get_client(write=False) is shared
    assert RedisTimelineStore.for_url(settings.REDIS_URL, max_entries=10).client is shared
    assert RevocationList(settings.REDIS_URL)._client is shared


def test_many_requests_reuse_one_connection() -> None:
    key = f"test-cache-{uuid.uuid4()}"
    pool: Any = redis_client(settings.REDIS_URL).connection_pool
    pool.disconnect()
    created_before = pool._created_connections

    for n in range(20):
        backend = a_requests_backend()
        backend.set(key, n)
        assert backend.get(key) == n
        backend.close()  # what Django does at the end of every request

    assert pool._created_connections - created_before <= 1
    a_requests_backend().delete(key)


def _ping_in_child(url: str, parent_pool: int, answers: Any) -> None:
    client = redis_client(url)
    pong = client.ping()  # the pool notices the fork here and starts afresh
    answers.put((id(client.connection_pool) == parent_pool, client.connection_pool.pid == os.getpid(), pong))


def test_a_forked_child_gets_connections_of_its_own() -> None:
    client = redis_client(settings.REDIS_URL)
    client.ping()  # the parent holds a connection the child must not use
    context = multiprocessing.get_context("fork")
    answers = context.Queue()
    child = context.Process(target=_ping_in_child, args=(settings.REDIS_URL, id(client.connection_pool), answers))
    child.start()
    child.join(10)

    inherited_pool, pool_is_the_childs, pong = answers.get(timeout=5)
    assert child.exitcode == 0
    assert inherited_pool  # the same client object, inherited...
    assert pool_is_the_childs  # ...whose pool reset itself in the child
    assert pong
    assert client.ping()  # the parent's connection is unharmed


# --- a real server ------------------------------------------------------------------------
class CountingProxy:
    """A TCP proxy in front of Redis that counts the connections opened through it."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted = 0
        self._closed = False

    def serve(self) -> None:
        while not self._closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._closed = True
        self.listener.close()


@contextmanager
def counting_proxy() -> Iterator[CountingProxy]:
    port = redis.Redis.from_url(settings.REDIS_URL).connection_pool.connection_kwargs.get("port", 6379)
    proxy = CountingProxy(int(port))
    threading.Thread(target=proxy.serve, daemon=True).start()
    try:
        yield proxy
    finally:
        proxy.close()


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)
def test_an_asgi_server_opens_a_few_redis_connections_not_one_per_request(tmp_path: Path) -> None:
    requests = 40
    with counting_proxy() as proxy:
        database = settings.REDIS_URL.rsplit("/", 1)[1]
        with live_server(tmp_path, REDIS_URL=f"redis://127.0.0.1:{proxy.port}/{database}") as server:
            opened_at_start = proxy.accepted
            with server.client() as client:
                for n in range(requests):
                    # A failed login reads and counts its attempts in the cache (apps/auth/throttle.py).
                    response = client.post(
                        "/graphql/auth/",
                        json={
                            "query": 'mutation($l: String!) { login(login: $l, password: "x") { errors { code } } }',
                            "variables": {"l": f"nobody-{n}"},
                        },
                    )
                    # The address's limit is soon reached: refused by the cache's count, still a cache read.
                    code = response.json()["data"]["login"]["errors"][0]["code"]
                    assert code in {"invalid_credentials", "rate_limited"}
            opened = proxy.accepted - opened_at_start

    assert 1 <= opened <= 3, f"{opened} Redis connections for {requests} requests"  # 1: they went through it
