"""Login throttling: failures per account, attempts per client address, in fixed windows.

Counted in the shared cache (Redis in production), so every replica sees the same counts.
A refused attempt says when to retry.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from socialapp.errors import RateLimitedError


def _window() -> tuple[int, int]:
    """(window index, seconds until the window ends)."""
    length = settings.LOGIN_THROTTLE_WINDOW_SECONDS
    now = time.time()
    index = int(now // length)
    return index, max(int((index + 1) * length - now) + 1, 1)


def _count(key: str) -> int:
    value = cache.get(key)
    return int(value) if value is not None else 0


def _increment(key: str, timeout: int) -> None:
    if not cache.add(key, 1, timeout=timeout):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=timeout)


def _account_key(login: str, index: int) -> str:
    """`login` is an identifier key already (apps/auth/identifiers.py): one budget per account."""
    return f"login:failures:account:{login}:{index}"


def _address_key(address: str, index: int) -> str:
    return f"login:attempts:address:{address}:{index}"


def check_login_allowed(*, login: str, address: str) -> None:
    """Raise RateLimitedError if this account or address has used up its window; count the attempt."""
    index, retry_after = _window()
    if _count(_account_key(login, index)) >= settings.LOGIN_MAX_FAILURES_PER_ACCOUNT:
        raise RateLimitedError(
            f"Too many failed logins for this account; try again in {retry_after} seconds.",
            field="login",
            retry_after=retry_after,
        )
    address_key = _address_key(address, index)
    if _count(address_key) >= settings.LOGIN_MAX_ATTEMPTS_PER_ADDRESS:
        raise RateLimitedError(
            f"Too many login attempts from your address; try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
    _increment(address_key, retry_after)


def record_login_failure(*, login: str) -> None:
    index, retry_after = _window()
    _increment(_account_key(login, index), retry_after)


def clear_login_failures(*, login: str) -> None:
    index, _ = _window()
    cache.delete(_account_key(login, index))


def check_registration_allowed(*, address: str) -> None:
    """Raise RateLimitedError once this address has registered its window's worth; count it."""
    length = settings.REGISTRATION_THROTTLE_WINDOW_SECONDS
    now = time.time()
    index = int(now // length)
    retry_after = max(int((index + 1) * length - now) + 1, 1)
    key = f"register:address:{address}:{index}"
    if _count(key) >= settings.REGISTRATIONS_PER_ADDRESS:
        raise RateLimitedError(
            f"Too many accounts were created from your address; try again in {retry_after} seconds.",
            retry_after=retry_after,
        )
    _increment(key, retry_after)
