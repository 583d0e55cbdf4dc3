"""The media port hands out the views it built lately again, the same objects, while nothing
changed: no query while no media changed (the shared change mark), one small query once one did,
and a new view as soon as the media, its links or the configuration change (ADR 0016)."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pydantic import TypeAdapter
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.media import selectors, storage
from apps.media.contracts import MediaView
from apps.media.models import Media
from apps.media.port import LocalMediaPort
from apps.media.services import media_delete, media_describe
from socialapp.graphql.execution import MEMO_ATTRIBUTE
from tests.conftest import ALL_DATABASES
from tests.media.conftest import StorageUnderTest
from tests.media.factories import make_media

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

OWNER = uuid.uuid4()


@pytest.fixture(autouse=True)
def nothing_kept() -> Iterator[None]:
    selectors._kept_views.clear()
    cache.delete(selectors.CHANGE_MARK_KEY)
    yield
    selectors._kept_views.clear()


def views_with_queries(media_ids: list[uuid.UUID]) -> tuple[dict[uuid.UUID, MediaView], int]:
    with CaptureQueriesContext(connections["media"]) as queries:
        views = LocalMediaPort().media_views(media_ids=media_ids)
    return views, len(queries.captured_queries)


def two_media() -> list[uuid.UUID]:
    return [make_media(owner_id=OWNER, alt_text=f"picture {n}").id for n in range(2)]


def test_unchanged_media_are_the_same_views_again_without_a_query() -> None:
    ids = two_media()
    first, first_queries = views_with_queries(ids)

    again, again_queries = views_with_queries(ids)

    assert (first_queries, again_queries) == (1, 0)
    assert all(again[media_id] is first[media_id] for media_id in ids)


def test_a_change_elsewhere_is_seen_once_the_change_mark_moves() -> None:
    ids = two_media()
    views_with_queries(ids)
    # Another process of the media service edits the alt text: the row changes, then the mark.
    Media.objects.filter(pk=ids[0]).update(alt_text="edited elsewhere", updated_at=timezone.now())
    cache.set(selectors.CHANGE_MARK_KEY, "another process's change")

    after, queries = views_with_queries(ids)

    assert after[ids[0]].alt_text == "edited elsewhere"
    assert after[ids[1]].alt_text == "picture 1"
    assert queries == 2  # which are READY and changed; then the one that changed


def test_an_unchanged_view_is_confirmed_by_one_small_query_after_the_mark_moves() -> None:
    ids = two_media()
    first, _ = views_with_queries(ids)
    cache.set(selectors.CHANGE_MARK_KEY, "some other media changed")

    again, queries = views_with_queries(ids)
    trusted, trusted_queries = views_with_queries(ids)

    assert (queries, trusted_queries) == (1, 0)
    assert all(again[media_id] is first[media_id] is trusted[media_id] for media_id in ids)


def test_a_view_is_trusted_without_asking_for_a_bounded_time_only(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = two_media()
    views_with_queries(ids)
    # A change whose mark was lost (the shared cache was down when it committed).
    Media.objects.filter(pk=ids[1]).update(alt_text="mark lost", updated_at=timezone.now())
    monkeypatch.setattr(selectors, "KEPT_TRUSTED_SECONDS", 0.0)

    after, _ = views_with_queries(ids)

    assert after[ids[1]].alt_text == "mark lost"


def test_describing_a_media_is_seen_at_once_here_and_marks_a_change_for_other_processes(
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    ids = two_media()
    views_with_queries(ids)
    mark_before = cache.get(selectors.CHANGE_MARK_KEY)

    with django_capture_on_commit_callbacks(using="media", execute=True):
        media_describe(owner_id=OWNER, media_id=ids[0], alt_text="A red kite.")
    after, _ = views_with_queries(ids)

    assert after[ids[0]].alt_text == "A red kite."
    assert cache.get(selectors.CHANGE_MARK_KEY) not in {None, mark_before}


def test_a_deleted_media_is_no_longer_answered(django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    ids = two_media()
    views_with_queries(ids)

    with django_capture_on_commit_callbacks(using="media", execute=True):
        media_delete(owner_id=OWNER, media_id=ids[0])
    after, _ = views_with_queries(ids)

    assert set(after) == {ids[1]}


def test_a_link_signed_anew_makes_a_new_view_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = two_media()
    first, _ = views_with_queries(ids)
    # Later, when the links near half their validity, they are signed again (a later expiry).
    later = time.time() + 100
    storage._links.clear()
    monkeypatch.setattr(time, "time", lambda: later)

    after, _ = views_with_queries(ids)

    assert after[ids[0]] is not first[ids[0]]
    assert after[ids[0]].urls[0].expires_at == storage.linker()(first_name(ids[0])).expires_at
    assert after[ids[0]].urls[0].expires_at != first[ids[0]].urls[0].expires_at


def first_name(media_id: uuid.UUID) -> str:
    return str(Media.objects.get(pk=media_id).variants.get(size="original").name)


def test_another_link_configuration_makes_new_views(settings: SettingsWrapper) -> None:
    ids = two_media()
    first, _ = views_with_queries(ids)
    settings.AWS_QUERYSTRING_EXPIRE = 600

    after, _ = views_with_queries(ids)

    assert after[ids[0]] is not first[ids[0]]
    expires_at = after[ids[0]].urls[0].expires_at
    assert expires_at is not None
    assert (expires_at - timezone.now()).total_seconds() <= 600


def test_an_unreachable_shared_cache_costs_the_query_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = two_media()
    first, _ = views_with_queries(ids)

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", unreachable)
    again, queries = views_with_queries(ids)
    still, still_queries = views_with_queries(ids)

    assert (queries, still_queries) == (1, 1)
    assert all(again[media_id] is first[media_id] is still[media_id] for media_id in ids)


@pytest.mark.parametrize("presigned", [True, False])
def test_views_of_s3_links_are_kept_too(
    s3_storage: StorageUnderTest, settings: SettingsWrapper, presigned: bool
) -> None:
    settings.AWS_QUERYSTRING_AUTH = presigned  # False: public URLs, made anew (equal) on every call
    ids = two_media()
    first, _ = views_with_queries(ids)

    again, queries = views_with_queries(ids)

    assert queries == 0
    assert all(again[media_id] is first[media_id] for media_id in ids)
    assert first[ids[0]].urls[0].url.startswith(str(s3_storage.endpoint))
    assert (first[ids[0]].urls[0].expires_at is None) is not presigned


def test_what_graphql_keeps_on_a_view_stays_out_of_its_equality_and_of_the_http_port() -> None:
    ids = two_media()
    view = views_with_queries(ids)[0][ids[0]]
    view.__dict__[MEMO_ATTRIBUTE] = {("MediaAttachment", "https://a.example"): ((), {"id": str(ids[0])})}

    dumped = TypeAdapter(dict[uuid.UUID, MediaView]).dump_python({view.media_id: view}, mode="json")

    assert set(dumped[str(view.media_id)]) == {"media_id", "kind", "width", "height", "alt_text", "blurhash", "urls"}
    assert view == dataclasses.replace(view)
