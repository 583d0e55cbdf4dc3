"""Minting tokens in tests without the auth service's login flow (for other apps' tests)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from socialapp.authn.tokens import SignedAccessToken


def access_token_for(user_id: uuid.UUID, username: str, *, lifetime: timedelta | None = None) -> str:
    """A valid access token for this identity, signed with the active key."""
    token = SignedAccessToken()
    token["sub"] = str(user_id)
    token["username"] = username
    if lifetime is not None:
        token.set_exp(lifetime=lifetime)
    return str(token)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
