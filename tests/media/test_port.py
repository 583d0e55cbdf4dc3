"""The media port, as the feed will use it: one contract, run over both adapters (in-process,
and HTTP against a live media server), then what only the HTTP side has (transport failures,
the internal endpoints' token)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.media.contracts import (
    MAX_IDS_PER_CALL,
    HttpMediaPort,
    InProcessMediaPort,
    MediaPort,
    MediaSize,
    media_port,
)
from apps.media.errors import MediaPortUnavailableError
from apps.media.models import MediaStatus
from apps.media.services import media_upload
from apps.media.uploads import ReceivedFile
from tests.components import free_port
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer, live_server
from tests.media import images
from tests.media.conftest import StorageUnderTest, storage_under_test, use_storage
from tests.media.factories import make_media

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

ALICE = uuid.UUID("00000000-0000-4000-8000-00000000a11c")
BOB = uuid.UUID("00000000-0000-4000-8000-000000000b0b")


@pytest.fixture(scope="module")
def shared_storage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media-port")


@pytest.fixture(scope="module")
def server(django_db_setup: None, shared_storage: Path) -> Iterator[LiveServer]:
    with live_server(shared_storage, DATA_DIR=str(shared_storage)) as running:
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
        return InProcessMediaPort()
    live: LiveServer = request.getfixturevalue("server")
    return HttpMediaPort(live.url)


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


def test_too_many_ids_in_one_call_is_a_programming_error(port: MediaPort) -> None:
    with pytest.raises(ValueError, match=f"at most {MAX_IDS_PER_CALL} media ids per call"):
        port.media_owned_by(owner_id=ALICE, media_ids=[uuid.uuid4() for _ in range(MAX_IDS_PER_CALL + 1)])


# --- choosing the adapter ------------------------------------------------------------------


def test_settings_choose_the_adapter(settings: SettingsWrapper) -> None:
    assert isinstance(media_port(), InProcessMediaPort)

    settings.MEDIA_PORT = "http"
    settings.MEDIA_PORT_URL = "http://media.socialapp.svc:8080/"
    settings.MEDIA_INTERNAL_TOKEN = "s3cret"
    adapter = media_port()
    assert isinstance(adapter, HttpMediaPort)
    assert (adapter.base_url, adapter.token) == ("http://media.socialapp.svc:8080", "s3cret")

    settings.MEDIA_PORT = "carrier-pigeon"
    with pytest.raises(ValueError, match="MEDIA_PORT must be 'inprocess' or 'http', not 'carrier-pigeon'"):
        media_port()


# --- the HTTP side -------------------------------------------------------------------------


def test_an_unreachable_media_service_is_a_typed_error() -> None:
    adapter = HttpMediaPort(f"http://127.0.0.1:{free_port()}", timeout=1)

    with pytest.raises(MediaPortUnavailableError) as failed:
        adapter.media_owned_by(owner_id=ALICE, media_ids=[uuid.uuid4()])

    assert (failed.value.code, failed.value.http_status) == ("media_unavailable", 503)
    assert failed.value.message.startswith("The media service did not answer: ")


def internal(path: str, body: object, *, token: str | None = None) -> tuple[int, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = Client().post(path, json.dumps(body), content_type="application/json", headers=headers)
    return response.status_code, response.json()


def test_the_internal_endpoints_want_the_service_token_when_one_is_set(settings: SettingsWrapper) -> None:
    settings.MEDIA_INTERNAL_TOKEN = "s3cret"
    media = make_media(owner_id=ALICE)
    body = {"owner_id": str(ALICE), "media_ids": [str(media.id)]}

    assert internal("/internal/media/ownership", body) == (
        401,
        {
            "errors": [
                {
                    "field": None,
                    "code": "not_authenticated",
                    "message": "This internal endpoint needs the service token.",
                }
            ]
        },
    )
    assert internal("/internal/media/ownership", body, token="wrong") == (
        403,
        {"errors": [{"field": None, "code": "forbidden", "message": "The service token is not valid."}]},
    )
    assert internal("/internal/media/ownership", body, token="s3cret") == (
        200,
        {"owned": [str(media.id)]},
    )


def test_the_internal_endpoints_refuse_malformed_requests() -> None:
    status, body = internal("/internal/media/urls", {"media_ids": ["nope"], "size": "huge"})

    assert status == 400
    assert body == {
        "errors": [
            {"field": "media_ids", "code": "invalid", "message": "Every media id must be a UUID."},
            {"field": "size", "code": "invalid_choice", "message": '"huge" is not a valid choice.'},
        ]
    }
