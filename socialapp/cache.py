"""The Redis cache: django-redis, its connections taken from the process's client for the URL.

Django builds a cache backend per execution context, so one per ASGI request; each must
borrow from the process's pool rather than open a connection of its own (ADR 0014).
"""

from __future__ import annotations

from typing import Any

import redis
from django_redis.pool import ConnectionFactory  # type: ignore[import-untyped]  # no py.typed

from socialapp.redis_clients import redis_client


class SharedClientConnectionFactory(ConnectionFactory):
    """django-redis's connection factory, handing every backend the process's client."""

    def connect(self, url: str) -> redis.Redis[bytes]:
        return redis_client(url)

    def disconnect(self, connection: Any) -> None:
        """Nothing: the connections belong to the process, not to one backend."""
