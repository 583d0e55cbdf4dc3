"""A page of posts with images costs one media port call, whatever its size: the page's images
and its authors' avatars go to the port together (MediaViewLoader), in process and over HTTP
(against a live media server), and the media database answers that call with one query."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.media.contracts import MAX_IDS_PER_CALL
from apps.media.models import Media
from apps.media.port import LocalMediaPort
from apps.media.services import media_describe
from socialapp.ports.http_client import PortTransport
from tests.auth_helpers import access_token_for, bearer
from tests.conftest import ALL_DATABASES
from tests.feed.factories import make_author, make_post
from tests.live_server import LiveServer, live_server
from tests.media.factories import make_media

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

TOKEN = "hydration-test-token"
PAGE = 20
QUERY = """{ postsByHashtag(tag: "pic", first: 20) { edges { node { id
  media { id altText blurhash urls { original { url } large { url } small { url } } }
  author { username avatar { id urls { small { url } } } } } } } }"""


@pytest.fixture(scope="module")
def media_server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data = tmp_path_factory.mktemp("hydration")
    with live_server(Path(data), DATA_DIR=str(data), SOCIALAPP_SERVICES="media", INTERNAL_TOKEN=TOKEN) as server:
        yield server


def page_of_posts_with_images() -> dict[int, list[str]]:
    """PAGE posts by PAGE authors, each with two images and an avatar; post id -> media ids."""
    posts = {}
    for n in range(PAGE):
        author = make_author(username=f"painter_{n}")
        author.avatar_media_id = make_media(owner_id=author.user_id).id
        author.save()
        images = [make_media(owner_id=author.user_id, alt_text=f"picture {n}.{i}").id for i in range(2)]
        post = make_post(author, content=f"#pic {n}", media_ids=[str(media_id) for media_id in images])
        posts[post.id] = [str(media_id) for media_id in images]
    return posts


def run_page(expected: dict[int, list[str]]) -> None:
    viewer = uuid.uuid4()
    client = Client(headers=bearer(access_token_for(viewer, "viewer")))
    body: Any = client.post("/graphql/", {"query": QUERY}, content_type="application/json").json()
    assert "errors" not in body, body
    edges = body["data"]["postsByHashtag"]["edges"]
    assert len(edges) == PAGE
    for edge in edges:
        node = edge["node"]
        assert [media["id"] for media in node["media"]] == expected[int(node["id"])]
        assert all(media["urls"]["small"]["url"] for media in node["media"])
        assert node["author"]["avatar"]["urls"]["small"]["url"]


def test_a_page_of_posts_with_images_is_one_port_call_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = page_of_posts_with_images()
    calls: list[int] = []
    answer = LocalMediaPort.media_views

    def counted(self: LocalMediaPort, *, media_ids: list[uuid.UUID]) -> Any:
        calls.append(len(media_ids))
        return answer(self, media_ids=media_ids)

    monkeypatch.setattr(LocalMediaPort, "media_views", counted)

    with CaptureQueriesContext(connections["media"]) as media_queries:
        run_page(expected)

    assert calls == [PAGE * 3]  # 40 images and 20 avatars, asked at once
    assert len(media_queries.captured_queries) == 1


def test_a_page_of_posts_with_images_is_one_port_call_over_http(
    media_server: LiveServer, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_PORT = "http"
    settings.MEDIA_PORT_URL = media_server.url
    settings.INTERNAL_TOKEN = TOKEN
    expected = page_of_posts_with_images()
    paths: list[str] = []
    post = PortTransport.call

    def counted(self: PortTransport, path: str, payload: dict[str, Any]) -> Any:
        paths.append(path)
        return post(self, path, payload)

    monkeypatch.setattr(PortTransport, "call", counted)

    run_page(expected)

    assert paths == ["/internal/ports/MediaPort/media_views"]


def test_a_page_with_more_images_than_one_call_carries_is_asked_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    author = make_author(username="prolific")
    expected = {}
    for n in range(MAX_IDS_PER_CALL // 4 + 1):  # 4 images each: one id more than a call may carry
        images = [str(make_media(owner_id=author.user_id).id) for _ in range(4)]
        expected[make_post(author, content=f"#many {n}", media_ids=images).id] = images
    calls: list[int] = []
    answer = LocalMediaPort.media_views

    def counted(self: LocalMediaPort, *, media_ids: list[uuid.UUID]) -> Any:
        calls.append(len(media_ids))
        return answer(self, media_ids=media_ids)

    monkeypatch.setattr(LocalMediaPort, "media_views", counted)
    query = (
        f'{{ userPosts(username: "prolific", first: {len(expected)}) {{ edges {{ node {{ id media {{ id }} }} }} }} }}'
    )
    body: Any = Client().post("/graphql/", {"query": query}, content_type="application/json").json()

    assert "errors" not in body, body
    got = {
        int(edge["node"]["id"]): [m["id"] for m in edge["node"]["media"]] for edge in body["data"]["userPosts"]["edges"]
    }
    assert got == expected
    assert calls == [MAX_IDS_PER_CALL, 4]


def test_a_page_read_again_asks_the_media_database_nothing_until_an_image_changes() -> None:
    expected = page_of_posts_with_images()
    client = Client(headers=bearer(access_token_for(uuid.uuid4(), "viewer")))

    def page(*, secure: bool = False) -> Any:
        response = client.post("/graphql/", {"query": QUERY}, content_type="application/json", secure=secure)
        body: Any = response.json()
        assert "errors" not in body, body
        return body["data"]["postsByHashtag"]["edges"]

    first = page()
    with CaptureQueriesContext(connections["media"]) as media_queries:
        again = page()
    assert len(media_queries.captured_queries) == 0
    assert again == first

    # The owner describes an image: the next page says so at once.
    media_id = next(iter(expected.values()))[0]
    owner_id = Media.objects.get(pk=media_id).owner_id
    media_describe(owner_id=owner_id, media_id=uuid.UUID(media_id), alt_text="A new description.")
    described = [media for edge in page() for media in edge["node"]["media"] if media["id"] == media_id]
    assert [media["altText"] for media in described] == ["A new description."]

    # Another origin gets its own absolute links, not the first origin's kept ones.
    secure_urls = [media["urls"]["small"]["url"] for edge in page(secure=True) for media in edge["node"]["media"]]
    assert secure_urls
    assert all(url.startswith("https://testserver/media/") for url in secure_urls)
