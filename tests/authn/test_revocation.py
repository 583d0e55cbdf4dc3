"""Revoked access tokens are checked in memory, replicated between processes through Redis
(the real one of the test machine), and never missed while replication is down."""

from __future__ import annotations

import time
import uuid

import pytest
from django.conf import settings

from socialapp.authn import tokens
from socialapp.authn.revocation import RevocationList
from socialapp.authn.viewer import verify_access_token
from socialapp.errors import NotAuthenticatedError
from tests.auth_helpers import access_token_for
from tests.eventing.kafka_helpers import wait_until


@pytest.fixture
def processes() -> tuple[RevocationList, RevocationList]:
    """Two processes' revocation lists sharing the test Redis."""
    first, second = RevocationList(settings.REDIS_URL), RevocationList(settings.REDIS_URL)
    assert first.wait_until_synced()
    assert second.wait_until_synced()
    return (first, second)


def a_jti() -> str:
    return uuid.uuid4().hex


def test_a_revocation_reaches_another_process_without_a_redis_read_per_check(
    processes: tuple[RevocationList, RevocationList], monkeypatch: pytest.MonkeyPatch
) -> None:
    here, there = processes
    jti = a_jti()
    here.revoke(jti, expires_at=time.time() + 60)

    wait_until(lambda: there.is_revoked(jti), timeout=5, what="the revocation to replicate")

    def no_round_trips(*args: object) -> bool:
        raise AssertionError("a replicated list must not ask Redis per check")

    monkeypatch.setattr(there._client, "exists", no_round_trips)
    assert there.is_revoked(jti) is True
    assert there.is_revoked(a_jti()) is False


def test_a_process_that_starts_later_knows_earlier_revocations() -> None:
    earlier = RevocationList(settings.REDIS_URL)
    jti = a_jti()
    earlier.revoke(jti, expires_at=time.time() + 60)

    later = RevocationList(settings.REDIS_URL)
    assert later.wait_until_synced()
    assert later.is_revoked(jti) is True


def test_until_replication_is_up_every_check_asks_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    writer = RevocationList(settings.REDIS_URL)
    jti = a_jti()
    writer.revoke(jti, expires_at=time.time() + 60)

    cut_off = RevocationList(settings.REDIS_URL)
    monkeypatch.setattr(cut_off, "_ensure_listening", lambda: None)  # Redis pub/sub unreachable
    assert cut_off.is_revoked(jti) is True
    assert cut_off.is_revoked(a_jti()) is False


def test_a_revocation_is_forgotten_once_the_token_would_have_expired() -> None:
    jti = a_jti()
    revocations = RevocationList(None)  # the embedded default: memory only
    revocations.revoke(jti, expires_at=time.time() - 1)
    assert revocations.is_revoked(jti) is False


def test_a_remembered_verification_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    token = access_token_for(uuid.uuid4(), "alice")
    verify_access_token(token)  # verified once, remembered
    expiry = float(tokens.decode_verified(token)["exp"])

    monkeypatch.setattr(time, "time", lambda: expiry + settings.JWT_LEEWAY_SECONDS + 1)
    with pytest.raises(NotAuthenticatedError) as refused:
        verify_access_token(token)
    assert refused.value.code == "token_expired"
