"""The token cache: revoked access-token ids (`jti`), kept until the token would expire anyway.

Backed by Django's cache: Redis in production (shared by every service), local memory in
the embedded single process.
"""

from __future__ import annotations

import time

from django.core.cache import cache

_PREFIX = "authn:revoked:"


def revoke_access_token(jti: str, *, expires_at: int) -> None:
    ttl = max(int(expires_at - time.time()) + 1, 1)
    cache.set(f"{_PREFIX}{jti}", 1, timeout=ttl)


def is_revoked(jti: str) -> bool:
    return cache.get(f"{_PREFIX}{jti}") is not None
