"""Readers see the images (issue 14), end to end over HTTP and through both media ports: the
server answers the media port in process, or asks a separate media server over HTTP
(`MEDIA_PORT=http` with `INTERNAL_TOKEN`). Both servers share the test databases and one
local storage; events are delivered in process (the monolith's default)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import Image

from apps.media.models import Media, MediaAttachment
from tests.auth_helpers import access_token_for, bearer
from tests.conftest import ALL_DATABASES
from tests.feed.factories import make_author, make_follow, make_reader
from tests.live_server import LiveServer, live_server
from tests.media import images
from tests.users.factories import make_profile

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

TOKEN = "images-test-token"

RENDITION = "url width height contentType expiresAt"
URLS = f"original {{ {RENDITION} }} large {{ {RENDITION} }} small {{ {RENDITION} }}"
ATTACHMENT = f"id type width height altText blurhash urls {{ {URLS} }}"
NODE = f"id media {{ {ATTACHMENT} }} author {{ username avatar {{ {ATTACHMENT} }} }}"
HOME = f"{{ homeFeed(first: 20) {{ edges {{ node {{ {NODE} }} }} }} }}"


@pytest.fixture(scope="module")
def shared_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("images")


@pytest.fixture(scope="module")
def media_server(django_db_setup: None, shared_data: Path) -> Iterator[LiveServer]:
    with live_server(shared_data, DATA_DIR=str(shared_data), SOCIALAPP_SERVICES="media", INTERNAL_TOKEN=TOKEN) as s:
        yield s


@pytest.fixture(scope="module", params=["inprocess", "http"])
def server(request: pytest.FixtureRequest, django_db_setup: None, shared_data: Path) -> Iterator[LiveServer]:
    env = {"DATA_DIR": str(shared_data), "INTERNAL_TOKEN": TOKEN}
    if request.param == "http":
        media: LiveServer = request.getfixturevalue("media_server")
        env |= {"MEDIA_PORT": "http", "MEDIA_PORT_URL": media.url}
    with live_server(shared_data, **env) as running:
        yield running


class User:
    def __init__(self, server: LiveServer, username: str) -> None:
        self.server = server
        self.id = uuid.uuid4()
        self.username = username
        make_author(user_id=self.id, username=username, display_name=username)
        make_profile(user_id=self.id, username=username)
        self.headers = bearer(access_token_for(self.id, username))

    def gql(self, query: str, **variables: Any) -> Any:
        response = httpx.post(
            f"{self.server.url}/graphql/", json={"query": query, "variables": variables}, headers=self.headers
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    def upload(self, data: bytes, alt_text: str = "") -> str:
        response = httpx.post(
            f"{self.server.url}/api/media/images",
            files={"file": ("image.jpg", data, "image/jpeg")},
            data={"alt_text": alt_text},
            headers=self.headers,
            timeout=30,
        )
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "READY"
        return str(response.json()["id"])


def fetch_image(url: str) -> Image.Image:
    assert urlsplit(url).scheme == "http", url  # absolute: a client fetches it as it is
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, (url, response.text)
    return Image.open(io.BytesIO(response.content))


CREATE = (
    "mutation($c: String!, $m: [ID!]) { createPost(content: $c, mediaIds: $m) { post { id } errors { code field } } }"
)
MEDIA_URL = "query($id: ID!) { mediaUrl(id: $id, size: SMALL) { url } }"


def test_a_followers_home_feed_shows_the_images_and_only_while_the_post_lives(server: LiveServer) -> None:
    alice, bob = User(server, "alice"), User(server, "bob")
    make_follow(bob.id, alice.id)
    make_reader(bob.id)
    image = alice.upload(images.jpeg(1600, 1200), alt_text="A red square\non a white wall")
    kept_back = alice.upload(images.jpeg(800, 600))

    created = alice.gql(CREATE, c="Look #photo", m=[image])["createPost"]
    assert created["errors"] == []
    post_id = created["post"]["id"]

    edges = bob.gql(HOME)["homeFeed"]["edges"]
    assert [edge["node"]["id"] for edge in edges] == [post_id]
    [attachment] = edges[0]["node"]["media"]
    assert (attachment["id"], attachment["type"], attachment["width"], attachment["height"]) == (
        image,
        "IMAGE",
        1600,
        1200,
    )
    assert attachment["altText"] == "A red square\non a white wall"
    assert len(attachment["blurhash"]) > 6
    for size, expected in {"original": (1600, 1200), "large": (1080, 810), "small": (320, 240)}.items():
        rendition = attachment["urls"][size]
        assert (rendition["width"], rendition["height"]) == expected
        assert rendition["expiresAt"] is not None
        assert fetch_image(rendition["url"]).size == expected

    # A feed-issued URL works only as signed: not tampered with, not pointed at another file.
    small = attachment["urls"]["small"]["url"]
    tampered = small[:-2] + ("AA" if not small.endswith("AA") else "BB")
    retargeted = small.replace("/small-", "/large-", 1)
    for refused in (tampered, retargeted):
        assert httpx.get(refused, timeout=10).status_code == 403

    # What alice uploaded but attached to nothing stays hers alone; the attached one is in use.
    assert bob.gql(MEDIA_URL, id=kept_back)["mediaUrl"] is None
    assert alice.gql(MEDIA_URL, id=kept_back)["mediaUrl"] is not None
    assert bob.gql(MEDIA_URL, id=image)["mediaUrl"] is not None

    deleted = alice.gql("mutation($id: ID!) { deletePost(postId: $id) { errors { code } } }", id=post_id)
    assert deleted["deletePost"]["errors"] == []

    assert bob.gql(HOME)["homeFeed"]["edges"] == []
    assert bob.gql("query($id: ID!) { post(id: $id) { id } }", id=post_id)["post"] is None
    assert bob.gql(MEDIA_URL, id=image)["mediaUrl"] is None
    assert not MediaAttachment.objects.filter(media_id=uuid.UUID(image)).exists()


def test_bad_media_ids_are_typed_errors_and_nothing_is_written(server: LiveServer) -> None:
    alice, bob = User(server, "carol"), User(server, "dave")
    bobs = bob.upload(images.jpeg(400, 300))

    for media_ids in ([bobs], [str(uuid.uuid4())]):
        created = alice.gql(CREATE, c="not mine", m=media_ids)["createPost"]
        assert (created["post"], created["errors"]) == (None, [{"code": "unknown_media", "field": "mediaIds"}])
    update = "mutation($a: ID) { updateProfile(avatarMediaId: $a) { profile { avatarMediaId } errors { code } } }"
    assert alice.gql(update, a=bobs)["updateProfile"] == {"profile": None, "errors": [{"code": "unknown_media"}]}
    describe = (
        "mutation($id: ID!, $t: String!) { updateMedia(id: $id, altText: $t) { media { altText } errors { code } } }"
    )
    refusals = [(alice, "fine", "not_found"), (bob, "x" * 1501, "too_long"), (bob, "bell\x07", "control_characters")]
    for who, text, code in refusals:
        assert who.gql(describe, id=bobs, t=text)["updateMedia"] == {"media": None, "errors": [{"code": code}]}
    assert Media.objects.get(pk=bobs).alt_text == ""  # nothing written
    assert bob.gql(describe, id=bobs, t="x" * 1500)["updateMedia"]["errors"] == []


def test_an_avatar_is_checked_and_shown_to_everyone_who_sees_the_profile(server: LiveServer) -> None:
    erin, frank = User(server, "erin"), User(server, "frank")
    avatar = erin.upload(images.jpeg(600, 600), alt_text="Erin, smiling")

    update = "mutation($a: ID) { updateProfile(avatarMediaId: $a) { profile { avatarMediaId } errors { code } } }"
    assert erin.gql(update, a=avatar)["updateProfile"] == {"profile": {"avatarMediaId": avatar}, "errors": []}

    profile = frank.gql(f'{{ profile(username: "erin") {{ avatar {{ {ATTACHMENT} }} }} }}')["profile"]
    assert profile["avatar"]["altText"] == "Erin, smiling"
    assert fetch_image(profile["avatar"]["urls"]["small"]["url"]).size == (320, 320)
    assert frank.gql(MEDIA_URL, id=avatar)["mediaUrl"] is not None

    assert erin.gql(update, a=None)["updateProfile"]["errors"] == []
    assert frank.gql('{ profile(username: "erin") { avatar { id } } }')["profile"]["avatar"] is None
    assert frank.gql(MEDIA_URL, id=avatar)["mediaUrl"] is None
