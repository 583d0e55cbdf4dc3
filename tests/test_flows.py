"""Flows across services, as users see them: an identity registered with the auth service
gets its profile from the users service through `user.registered` — over HTTP in the
monolith (in-process events), and through Kafka when the services run apart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from apps.auth.services import user_register
from apps.users.models import Profile
from tests.auth.factories import PASSWORD
from tests.conftest import ALL_DATABASES
from tests.eventing.kafka_helpers import running_consumer, running_relay, wait_until
from tests.live_server import LiveServer, live_server

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


@pytest.fixture(scope="module")
def monolith(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("flows")) as server:
        yield server


def post(server: LiveServer, path: str, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    with server.client() as client:
        return client.post(path, json={"query": query, "variables": variables}, headers=headers).json()


def test_register_then_follow_someone_over_http(monolith: LiveServer) -> None:
    register = (
        "mutation($u: String!, $e: String!, $p: String!) { register(username: $u, email: $e, password: $p) "
        "{ tokens { accessToken } errors { code } } }"
    )
    alice = post(monolith, "/graphql/auth/", register, {"u": "alice", "e": "alice@example.com", "p": PASSWORD})
    post(monolith, "/graphql/auth/", register, {"u": "bob", "e": "bob@example.com", "p": PASSWORD})
    token = alice["data"]["register"]["tokens"]["accessToken"]

    profile = post(monolith, "/graphql/users/", '{ profile(username: "BOB") { username displayName } }', {})
    followed = post(
        monolith,
        "/graphql/users/",
        'mutation { followUser(username: "bob") { profile { followersCount } errors { code } } }',
        {},
        token,
    )

    assert profile["data"]["profile"] == {"username": "bob", "displayName": "bob"}
    assert followed["data"]["followUser"] == {"profile": {"followersCount": 1}, "errors": []}


@pytest.mark.kafka
def test_a_profile_is_made_through_kafka_when_the_services_run_apart(kafka: str) -> None:
    user = user_register(
        username="carol", email="carol@example.com", password=PASSWORD, client_address="127.0.0.1"
    ).user

    with running_relay("identity"), running_consumer("users"):
        wait_until(lambda: Profile.objects.filter(user_id=user.id).exists(), timeout=30, what="the profile")

    assert Profile.objects.get(user_id=user.id).username == "carol"
