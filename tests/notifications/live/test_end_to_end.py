"""The seed's "Create Post" flow end to end, in process (the embedded default's event delivery):
B follows A and rings the bell; A calls `createPost` over HTTP; B's open socket receives the
notification without asking, and B's `notifications` lists it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from apps.users.services import follow_create, profile_create
from tests.auth_helpers import bearer
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer
from tests.notifications.live.sockets import receive, token, viewer_socket

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

CREATE_POST = "mutation($c: String!) { createPost(content: $c) { errors { code } post { id } } }"
SET_BELL = "mutation($u: ID!) { setPostNotifications(userId: $u, enabled: true) { errors { code } enabled } }"
LIST = "{ notifications(first: 5) { edges { node { kind actorCount post { id excerpt } actors { username } } } } }"


def gql(server: LiveServer, path: str, query: str, user_id: uuid.UUID, username: str, **variables: Any) -> Any:
    response = httpx.post(
        f"{server.url}{path}",
        json={"query": query, "variables": variables},
        headers=bearer(token(user_id, username)),
        timeout=30,
    )
    return response.json()["data"]


def test_a_new_post_reaches_a_follower_with_the_bell_live_and_in_the_list(server: LiveServer) -> None:
    ana, ben = uuid.uuid4(), uuid.uuid4()
    profile_create(user_id=ana, username="ana")
    profile_create(user_id=ben, username="ben")
    follow_create(follower_id=ben, followee_id=ana)  # delivered in process: the notifications projection has it
    assert gql(server, "/graphql/notifications/", SET_BELL, ben, "ben", u=str(ana)) == {
        "setPostNotifications": {"errors": [], "enabled": True}
    }

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], str]:
        async with viewer_socket(server, ben) as socket:
            await receive(socket)  # hello
            created = await asyncio.to_thread(
                gql, server, "/graphql/feed/", CREATE_POST, ana, "ana", c="Hello from Ana"
            )
            post_id = created["createPost"]["post"]["id"]
            seen: dict[str, dict[str, Any]] = {}
            while len(seen) < 2:  # the two arrive in either order
                message = await receive(socket)
                seen[message["type"]] = message
            return seen["notification"], seen["home.update"], post_id

    pushed, home, post_id = asyncio.run(scenario())

    assert pushed["group"]["kind"] == "post"
    assert pushed["group"]["post"] == {"id": post_id, "excerpt": "Hello from Ana"}
    assert [a["username"] for a in pushed["group"]["actors"]] == ["ana"]
    assert home == {"type": "home.update", "postId": post_id, "authorId": str(ana)}
    listed = gql(server, "/graphql/notifications/", LIST, ben, "ben")["notifications"]["edges"]
    assert [e["node"] for e in listed] == [
        {
            "kind": "POST",
            "actorCount": 1,
            "post": {"id": post_id, "excerpt": "Hello from Ana"},
            "actors": [{"username": "ana"}],
        }
    ]
