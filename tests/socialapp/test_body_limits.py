"""Request bodies over the limit are refused from their declared length before they are read: the
ASGI server answers a 150 MB declaration at once, having read a few bytes of it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.live_server import LiveServer, live_server

pytestmark = pytest.mark.django_db(databases=["feed"], transaction=True)

DECLARED = 150 * 1024 * 1024


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("body-limits")) as running:
        yield running


def declare_and_stop(server: LiveServer, path: str, *, declared: int = DECLARED) -> tuple[int, dict[str, object]]:
    """Send headers declaring `declared` bytes and only the first few of them, then read the answer."""
    address = urlsplit(server.url)
    assert address.port is not None
    with socket.create_connection((address.hostname, address.port), timeout=30) as connection:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {declared}\r\n\r\n"
        )
        connection.sendall(head.encode() + b'{"query": "')
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    body = rest.partition(b"\r\n\r\n")[2]
    return int(status_line.split()[1]), json.loads(body)


@pytest.mark.parametrize("path", ["/graphql/feed/", "/graphql/users/", "/api/token/", "/healthz"])
def test_a_huge_declared_body_is_refused_before_it_is_sent(server: LiveServer, path: str) -> None:
    status, body = declare_and_stop(server, path)

    assert status == 413
    assert body["errors"][0]["code"] == "body_too_large"  # type: ignore[index]


def test_an_upload_path_keeps_its_own_larger_limit(server: LiveServer) -> None:
    status, body = declare_and_stop(server, "/api/media/images")

    assert status == 413
    assert body["errors"][0]["code"] == "too_large"  # type: ignore[index]  # media's own limit and error


def test_a_body_under_the_limit_is_served(server: LiveServer, tmp_path: Path) -> None:
    with server.client() as client:
        answer = client.post("/graphql/feed/", json={"query": "{ feedService { name } }"})

    assert answer.json() == {"data": {"feedService": {"name": "feed"}}}
