"""What readers get of a media (issue 14): alt text rules, the placeholder made at processing,
where a media is in use (the projection of posts and avatars), and the signing cache."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from PIL import Image
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.feed.contracts import PostCreated, PostDeleted, PostEdited
from apps.media import events, storage
from apps.media.alt_text import check_alt_text
from apps.media.errors import AltTextControlCharactersError, AltTextTooLongError
from apps.media.models import AttachmentKind, Media, MediaAttachment
from apps.media.port import LocalMediaPort
from apps.media.selectors import media_visible_to
from apps.media.services import attachments_replace, media_delete, media_describe, media_upload
from apps.media.uploads import ReceivedFile
from apps.users.contracts import ProfileUpdated
from socialapp.errors import NotFoundError
from tests.conftest import ALL_DATABASES
from tests.media import images
from tests.media.conftest import StorageUnderTest
from tests.media.factories import make_media

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

ALICE, BOB = uuid.uuid4(), uuid.uuid4()


@pytest.mark.parametrize("text", ["", "A cat.", "line one\nline two", "é" * 1500, "emoji 🐈‍⬛"])
def test_alt_text_of_printable_text_and_line_breaks_is_kept(text: str) -> None:
    assert check_alt_text(text) == text


def test_alt_text_is_trimmed_and_crlf_becomes_lf() -> None:
    assert check_alt_text("  one\r\ntwo  ") == "one\ntwo"


@pytest.mark.parametrize("text", ["bell\x07", "nul\x00", "tab\tbed", "del\x7f", "next\x85line"])
def test_alt_text_with_control_characters_is_refused(text: str) -> None:
    with pytest.raises(AltTextControlCharactersError) as refused:
        check_alt_text(text)
    assert (refused.value.code, refused.value.field) == ("control_characters", "alt_text")


def test_alt_text_longer_than_1500_characters_is_refused() -> None:
    with pytest.raises(AltTextTooLongError) as refused:
        check_alt_text("x" * 1501)
    assert refused.value.code == "too_long"


def test_only_the_owner_describes_a_media_and_a_refusal_writes_nothing() -> None:
    media = make_media(owner_id=ALICE, alt_text="before")

    with pytest.raises(NotFoundError):
        media_describe(owner_id=BOB, media_id=media.id, alt_text="mine now")
    with pytest.raises(AltTextTooLongError):
        media_describe(owner_id=ALICE, media_id=media.id, alt_text="x" * 1501)
    assert Media.objects.get(pk=media.id).alt_text == "before"

    assert media_describe(owner_id=ALICE, media_id=media.id, alt_text=" after ").alt_text == "after"


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)  # processing runs inline on commit
def test_an_upload_with_alt_text_gets_its_blurhash_once_processed(local_storage: StorageUnderTest) -> None:
    media = media_upload(owner_id=ALICE, upload=ReceivedFile.from_bytes(images.jpeg(640, 480)), alt_text="Sky")

    assert (media.status, media.alt_text) == ("READY", "Sky")
    assert 6 < len(media.blurhash) <= 64


def test_an_upload_with_bad_alt_text_stores_nothing(local_storage: StorageUnderTest) -> None:
    with pytest.raises(AltTextControlCharactersError):
        media_upload(owner_id=ALICE, upload=ReceivedFile.from_bytes(images.jpeg(64, 48)), alt_text="\x1b[31m")

    assert not Media.objects.exists()
    assert local_storage.objects() == {}


def post_created(post_id: int, media: list[uuid.UUID]) -> PostCreated:
    return PostCreated(
        post_id=post_id,
        author_id=ALICE,
        text="hi",
        media_ids=media,
        hashtags=[],
        mentioned_user_ids=[],
        created_at="2026-12-04T12:00:00Z",  # type: ignore[arg-type]  # pydantic parses it
    )


def test_media_in_use_follow_the_posts_events_and_handling_twice_changes_nothing() -> None:
    first, second, loose = (make_media(owner_id=ALICE).id for _ in range(3))
    created = post_created(7, [first, second])

    events.attach_to_new_post(created, None)  # type: ignore[arg-type]  # the envelope is not read
    events.attach_to_new_post(created, None)  # type: ignore[arg-type]
    assert sorted(MediaAttachment.objects.values_list("media_id", flat=True)) == sorted([first, second])
    assert media_visible_to(viewer_id=BOB, media_id=first) is not None
    assert media_visible_to(viewer_id=None, media_id=second) is not None
    assert media_visible_to(viewer_id=BOB, media_id=loose) is None
    assert media_visible_to(viewer_id=ALICE, media_id=loose) is not None

    edited = PostEdited(
        post_id=7,
        author_id=ALICE,
        text="hi",
        hashtags=[],
        mentioned_user_ids=[],
        added_mentioned_user_ids=[],
        edited_at="2026-12-04T12:01:00Z",  # type: ignore[arg-type]
        media_ids=[second],
    )
    events.attach_to_edited_post(edited, None)  # type: ignore[arg-type]
    assert media_visible_to(viewer_id=BOB, media_id=first) is None

    events.detach_from_deleted_post(PostDeleted(post_id=7, author_id=ALICE), None)  # type: ignore[arg-type]
    assert not MediaAttachment.objects.exists()
    assert media_visible_to(viewer_id=BOB, media_id=second) is None


def test_an_avatar_is_in_use_until_it_is_replaced_and_a_deleted_media_is_in_use_nowhere() -> None:
    old, new = make_media(owner_id=ALICE).id, make_media(owner_id=ALICE).id

    for avatar in (old, new):
        update = ProfileUpdated(user_id=ALICE, username="alice", display_name="Alice", avatar_media_id=avatar)
        events.keep_updated_avatar(update, None)  # type: ignore[arg-type]

    assert media_visible_to(viewer_id=BOB, media_id=old) is None
    assert media_visible_to(viewer_id=BOB, media_id=new) is not None
    attachments_replace(kind=AttachmentKind.POST, used_by="9", media_ids=[new])
    media_delete(owner_id=ALICE, media_id=new)
    assert not MediaAttachment.objects.filter(media_id=new).exists()


def test_a_signed_link_is_reused_while_more_than_half_its_validity_remains(
    settings: SettingsWrapper, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.AWS_QUERYSTRING_EXPIRE = 3600
    now = [1_800_000_000.0]
    monkeypatch.setattr(storage, "time", SimpleNamespace(time=lambda: now[0]))  # this module's clock only
    storage._links.clear()

    first = storage.link("images/x/small-a.webp")
    now[0] += 1799
    assert storage.link("images/x/small-a.webp") == first
    now[0] += 2
    renewed = storage.link("images/x/small-a.webp")
    assert renewed != first
    assert renewed.expires_at is not None
    assert first.expires_at is not None
    assert renewed.expires_at > first.expires_at
    assert storage.link("images/x/large-a.webp").url != renewed.url  # a link is for one name only


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)  # processing runs inline on commit
def test_views_on_s3_are_presigned_fetch_the_stated_size_and_are_signed_once(s3_storage: StorageUnderTest) -> None:
    media = media_upload(owner_id=ALICE, upload=ReceivedFile.from_bytes(images.jpeg(640, 480)))
    storage._links.clear()

    view = LocalMediaPort().media_views(media_ids=[media.id])[media.id]

    for url in view.urls:
        assert "X-Amz-Signature=" in url.url
        fetched = httpx.get(url.url, timeout=10)
        assert fetched.status_code == 200
        assert Image.open(io.BytesIO(fetched.content)).size == (url.width, url.height)
    assert LocalMediaPort().media_views(media_ids=[media.id])[media.id].urls == view.urls  # from the cache
    # A tampered presigned URL is S3's to refuse: moto's server does not check signatures, so
    # only the local signer's refusals are tested (tests/media/test_http.py, tests/feed/test_images.py).
