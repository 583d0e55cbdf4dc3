"""The media port, as the feed uses it: one contract, run over both adapters (in-process, and
HTTP against a live media server through the kernel's internal port route)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from PIL import Image
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.media.contracts import MAX_IDS_PER_CALL, MediaKind, MediaPort, MediaSize, media_port
from apps.media.models import Media, MediaStatus
from apps.media.port import LocalMediaPort
from apps.media.services import media_upload
from apps.media.uploads import ReceivedFile
from socialapp.ports import PortUnavailableError
from socialapp.ports.http_client import http_adapter
from tests.components import free_port
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer, live_server
from tests.media import images
from tests.media.conftest import StorageUnderTest, storage_under_test, use_storage
from tests.media.factories import make_media

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

ALICE = uuid.UUID("00000000-0000-4000-8000-00000000a11c")
BOB = uuid.UUID("00000000-0000-4000-8000-000000000b0b")
TOKEN = "port-test-token"


@pytest.fixture(scope="module")
def shared_storage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media-port")


@pytest.fixture(scope="module")
def server(django_db_setup: None, shared_storage: Path) -> Iterator[LiveServer]:
    with live_server(shared_storage, DATA_DIR=str(shared_storage), INTERNAL_TOKEN=TOKEN) as running:
        yield running


@pytest.fixture
def storage(request: pytest.FixtureRequest, settings: SettingsWrapper, shared_storage: Path) -> StorageUnderTest:
    """This process and the live server share one local storage."""
    shared = storage_under_test("local", shared_storage, request)
    shared.clear()
    use_storage(settings, shared)
    return shared


@pytest.fixture(params=["inprocess", "http"])
def port(request: pytest.FixtureRequest, storage: StorageUnderTest) -> MediaPort:
    if request.param == "inprocess":
        return LocalMediaPort()
    live: LiveServer = request.getfixturevalue("server")
    return http_adapter(MediaPort, base_url=live.url, token=TOKEN, timeout=10)


# --- the contract --------------------------------------------------------------------------


def test_owned_by_answers_the_owners_ready_media_among_those_asked(port: MediaPort) -> None:
    mine = [make_media(owner_id=ALICE).id for _ in range(2)]
    processing = make_media(owner_id=ALICE, status=MediaStatus.PROCESSING).id
    failed = make_media(owner_id=ALICE, status=MediaStatus.FAILED).id
    bobs = make_media(owner_id=BOB).id
    unknown = uuid.uuid4()

    owned = port.media_owned_by(owner_id=ALICE, media_ids=[*mine, processing, failed, bobs, unknown])

    assert owned == set(mine)


def test_someone_elses_media_is_not_owned(port: MediaPort) -> None:
    bobs = make_media(owner_id=BOB).id

    assert port.media_owned_by(owner_id=ALICE, media_ids=[bobs]) == set()
    assert port.media_owned_by(owner_id=BOB, media_ids=[bobs]) == {bobs}


def test_asking_about_nothing_answers_nothing(port: MediaPort) -> None:
    assert port.media_owned_by(owner_id=ALICE, media_ids=[]) == set()
    assert port.media_urls(media_ids=[]) == {}


def test_urls_answer_the_ready_media_at_the_size_asked_and_they_fetch(port: MediaPort, server: LiveServer) -> None:
    ready = media_upload(owner_id=BOB, upload=ReceivedFile.from_bytes(images.jpeg(1600, 1200)))
    processing = make_media(owner_id=BOB, status=MediaStatus.PROCESSING).id

    urls = port.media_urls(media_ids=[ready.id, processing, uuid.uuid4()], size=MediaSize.SMALL)

    assert list(urls) == [ready.id]
    small = urls[ready.id]
    assert (small.media_id, small.size, small.width, small.height, small.content_type) == (
        ready.id,
        MediaSize.SMALL,
        320,
        240,
        "image/webp",
    )
    assert small.expires_at is not None
    # In-process, local links are paths on this app (no request tells the host): the server's.
    fetched = httpx.get(urljoin(server.url, small.url))
    assert (fetched.status_code, fetched.headers["content-type"]) == (200, "image/webp")


def test_the_default_size_is_the_large_rendition(port: MediaPort) -> None:
    ready = media_upload(owner_id=BOB, upload=ReceivedFile.from_bytes(images.jpeg(1600, 1200)))

    assert port.media_urls(media_ids=[ready.id])[ready.id].size is MediaSize.LARGE


def test_too_many_ids_in_one_call_is_a_programming_error(port: MediaPort) -> None:
    with pytest.raises(ValueError, match=f"at most {MAX_IDS_PER_CALL} media ids per call"):
        port.media_owned_by(owner_id=ALICE, media_ids=[uuid.uuid4() for _ in range(MAX_IDS_PER_CALL + 1)])


# --- choosing the adapter: see tests/socialapp/test_ports.py for the rules -----------------


def test_a_process_that_serves_media_answers_in_process(settings: SettingsWrapper) -> None:
    assert isinstance(media_port(), LocalMediaPort)

    settings.MEDIA_PORT = "http"
    settings.INTERNAL_TOKEN = "s3cret"
    assert not isinstance(media_port(), LocalMediaPort)


def test_an_unreachable_media_service_is_a_typed_error() -> None:
    adapter = http_adapter(MediaPort, base_url=f"http://127.0.0.1:{free_port()}", token=TOKEN, timeout=1)

    with pytest.raises(PortUnavailableError) as failed:
        adapter.media_owned_by(owner_id=ALICE, media_ids=[uuid.uuid4()])

    assert (failed.value.code, failed.value.http_status) == ("media_unavailable", 503)
    assert failed.value.message.startswith("The media service did not answer: ")


def test_views_answer_what_readers_need_for_the_ready_media_only(port: MediaPort, server: LiveServer) -> None:
    ready = media_upload(owner_id=BOB, upload=ReceivedFile.from_bytes(images.jpeg(1600, 1200)), alt_text="A red square")
    processing = make_media(owner_id=BOB, status=MediaStatus.PROCESSING).id
    failed = make_media(owner_id=BOB, status=MediaStatus.FAILED).id

    views = port.media_views(media_ids=[ready.id, processing, failed, uuid.uuid4()])

    assert list(views) == [ready.id]
    view = views[ready.id]
    assert (view.media_id, view.kind, view.width, view.height, view.alt_text) == (
        ready.id,
        MediaKind.IMAGE,
        1600,
        1200,
        "A red square",
    )
    assert view.blurhash == Media.objects.get(pk=ready.id).blurhash != ""
    assert [(url.size, url.width, url.height) for url in view.urls] == [
        (MediaSize.ORIGINAL, 1600, 1200),
        (MediaSize.LARGE, 1080, 810),
        (MediaSize.SMALL, 320, 240),
    ]
    for url in view.urls:
        assert url.expires_at is not None
        fetched = httpx.get(urljoin(server.url, url.url))
        assert fetched.status_code == 200
        assert Image.open(io.BytesIO(fetched.content)).size == (url.width, url.height)


def test_views_of_nothing_answer_nothing_and_too_many_is_a_programming_error(port: MediaPort) -> None:
    assert port.media_views(media_ids=[]) == {}
    with pytest.raises(ValueError, match=f"at most {MAX_IDS_PER_CALL} media ids per call"):
        port.media_views(media_ids=[uuid.uuid4() for _ in range(MAX_IDS_PER_CALL + 1)])
