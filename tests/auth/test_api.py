"""The auth service over real HTTP (uvicorn, PostgreSQL, Redis): GraphQL, the REST token
endpoints, the JWKS, and the same token accepted by every service's HTTP and WebSocket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest
import websockets
from websockets.typing import Origin

from apps.auth.models import RefreshSession, User
from tests.auth.factories import PASSWORD, user_create
from tests.auth_helpers import bearer
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer, live_server

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

TOKENS = "tokens { accessToken refreshToken accessTokenExpiresAt tokenType }"
ERRORS = "errors { field code message }"


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("auth"), LOGIN_MAX_FAILURES_PER_ACCOUNT="3") as running:
        yield running


def gql(server: LiveServer, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
    with server.client() as client:
        response = client.post(
            "/graphql/auth/",
            json={"query": query, "variables": variables or {}},
            headers=bearer(token) if token else {},
        )
    assert response.status_code == 200, response.text
    return response.json()


def register(server: LiveServer, username: str, email: str, password: str = PASSWORD) -> Any:
    return gql(
        server,
        f"mutation($u: String!, $e: String!, $p: String!) {{ register(username: $u, email: $e, password: $p) "
        f"{{ account {{ id username email }} {TOKENS} {ERRORS} }} }}",
        {"u": username, "e": email, "p": password},
    )["data"]["register"]


def login(server: LiveServer, who: str, password: str = PASSWORD) -> Any:
    return gql(
        server,
        "mutation($l: String!, $p: String!) { login(login: $l, password: $p) "
        f"{{ account {{ username }} {TOKENS} {ERRORS} }} }}",
        {"l": who, "p": password},
    )["data"]["login"]


def me(server: LiveServer, token: str) -> Any:
    return gql(server, "{ me { id username email } }", token=token)


def test_register_then_use_the_tokens_everywhere(server: LiveServer) -> None:
    registered = register(server, "alice", "alice@example.com")

    assert registered["errors"] == []
    assert registered["account"]["username"] == "alice"
    assert registered["tokens"]["tokenType"] == "Bearer"
    access = registered["tokens"]["accessToken"]
    assert me(server, access)["data"]["me"] == {
        "id": registered["account"]["id"],
        "username": "alice",
        "email": "alice@example.com",
    }
    validated = gql(server, "query($t: String!) { validateToken(token: $t) { valid username } }", {"t": access})
    assert validated["data"]["validateToken"] == {"valid": True, "username": "alice"}
    assert User.objects.get().password.startswith("argon2$")


def test_registering_a_taken_name_in_another_case_is_a_typed_error(server: LiveServer) -> None:
    user_create(username="Alice", email="alice@example.com")

    refused = register(server, "aLiCe", "other@example.com")

    assert refused == {
        "account": None,
        "tokens": None,
        "errors": [{"field": "username", "code": "username_taken", "message": "This username is taken."}],
    }
    assert User.objects.count() == 1


def test_a_weak_password_is_a_typed_error_and_nothing_is_written(server: LiveServer) -> None:
    refused = register(server, "bob", "bob@example.com", password="password")
    assert refused["errors"][0]["field"] == "password"
    assert refused["errors"][0]["code"] == "password_too_weak"
    assert not User.objects.exists()


def test_login_refresh_logout(server: LiveServer) -> None:
    user_create(username="bob", email="bob@example.com")
    tokens = login(server, "BOB@example.com")["tokens"]

    refreshed = gql(
        server,
        f"mutation($r: String!) {{ refreshToken(refreshToken: $r) {{ {TOKENS} {ERRORS} }} }}",
        {"r": tokens["refreshToken"]},
    )["data"]["refreshToken"]
    assert refreshed["errors"] == []
    new_access, new_refresh = refreshed["tokens"]["accessToken"], refreshed["tokens"]["refreshToken"]

    reused = gql(
        server,
        f"mutation($r: String!) {{ refreshToken(refreshToken: $r) {{ {TOKENS} {ERRORS} }} }}",
        {"r": tokens["refreshToken"]},
    )["data"]["refreshToken"]
    assert reused["errors"][0]["code"] == "refresh_token_reused"

    logged_out = gql(
        server, f"mutation($r: String) {{ logout(refreshToken: $r) {{ ok {ERRORS} }} }}", {"r": new_refresh}, new_access
    )
    assert logged_out["data"]["logout"] == {"ok": True, "errors": []}
    after = me(server, new_access)
    assert after["data"] is None
    assert after["errors"][0]["extensions"]["code"] == "token_revoked"
    assert RefreshSession.objects.filter(revoked_at__isnull=True).count() == 0


def test_wrong_password_unknown_user_and_anonymous_calls_are_typed_errors(server: LiveServer) -> None:
    user_create(username="bob")
    assert login(server, "bob", "not the password")["errors"] == [
        {"field": "password", "code": "invalid_credentials", "message": "Wrong username, email or password."}
    ]
    assert login(server, "nobody")["errors"][0]["code"] == "invalid_credentials"
    anonymous = gql(server, f"mutation {{ logout {{ ok {ERRORS} }} }}")
    assert anonymous["data"]["logout"]["errors"][0]["code"] == "not_authenticated"
    assert me(server, "not-a-token")["errors"][0]["extensions"]["code"] == "token_invalid"


def test_too_many_failed_logins_say_when_to_retry(server: LiveServer) -> None:
    user_create(username="bob")
    for _ in range(3):
        assert login(server, "bob", "not the password")["errors"][0]["code"] == "invalid_credentials"

    limited = login(server, "bob")  # even the right password, until the window passes
    assert limited["errors"][0]["code"] == "rate_limited"
    assert "try again in" in limited["errors"][0]["message"]

    with server.client() as client:
        rest = client.post("/api/token/", json={"username": "bob", "password": PASSWORD})
    assert rest.status_code == 429
    assert 0 < int(rest.headers["Retry-After"]) <= 900
    assert rest.json()["errors"][0]["code"] == "rate_limited"


def test_the_rest_token_endpoints_follow_simplejwt_conventions(server: LiveServer) -> None:
    user_create(username="carol")
    with server.client() as client:
        obtained = client.post("/api/token/", json={"username": "carol", "password": PASSWORD})
        pair = obtained.json()
        refreshed = client.post("/api/token/refresh/", json={"refresh": pair["refresh"]})
        verified = client.post("/api/token/verify/", json={"token": refreshed.json()["access"]})
        reused = client.post("/api/token/refresh/", json={"refresh": pair["refresh"]})
        bad_verify = client.post("/api/token/verify/", json={"token": "nope"})
        missing = client.post("/api/token/", json={"username": "carol"})
        wrong = client.post("/api/token/", json={"username": "carol", "password": "wrong one"})
        not_json = client.post("/api/token/", content=b"{", headers={"content-type": "application/json"})

    assert obtained.status_code == 200
    assert set(pair) == {"access", "refresh", "access_expires_at"}
    assert refreshed.status_code == 200
    assert verified.status_code == 200
    assert verified.json() == {}
    assert reused.status_code == 401
    assert reused.json()["errors"][0]["code"] == "refresh_token_reused"
    assert bad_verify.status_code == 401
    assert bad_verify.json()["errors"][0]["code"] == "token_invalid"
    assert missing.status_code == 400
    assert missing.json()["errors"] == [{"field": "password", "code": "required", "message": "This field is required."}]
    assert wrong.status_code == 401
    assert wrong.json()["errors"][0]["code"] == "invalid_credentials"
    assert not_json.status_code == 400


def test_the_jwks_verifies_what_the_service_issues(server: LiveServer) -> None:
    user_create(username="dave")
    with server.client() as client:
        jwks = client.get("/.well-known/jwks.json")
        access = client.post("/api/token/", json={"username": "dave", "password": PASSWORD}).json()["access"]

    assert jwks.headers["Cache-Control"] == "public, max-age=300"
    key = jwt.PyJWKSet.from_dict(jwks.json())[jwt.get_unverified_header(access)["kid"]]
    assert jwt.decode(access, key.key, algorithms=["RS256"], issuer="socialapp-auth")["username"] == "dave"


def test_websockets_authenticate_with_the_same_token(server: LiveServer) -> None:
    user_create(username="erin")
    access = login(server, "erin")["tokens"]["accessToken"]
    ws = server.url.replace("http://", "ws://")
    origin = Origin(server.url.replace("127.0.0.1", "localhost"))

    async def whoami(query: str) -> Any:
        async with websockets.connect(f"{ws}/ws/whoami/{query}", origin=origin) as socket:
            try:
                return json.loads(await socket.recv())
            except websockets.exceptions.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None

    assert asyncio.run(whoami(f"?access_token={access}")) == {"username": "erin", "code": None}
    assert asyncio.run(whoami("?access_token=forged")) == 4401
    assert asyncio.run(whoami("")) == 4401


def test_http_requests_to_other_services_accept_the_token_and_refuse_bad_ones(server: LiveServer) -> None:
    user_create(username="frank")
    access = login(server, "frank")["tokens"]["accessToken"]
    with server.client() as client:
        ok = client.post("/graphql/feed/", json={"query": "{ feedService { name } }"}, headers=bearer(access))
        anonymous = client.post("/graphql/feed/", json={"query": "{ feedService { name } }"})
    assert ok.json() == {"data": {"feedService": {"name": "feed"}}}
    assert anonymous.json() == {"data": {"feedService": {"name": "feed"}}}
    assert ok.status_code == httpx.codes.OK


def test_rest_endpoints_of_any_service_authenticate_with_the_same_token(server: LiveServer) -> None:
    user_create(username="gina")
    tokens = login(server, "gina")["tokens"]
    with server.client() as client:
        ok = client.get("/api/eventtests/whoami", headers=bearer(tokens["accessToken"]))
        anonymous = client.get("/api/eventtests/whoami")
        forged = client.get("/api/eventtests/whoami", headers=bearer("forged"))
        wrong_scheme = client.get("/api/eventtests/whoami", headers={"Authorization": f"Token {tokens['accessToken']}"})
        gql(server, "mutation { logout { ok } }", token=tokens["accessToken"])
        revoked = client.get("/api/eventtests/whoami", headers=bearer(tokens["accessToken"]))

    assert ok.status_code == 200
    assert ok.json()["username"] == "gina"
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="socialapp"'
    assert forged.status_code == 401
    assert forged.json()["errors"][0]["code"] == "token_invalid"
    assert wrong_scheme.status_code == 401
    assert revoked.status_code == 401
    assert revoked.json()["errors"][0]["code"] == "token_revoked"
