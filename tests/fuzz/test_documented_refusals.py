"""The REST refusals the fuzz does not reach (a body over the limit, a spent login budget, an upload
that is no image) are answers docs/openapi.yaml documents: status, headers and body (ADR 0017)."""

from __future__ import annotations

import socket
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import schemathesis
from django.conf import settings

from tests.auth_helpers import bearer
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08"  # cut off after it

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


@pytest.fixture(scope="module")
def document() -> Any:
    return schemathesis.openapi.from_path(str(ROOT / "docs" / "openapi.yaml"))


def assert_documented(document: Any, path: str, response: httpx.Response) -> None:
    """The status is one the operation documents, and headers and body match it."""
    operation = document[path]["POST"]
    assert str(response.status_code) in operation.definition.raw["responses"], (
        f"{path}: {response.status_code} is not documented: {response.text[:300]}"
    )
    response.request.read()  # a multipart request is streamed; schemathesis reads what was sent
    operation.validate_response(response)


def declared_but_not_sent(server: LiveServer, path: str, declared: int) -> httpx.Response:
    """The answer to headers declaring `declared` bytes of which only a few are sent (an httpx
    client would still be writing the body when the server answers and closes)."""
    address = urlsplit(server.url)
    assert address.hostname is not None
    assert address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=60) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n{{".encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode().split("\r\n")
    headers = [(name, value) for name, _, value in (line.partition(": ") for line in header_lines)]
    response = httpx.Response(
        int(status_line.split()[1]), headers=headers, content=body, request=httpx.Request("POST", server.url + path)
    )
    response.elapsed = timedelta(0)  # what schemathesis reads of a response httpx did not time
    return response


def test_a_body_over_the_limit_is_a_documented_413(server: LiveServer, document: Any) -> None:
    response = declared_but_not_sent(server, "/api/token/", settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    assert response.status_code == 413
    assert_documented(document, "/api/token/", response)


def test_a_spent_login_budget_is_a_documented_429_with_retry_after(server: LiveServer, document: Any) -> None:
    username = f"nobody_{uuid.uuid4().hex[:8]}"
    answers = [
        httpx.post(f"{server.url}/api/token/", json={"username": username, "password": "wrong"}, timeout=60)
        for _ in range(settings.LOGIN_MAX_FAILURES_PER_ACCOUNT + 1)
    ]

    assert answers[0].status_code in {401, 429}  # 429 when this address spent its budget already
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["Retry-After"]) > 0
    for answer in answers:
        assert_documented(document, "/api/token/", answer)


@pytest.mark.parametrize(
    ("files", "statuses"),
    [
        ({"file": ("cut.png", PNG_HEADER, "image/png")}, {415, 422}),  # a broken image
        ({"file": ("note.txt", b"hello", "text/plain")}, {415}),  # no image at all
        ({"alt_text": (None, b"no file")}, {400}),
    ],
)
def test_refused_uploads_are_documented(
    server: LiveServer, document: Any, token: str, files: dict[str, Any], statuses: set[int]
) -> None:
    response = httpx.post(f"{server.url}/api/media/images", files=files, headers=bearer(token), timeout=60)

    assert response.status_code in statuses, response.text
    assert_documented(document, "/api/media/images", response)


def test_an_upload_with_a_bad_token_is_a_documented_401(server: LiveServer, document: Any) -> None:
    files = {"file": ("note.txt", b"hello", "text/plain")}
    response = httpx.post(f"{server.url}/api/media/images", files=files, headers=bearer("not.a.jwt"), timeout=60)

    assert response.status_code == 401
    assert_documented(document, "/api/media/images", response)
