"""Signing and verifying tokens with the key ring.

simplejwt's token classes build the claims (`exp`, `iat`, `jti`, `token_type`, `sub`); this
module gives them a backend that signs with the active key and names it in the header
(`kid`), and verifies only RS256 against the public key the `kid` names — so `alg: none`,
HS256 signed with the public key, an unknown or retired key, a wrong issuer or a missing
claim are all refused.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

import jwt
from django.conf import settings
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenBackendExpiredToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from socialapp.authn.keys import KeyRing, key_ring

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ["exp", "iat", "jti", "sub", "token_type", "iss"]


class KeyRingTokenBackend(TokenBackend):
    def __init__(self) -> None:
        super().__init__(ALGORITHM)

    def encode(self, payload: dict[str, Any]) -> str:
        kid, private_key = key_ring().signing_key()
        claims = {**payload, "iss": settings.JWT_ISSUER}
        return jwt.encode(claims, private_key, algorithm=ALGORITHM, headers={"kid": kid})

    def decode(self, token: Any, verify: bool = True) -> dict[str, Any]:
        return self.decode_with(key_ring(), token, verify=verify)

    def decode_with(self, ring: KeyRing, token: Any, *, verify: bool = True) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise TokenBackendError("Token is malformed") from error
        if header.get("alg") != ALGORITHM:
            raise TokenBackendError(f"Token algorithm {header.get('alg')!r} is not accepted")
        public_key = ring.public_key(str(header.get("kid", "")))
        if public_key is None:
            raise TokenBackendError("Token is signed with an unknown or retired key")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                public_key,
                algorithms=[ALGORITHM],
                issuer=settings.JWT_ISSUER,
                leeway=settings.JWT_LEEWAY_SECONDS,
                options={"require": REQUIRED_CLAIMS, "verify_signature": verify},
            )
        except jwt.ExpiredSignatureError as error:
            raise TokenBackendExpiredToken("Token is expired") from error
        except jwt.InvalidTokenError as error:
            raise TokenBackendError(f"Token is invalid: {error}") from error
        return claims


token_backend = KeyRingTokenBackend()


# Keyed by the ring too: once the ring is reloaded (a key retired), every token is verified
# afresh against the new one.
@lru_cache(maxsize=10_000)
def _verified_claims(raw: str, ring: KeyRing) -> dict[str, Any]:
    return token_backend.decode_with(ring, raw)


def decode_verified(raw: str) -> dict[str, Any]:
    """The claims of a token whose signature, issuer and claims check out, and not expired.

    A client sends the same access token with every request for its lifetime, so the RSA
    verification is remembered per token; expiry is checked on every call. Do not mutate
    the returned claims.
    """
    claims = _verified_claims(raw, key_ring())
    if float(claims["exp"]) + settings.JWT_LEEWAY_SECONDS < time.time():
        raise TokenBackendExpiredToken("Token is expired")
    return claims


class SignedAccessToken(AccessToken):
    _token_backend = token_backend


class SignedRefreshToken(RefreshToken):
    _token_backend = token_backend
    access_token_class = SignedAccessToken
