"""A profile shows whether the viewer rang its bell. The bell lives in the notifications service,
so the users service asks its port: once per page, in process or over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from apps.notifications.contracts import NotificationsPort
from apps.notifications.port import LocalNotificationsPort
from apps.users.models import Profile
from socialapp.ports.http_client import http_adapter
from tests.auth_helpers import access_token_for, bearer
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer, live_server
from tests.notifications.factories import make_follow
from tests.users.factories import make_follow as make_profile_follow
from tests.users.factories import make_profile

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

TOKEN = "bell-port-token"
PROFILE = "query($u: String) { profile(username: $u) { username viewerPostNotifications } }"
FOLLOWING = (
    "query($u: String) { following(username: $u, first: 50) { edges { node { username viewerPostNotifications } } } }"
)


def ask(query: str, *, as_user: Profile | None, **variables: Any) -> dict[str, Any]:
    headers = bearer(access_token_for(as_user.user_id, as_user.username)) if as_user else {}
    response = Client(headers=headers).post(
        "/graphql/users/", {"query": query, "variables": variables}, "application/json"
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def test_the_profile_says_whether_the_viewer_rang_its_bell() -> None:
    alice, bob, carol = (make_profile(username=name) for name in ("alice", "bob", "carol"))
    make_follow(alice.user_id, bob.user_id, bell=True)
    make_follow(carol.user_id, bob.user_id, bell=False)

    seen_by = {
        name: ask(PROFILE, as_user=viewer, u="bob")["profile"] for name, viewer in (("alice", alice), ("carol", carol))
    }

    assert seen_by == {
        "alice": {"username": "bob", "viewerPostNotifications": True},
        "carol": {"username": "bob", "viewerPostNotifications": False},
    }
    assert ask(PROFILE, as_user=None, u="bob")["profile"]["viewerPostNotifications"] is None


def test_a_page_of_profiles_asks_the_port_once(monkeypatch: pytest.MonkeyPatch) -> None:
    viewer = make_profile(username="viewer")
    followed = [make_profile(username=f"friend{n}") for n in range(12)]
    for n, profile in enumerate(followed):
        make_profile_follow(follower_id=viewer.user_id, followee_id=profile.user_id)
        make_follow(viewer.user_id, profile.user_id, bell=n % 3 == 0)
    calls: list[list[uuid.UUID]] = []
    real = LocalNotificationsPort.post_notifications_enabled_among

    def counting(self: LocalNotificationsPort, **arguments: Any) -> set[uuid.UUID]:
        calls.append(arguments["user_ids"])
        return real(self, **arguments)

    monkeypatch.setattr(LocalNotificationsPort, "post_notifications_enabled_among", counting)

    edges = ask(FOLLOWING, as_user=viewer, u="viewer")["following"]["edges"]

    assert len(calls) == 1
    assert sorted(calls[0]) == sorted(p.user_id for p in followed)
    rung = {edge["node"]["username"] for edge in edges if edge["node"]["viewerPostNotifications"]}
    assert rung == {f"friend{n}" for n in range(12) if n % 3 == 0}


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("bell-port"), INTERNAL_TOKEN=TOKEN) as running:
        yield running


@pytest.mark.parametrize("adapter", ["inprocess", "http"])
def test_the_port_answers_alike_in_process_and_over_http(adapter: str, request: pytest.FixtureRequest) -> None:
    port: NotificationsPort = LocalNotificationsPort()
    if adapter == "http":
        live: LiveServer = request.getfixturevalue("server")
        port = http_adapter(NotificationsPort, base_url=live.url, token=TOKEN, timeout=10)
    subscriber, rung, quiet, stranger = (uuid.uuid4() for _ in range(4))
    make_follow(subscriber, rung, bell=True)
    make_follow(subscriber, quiet, bell=False)

    assert port.post_notifications_enabled_among(subscriber_id=subscriber, user_ids=[rung, quiet, stranger]) == {rung}
    assert port.post_notifications_enabled_among(subscriber_id=subscriber, user_ids=[]) == set()
    with pytest.raises(ValueError, match="at most 200 user ids per call"):
        port.post_notifications_enabled_among(subscriber_id=subscriber, user_ids=[uuid.uuid4() for _ in range(201)])
