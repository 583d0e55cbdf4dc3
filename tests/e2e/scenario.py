"""The end-to-end scenario, written against a base URL only: public HTTP and WebSocket paths,
per-service GraphQL endpoints (`/graphql/<service>/`; the union does not exist in the split).

Whatever travels by events (a profile after registration, a post into a follower's home feed,
a notification) arrives later in the stack (relay, Kafka, consumers) than in the single process,
so those steps poll until the result shows, up to PATIENCE, and never sleep a fixed time.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urljoin

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Origin

from tests.auth.factories import PASSWORD
from tests.media import images

# A readiness-style ceiling: generous for a loaded machine, reached only when something is broken.
PATIENCE = 90.0
T = TypeVar("T")


async def eventually(probe: Callable[[], Awaitable[T | None]], what: str, timeout: float = PATIENCE) -> T:
    """The probe's first non-None answer, asked again until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        answer = await probe()
        if answer is not None:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.2)


@dataclass
class Api:
    base_url: str
    client: httpx.AsyncClient

    async def post_graphql(
        self, service: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return await self.client.post(
            f"/graphql/{service}/", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def gql(
        self, service: str, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """The `data` of a query that must succeed (HTTP 200, no top-level errors)."""
        response = await self.post_graphql(service, query, variables, token)
        assert response.status_code == 200, f"{service}: {response.status_code} {response.text[:500]}"
        body = response.json()
        assert not body.get("errors"), f"{service}: {body['errors']}"
        data: dict[str, Any] = body["data"]
        return data

    def socket_url(self, token: str) -> str:
        return self.base_url.replace("http://", "ws://") + f"/ws/notifications/?access_token={token}"


REGISTER = (
    "mutation($u: String!, $e: String!, $p: String!) "
    "{ register(username: $u, email: $e, password: $p) { errors { code field } account { id username } } }"
)
LOGIN = (
    "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { errors { code } tokens { accessToken } } }"
)
FOLLOW = "mutation($u: String!) { followUser(username: $u) { errors { code } profile { username followersCount } } }"
MEDIA_URL = "query($id: ID!) { mediaUrl(id: $id) { url contentType } }"
POST_FIELDS = (
    "id content status likeCount commentCount hashtags author { username } mentions { username } "
    "media { id urls { original { url contentType } } }"
)
CREATE_POST = f"mutation($c: String!, $m: [ID!]) {{ createPost(content: $c, mediaIds: $m) {{ errors {{ code field }} post {{ {POST_FIELDS} }} }} }}"  # noqa: E501
HOME_FEED = f"{{ homeFeed(first: 20) {{ edges {{ node {{ {POST_FIELDS} }} }} }} }}"
LIKE = "mutation($id: ID!) { likePost(postId: $id) { errors { code } post { likeCount likedByMe } } }"
COMMENT = (
    "mutation($id: ID!, $c: String!) { addComment(postId: $id, content: $c) { errors { code } post { commentCount } } }"
)
SEARCH = "query($q: String!) { searchPosts(query: $q) { edges { node { id } } } }"
NOTIFICATIONS = "{ unreadCount notifications(first: 20) { edges { node { kind actors { username } } } } }"


@dataclass
class Person:
    username: str
    email: str
    user_id: str
    token: str


async def register_and_log_in(api: Api, name: str) -> Person:
    username = f"{name}{uuid.uuid4().hex[:8]}"
    email = f"{username}@example.com"
    registered = (await api.gql("auth", REGISTER, {"u": username, "e": email, "p": PASSWORD}))["register"]
    assert registered["errors"] == [], registered
    logged_in = (await api.gql("auth", LOGIN, {"l": email.upper(), "p": PASSWORD}))["login"]
    assert logged_in["errors"] == [], logged_in
    return Person(username, email, registered["account"]["id"], logged_in["tokens"]["accessToken"])


async def fetch_image(api: Api, url: str) -> httpx.Response:
    """A media URL as handed out (relative or absolute), fetched as a browser would."""
    response = await api.client.get(urljoin(api.base_url + "/", url))
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("image/"), response.headers
    assert len(response.content) > 100
    return response


async def next_notification(socket: ClientConnection, kind: str) -> dict[str, Any]:
    """The next pushed notification of this kind (hello, home updates and other kinds are skipped)."""
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), PATIENCE))
        if message["type"] == "notification" and str(message["group"]["kind"]).upper() == kind:
            return dict(message)


async def scenario(base_url: str) -> dict[str, Any]:
    """Register, log in, follow, upload, post with the image and a mention, home feed, like
    (pushed live over a socket opened before), comment, search, notifications. Returns what the
    test asserts on last."""
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        api = Api(base_url, client)
        alice = await register_and_log_in(api, "alice")
        bob = await register_and_log_in(api, "bob")

        # Alice's profile reaches the users service by `user.registered` (Kafka in the stack).
        async def follow() -> dict[str, Any] | None:
            followed: dict[str, Any] = (await api.gql("users", FOLLOW, {"u": alice.username}, bob.token))["followUser"]
            return followed if not followed["errors"] else None

        followed = await eventually(follow, "bob to follow alice")
        assert followed["profile"]["username"] == alice.username

        upload = await client.post(
            "/api/media/images",
            files={"file": ("sunrise.png", images.png(320, 200), "image/png")},
            headers={"Authorization": f"Bearer {alice.token}"},
        )
        assert upload.status_code == 201, upload.text
        media_id = upload.json()["id"]

        async def media_url() -> str | None:
            found = (await api.gql("media", MEDIA_URL, {"id": media_id}, alice.token))["mediaUrl"]
            return str(found["url"]) if found else None

        image_url = await eventually(media_url, "the image to be READY")
        await fetch_image(api, image_url)

        tag = uuid.uuid4().hex[:8]
        content = f"Sunrise{tag} over the bay with @{bob.username} #e2e{tag}"
        created = (await api.gql("feed", CREATE_POST, {"c": content, "m": [media_id]}, alice.token))["createPost"]
        assert created["errors"] == [], created
        post = created["post"]
        assert [m["username"] for m in post["mentions"]] == [bob.username]
        assert [m["id"] for m in post["media"]] == [media_id]

        async def in_bobs_home_feed() -> dict[str, Any] | None:
            edges = (await api.gql("feed", HOME_FEED, token=bob.token))["homeFeed"]["edges"]
            return next((e["node"] for e in edges if e["node"]["id"] == post["id"]), None)

        seen = await eventually(in_bobs_home_feed, "alice's post in bob's home feed")
        assert seen["author"]["username"] == alice.username
        await fetch_image(api, seen["media"][0]["urls"]["original"]["url"])

        async with connect(api.socket_url(alice.token), origin=Origin(base_url), open_timeout=PATIENCE) as socket:
            hello = json.loads(await asyncio.wait_for(socket.recv(), PATIENCE))
            assert hello["type"] == "hello"
            liked = (await api.gql("feed", LIKE, {"id": post["id"]}, bob.token))["likePost"]
            assert liked == {"errors": [], "post": {"likeCount": 1, "likedByMe": True}}
            pushed = await next_notification(socket, "LIKE")
        assert pushed["unreadCount"] >= 1

        commented = (await api.gql("feed", COMMENT, {"id": post["id"], "c": "Lovely!"}, bob.token))["addComment"]
        assert commented == {"errors": [], "post": {"commentCount": 1}}

        async def found_by_search() -> list[str] | None:
            edges = (await api.gql("feed", SEARCH, {"q": f"sunrise{tag}"}, bob.token))["searchPosts"]["edges"]
            ids = [e["node"]["id"] for e in edges]
            return ids or None

        assert await eventually(found_by_search, "the post in search results") == [post["id"]]

        async def alices_notifications() -> dict[str, Any] | None:
            data = await api.gql("notifications", NOTIFICATIONS, token=alice.token)
            kinds = {e["node"]["kind"] for e in data["notifications"]["edges"]}
            return data if {"FOLLOW", "LIKE", "COMMENT"} <= kinds else None

        async def bobs_mention() -> dict[str, Any] | None:
            data = await api.gql("notifications", NOTIFICATIONS, token=bob.token)
            kinds = {e["node"]["kind"] for e in data["notifications"]["edges"]}
            return data if "MENTION" in kinds else None

        alices = await eventually(alices_notifications, "alice's follow, like and comment notifications")
        bobs = await eventually(bobs_mention, "bob's mention notification")
        return {
            "alice": alices,
            "bob": bobs,
            "pushed": pushed,
            "alice_name": alice.username,
            "bob_name": bob.username,
            "image_url": urljoin(base_url + "/", image_url),
        }


async def bad_input(base_url: str) -> list[tuple[str, int, Any]]:
    """Each kind of bad input and what came back: (case, status, body)."""
    answers: list[tuple[str, int, Any]] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        api = Api(base_url, client)
        carol = await register_and_log_in(api, "carol")

        def record(case: str, response: httpx.Response) -> None:
            try:
                body = response.json()
            except ValueError:
                body = response.text
            answers.append((case, response.status_code, body))

        record("bad token", await api.post_graphql("feed", HOME_FEED, token="not-a-token"))
        record("bad token on upload", await client.post(
            "/api/media/images", files={"file": ("a.png", images.png(8, 8), "image/png")},
            headers={"Authorization": "Bearer not-a-token"},
        ))  # fmt: skip
        record("oversize text", await api.post_graphql("feed", CREATE_POST, {"c": "x" * 20_000}, carol.token))
        record("unknown id", await api.post_graphql("feed", LIKE, {"id": str(uuid.uuid4())}, carol.token))
        record("malformed id", await api.post_graphql("feed", LIKE, {"id": "no-such-id"}, carol.token))
        record("malformed JSON", await client.post(
            "/graphql/feed/", content=b'{"query": "{ homeFeed', headers={"content-type": "application/json"},
        ))  # fmt: skip
        record("not an image", await client.post(
            "/api/media/images", files={"file": ("a.png", b"GIF89a-not-really", "image/png")},
            headers={"Authorization": f"Bearer {carol.token}"},
        ))  # fmt: skip
    return answers
