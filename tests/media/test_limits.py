"""The size limit enforced while the upload streams, at both layers: the ASGI middleware (what a
real server runs: it stops pulling body chunks past the limit) and Django's upload handler (it
stops parsing the multipart body past the limit, and keeps nothing)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.media.asgi import MULTIPART_ALLOWANCE, limit_upload_bodies
from apps.media.models import Media
from apps.media.views import ImageUploadView
from tests.auth_helpers import access_token_for
from tests.media import images
from tests.media.conftest import StorageUnderTest

CHUNK = 64 * 1024


class FakeClient:
    """An ASGI client sending `chunks` body chunks of 64 KB, recording how many were pulled."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.pulled = 0
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        self.pulled += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": self.pulled < self.chunks}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    def status(self) -> int:
        return int(self.sent[0]["status"])

    def body(self) -> Any:
        return json.loads(b"".join(m.get("body", b"") for m in self.sent if m["type"] == "http.response.body"))


async def reading_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body as Django's ASGI handler does (a disconnect ends it without an answer)."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 201, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def call(path: str, client: FakeClient, *, content_length: int | None = None, method: str = "POST") -> None:
    headers = [(b"content-length", str(content_length).encode())] if content_length is not None else []
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    asyncio.run(limit_upload_bodies(reading_app)(scope, client.receive, client.send))  # type: ignore[arg-type]


def test_a_declared_length_over_the_limit_is_answered_without_reading_the_body(settings: SettingsWrapper) -> None:
    settings.MEDIA_MAX_UPLOAD_BYTES = 1024 * 1024
    client = FakeClient(chunks=1000)

    call("/api/media/images", client, content_length=1000 * CHUNK)

    assert (client.status(), client.pulled) == (413, 0)
    assert client.body() == {
        "errors": [
            {"field": "file", "code": "too_large", "message": "The file is larger than the 1 MB limit (1048576 bytes)."}
        ]
    }


def test_a_streamed_body_is_cut_off_at_the_first_chunk_past_the_limit(settings: SettingsWrapper) -> None:
    settings.MEDIA_MAX_UPLOAD_BYTES = 1024 * 1024
    client = FakeClient(chunks=1000)

    call("/graphql/media/", client)

    assert client.status() == 413
    assert client.pulled == (1024 * 1024 + MULTIPART_ALLOWANCE) // CHUNK + 1
    assert client.body()["errors"][0]["extensions"] == {"code": "too_large", "field": "file"}


def test_bodies_within_the_limit_and_other_paths_pass_untouched(settings: SettingsWrapper) -> None:
    settings.MEDIA_MAX_UPLOAD_BYTES = 1024 * 1024
    within, elsewhere, read = FakeClient(chunks=16), FakeClient(chunks=1000), FakeClient(chunks=1000)

    call("/api/media/images", within, content_length=16 * CHUNK)
    call("/graphql/users/", elsewhere, content_length=1000 * CHUNK)
    call("/api/media/images", read, method="GET")

    assert (within.status(), within.pulled) == (201, 16)
    assert (elsewhere.status(), elsewhere.pulled) == (201, 1000)
    assert (read.status(), read.pulled) == (201, 1000)


@pytest.mark.django_db(databases=["media"], transaction=True)
def test_the_upload_handler_stops_reading_the_request_past_the_limit(
    settings: SettingsWrapper, local_storage: StorageUnderTest
) -> None:
    """Under a server without the middleware (or a body just over the limit), Django's parser
    stops at the limit: the rest of the request is never read, and nothing is kept."""
    settings.MEDIA_MAX_UPLOAD_BYTES = 100 * 1024
    data = images.jpeg(1600, 1200) + b"\x00" * (2 * 1024 * 1024)
    request = RequestFactory().post(
        "/api/media/images",
        {"file": SimpleUploadedFile("big.jpg", data, "image/jpeg")},
        headers={"Authorization": f"Bearer {access_token_for(uuid.uuid4(), 'someone')}"},
    )

    response: Any = ImageUploadView.as_view()(request)

    assert response.status_code == 413
    assert response.data == {
        "errors": [
            {
                "field": "file",
                "code": "too_large",
                "message": "The file is larger than the 100 KB limit (102400 bytes).",
            }
        ]
    }
    stream: Any = request._stream
    assert stream.limit - stream._pos > 1024 * 1024  # most of the body was never read
    assert Media.objects.count() == 0
    assert local_storage.objects() == {}
