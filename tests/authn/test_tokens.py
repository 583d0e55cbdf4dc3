"""Every service verifies access tokens locally: only an unexpired, unrevoked RS256 token
signed by a key of the ring, from our issuer, is a viewer. Everything else is refused with
a clear code. Keys rotate without logging anyone out."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connections
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings as SettingsWrapper

from socialapp.authn.keys import generate_key_pair, key_ring, reset_key_ring
from socialapp.authn.revocation import revoke_access_token
from socialapp.authn.tokens import SignedRefreshToken
from socialapp.authn.viewer import verify_access_token
from socialapp.errors import NotAuthenticatedError
from tests.auth_helpers import access_token_for
from tests.conftest import ALL_DATABASES

USER_ID = uuid.UUID("7b0c4f62-2b4e-4d3c-9a51-3c1c7f1a5e10")


@pytest.fixture
def ring(settings: SettingsWrapper, tmp_path: Path) -> Iterator[Path]:
    """A key ring of this test's own, in a fresh directory."""
    settings.JWT_KEYS_DIR = tmp_path
    settings.JWT_ACTIVE_KID = generate_key_pair(tmp_path, "first")
    reset_key_ring()
    yield tmp_path
    reset_key_ring()


def refused_code(token: str) -> str:
    with pytest.raises(NotAuthenticatedError) as refused:
        verify_access_token(token)
    return refused.value.code


def claims_of(token: str) -> dict[str, object]:
    return jwt.decode(token, options={"verify_signature": False})


def test_a_valid_token_names_the_viewer(ring: Path) -> None:
    viewer = verify_access_token(access_token_for(USER_ID, "alice"))
    assert (viewer.user_id, viewer.username) == (USER_ID, "alice")
    assert jwt.get_unverified_header(access_token_for(USER_ID, "alice")) == {
        "alg": "RS256",
        "kid": "first",
        "typ": "JWT",
    }


@pytest.mark.django_db(databases=ALL_DATABASES)
def test_verifying_asks_no_database(ring: Path) -> None:
    token = access_token_for(USER_ID, "alice")
    contexts = [CaptureQueriesContext(connections[alias]) for alias in ALL_DATABASES]
    for context in contexts:
        context.__enter__()
    verify_access_token(token)
    for context in contexts:
        context.__exit__(None, None, None)
    assert [len(c.captured_queries) for c in contexts] == [0, 0, 0, 0, 0]


def test_an_expired_token_is_refused(ring: Path) -> None:
    assert refused_code(access_token_for(USER_ID, "alice", lifetime=timedelta(seconds=-60))) == "token_expired"


def test_a_tampered_token_is_refused(ring: Path) -> None:
    header, payload, signature = access_token_for(USER_ID, "alice").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = str(uuid.uuid4())
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert refused_code(f"{header}.{forged}.{signature}") == "token_invalid"


def test_a_token_signed_with_another_key_under_our_kid_is_refused(ring: Path) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = claims_of(access_token_for(USER_ID, "alice"))
    token = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "first"})
    assert refused_code(token) == "token_invalid"


def test_alg_none_is_refused(ring: Path) -> None:
    claims = claims_of(access_token_for(USER_ID, "alice"))
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT","kid":"first"}').rstrip(b"=").decode()
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert refused_code(f"{header}.{body}.") == "token_invalid"


def test_hs256_signed_with_the_public_key_is_refused(ring: Path) -> None:
    public_pem = (ring / "first.pub.pem").read_bytes()
    claims = claims_of(access_token_for(USER_ID, "alice"))
    # PyJWT refuses to HMAC with a PEM key, so forge the signature by hand, as an attacker would.
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT","kid":"first"}').rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signature = base64.urlsafe_b64encode(hmac.new(public_pem, header + b"." + body, hashlib.sha256).digest()).rstrip(
        b"="
    )
    assert refused_code(b".".join([header, body, signature]).decode()) == "token_invalid"


def test_an_unknown_key_id_is_refused(ring: Path) -> None:
    private = serialization.load_pem_private_key((ring / "first.key.pem").read_bytes(), password=None)
    claims = claims_of(access_token_for(USER_ID, "alice"))
    token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": "nobody"})  # type: ignore[arg-type]
    assert refused_code(token) == "token_invalid"


def test_another_issuer_is_refused(ring: Path) -> None:
    private = serialization.load_pem_private_key((ring / "first.key.pem").read_bytes(), password=None)
    claims = {**claims_of(access_token_for(USER_ID, "alice")), "iss": "someone-else"}
    token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": "first"})  # type: ignore[arg-type]
    assert refused_code(token) == "token_invalid"


@pytest.mark.parametrize("claim", ["exp", "jti", "sub", "token_type", "iss"])
def test_a_token_missing_a_required_claim_is_refused(ring: Path, claim: str) -> None:
    private = serialization.load_pem_private_key((ring / "first.key.pem").read_bytes(), password=None)
    claims = claims_of(access_token_for(USER_ID, "alice"))
    del claims[claim]
    token = jwt.encode(claims, private, algorithm="RS256", headers={"kid": "first"})  # type: ignore[arg-type]
    assert refused_code(token) == "token_invalid"


def test_a_refresh_token_is_not_an_access_token(ring: Path) -> None:
    refresh = SignedRefreshToken()
    refresh["sub"] = str(USER_ID)
    assert refused_code(str(refresh)) == "token_invalid"


@pytest.mark.parametrize("garbage", ["", "x", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.", "Bearer abc"])
def test_garbage_is_refused(ring: Path, garbage: str) -> None:
    assert refused_code(garbage) == "token_invalid"


def test_a_revoked_token_is_refused_until_it_would_have_expired(ring: Path) -> None:
    token = access_token_for(USER_ID, "alice")
    viewer = verify_access_token(token)
    revoke_access_token(viewer.jti, expires_at=viewer.expires_at)
    assert refused_code(token) == "token_revoked"
    assert refused_code(token) == "token_revoked"
    assert verify_access_token(access_token_for(USER_ID, "alice")).user_id == USER_ID  # other tokens unaffected


def test_rotating_keys_keeps_old_tokens_valid_until_the_old_key_is_retired(
    ring: Path, settings: SettingsWrapper
) -> None:
    old_token = access_token_for(USER_ID, "alice")

    settings.JWT_ACTIVE_KID = generate_key_pair(ring, "second")
    reset_key_ring()
    new_token = access_token_for(USER_ID, "alice")
    assert jwt.get_unverified_header(new_token)["kid"] == "second"
    assert verify_access_token(old_token).user_id == USER_ID
    assert verify_access_token(new_token).user_id == USER_ID
    assert {key["kid"] for key in key_ring().jwks()["keys"]} == {"first", "second"}

    (ring / "first.key.pem").unlink()
    (ring / "first.pub.pem").unlink()
    reset_key_ring()
    assert refused_code(old_token) == "token_invalid"
    assert verify_access_token(new_token).user_id == USER_ID


def test_the_jwks_publishes_each_public_key_so_others_can_verify(ring: Path) -> None:
    [jwk] = key_ring().jwks()["keys"]
    assert (jwk["kid"], jwk["kty"], jwk["alg"], jwk["use"]) == ("first", "RSA", "RS256", "sig")
    assert "d" not in jwk  # never the private part
    public_key = jwt.PyJWK(jwk).key
    token = access_token_for(USER_ID, "alice")
    assert jwt.decode(token, public_key, algorithms=["RS256"], issuer="socialapp-auth")["sub"] == str(USER_ID)
    assert time.time() < jwt.decode(token, public_key, algorithms=["RS256"], issuer="socialapp-auth")["exp"]
