"""The media API over real HTTP (uvicorn), on each storage: REST and GraphQL multipart uploads,
the URLs they return fetched over HTTP, refusals, and uploads cut off at the socket.

The server is tests.live_server's: socialapp's application as deployed (multipart GraphQL on the
endpoints that carry uploadImage, upload bodies cut off at the ASGI layer).
"""

from __future__ import annotations

import io
import json
import select
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from PIL import ExifTags, Image

from apps.media import links
from apps.media.models import Media, MediaVariant
from tests.auth_helpers import access_token_for, bearer
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer, live_server
from tests.media import images
from tests.media.conftest import STORAGE_KINDS, StorageUnderTest, storage_under_test

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

LIMIT = 10 * 1024 * 1024
ALICE = uuid.UUID("00000000-0000-4000-8000-00000000a11c")
BOB = uuid.UUID("00000000-0000-4000-8000-000000000b0b")

UPLOAD = """
mutation($file: Upload!) {
  uploadImage(file: $file) {
    errors { field code message }
    media {
      id status contentType bytes width height frames
      url(size: SMALL) { size url width height contentType expiresAt }
      variants { size width height contentType url { url } }
    }
  }
}"""


@dataclass
class Served:
    server: LiveServer
    storage: StorageUnderTest


@pytest.fixture(scope="module", params=STORAGE_KINDS)
def served(
    request: pytest.FixtureRequest, django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    base = tmp_path_factory.mktemp(f"media-http-{request.param}")
    storage = storage_under_test(request.param, base, request)
    with live_server(base, **storage.server_env()) as server:
        yield Served(server, storage)


@pytest.fixture
def api(served: Served) -> Served:
    served.storage.clear()
    return served


def token(user_id: uuid.UUID = ALICE) -> dict[str, str]:
    return bearer(access_token_for(user_id, f"user-{str(user_id)[-4:]}"))


def rest_upload(served: Served, data: bytes, *, headers: dict[str, str] | None = None) -> httpx.Response:
    with served.server.client() as client:
        return client.post(
            "/api/media/images",
            files={"file": ("photo.jpg", data, "image/jpeg")},
            headers=token() if headers is None else headers,
        )


def graphql_upload(
    served: Served, data: bytes, *, headers: dict[str, str] | None = None, path: str = "/graphql/media/"
) -> dict[str, Any]:
    operations = {"query": UPLOAD, "variables": {"file": None}}
    with served.server.client() as client:
        response = client.post(
            path,
            data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
            files={"0": ("photo.png", data, "image/png")},
            headers=token() if headers is None else headers,
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def gql(served: Served, query: str, *, user: uuid.UUID | None = ALICE, **variables: Any) -> dict[str, Any]:
    with served.server.client() as client:
        response = client.post(
            "/graphql/media/",
            json={"query": query, "variables": variables},
            headers=token(user) if user is not None else {},
        )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def fetched_image(url: str) -> tuple[httpx.Response, Image.Image]:
    response = httpx.get(url, timeout=10)
    assert response.status_code == 200, (url, response.text)
    return response, Image.open(io.BytesIO(response.content))


# --- REST ----------------------------------------------------------------------------------


def test_a_rest_upload_answers_the_media_with_urls_that_fetch_each_rendition(api: Served) -> None:
    data = images.jpeg(1600, 1200)

    response = rest_upload(api, data)

    assert response.status_code == 201, response.text
    body = response.json()
    media = Media.objects.get()
    assert len(media.blurhash) > 6  # computed once, when processing made the variants
    assert body == {
        "id": str(media.id),
        "status": "READY",
        "content_type": "image/jpeg",
        "bytes": len(data),
        "sha256": media.sha256,
        "width": 1600,
        "height": 1200,
        "frames": 1,
        "alt_text": "",
        "blurhash": media.blurhash,
        "created_at": media.created_at.isoformat(),
        "failure": None,
        "urls": {
            size: {
                "size": size,
                "url": body["urls"][size]["url"],
                "expires_at": body["urls"][size]["expires_at"],
                "width": width,
                "height": height,
                "content_type": content_type,
            }
            for size, width, height, content_type in [
                ("original", 1600, 1200, "image/jpeg"),
                ("large", 1080, 810, "image/webp"),
                ("small", 320, 240, "image/webp"),
            ]
        },
    }
    for rendition in body["urls"].values():
        fetched, image = fetched_image(rendition["url"])
        assert fetched.headers["content-type"] == rendition["content_type"]
        assert image.size == (rendition["width"], rendition["height"])
        assert image.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
        assert "private" in fetched.headers["cache-control"]


def test_urls_are_private_signed_and_expire(api: Served) -> None:
    url = rest_upload(api, images.png()).json()["urls"]["large"]["url"]
    unsigned = url.split("?")[0]

    assert httpx.get(unsigned).status_code == 403
    if api.storage.kind == "s3":
        assert "X-Amz-Expires=3600" in url
    else:
        assert url.startswith(api.server.url + "/media/images/")
        name = urlsplit(unsigned).path.removeprefix("/media/")
        tampered = url.replace("signature=", "signature=x")
        assert httpx.get(tampered).json() == {
            "errors": [
                {"field": None, "code": "invalid_signature", "message": "This media link's signature is not valid."}
            ]
        }
        expired = api.server.url + links.signed_path(name, expires=int(time.time()) - 1)
        assert httpx.get(expired).status_code == 403
        assert httpx.get(expired).json()["errors"][0]["code"] == "link_expired"
        other = links.signed_path(name, expires=int(time.time()) + 60).replace(name, name.replace("large", "small"))
        assert httpx.get(api.server.url + other).json()["errors"][0]["code"] == "invalid_signature"


def test_an_upload_without_a_token_is_refused_and_nothing_is_stored(api: Served) -> None:
    response = rest_upload(api, images.jpeg(), headers={})

    assert response.status_code == 401
    assert response.json() == {
        "errors": [{"field": None, "code": "not_authenticated", "message": "Log in first: this needs an access token."}]
    }
    assert Media.objects.count() == 0
    assert api.storage.objects() == {}


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (images.SVG, 415, "unsupported_format"),
        (images.HTML, 415, "not_an_image"),
        (images.png_with_trailing_data(), 422, "polyglot"),
        (images.truncated(images.jpeg()), 422, "truncated"),
        (images.png_claiming(30000, 30000), 422, "too_many_pixels"),
    ],
    ids=["svg", "html", "polyglot", "truncated", "bomb"],
)
def test_refused_uploads_answer_their_error_and_store_nothing(api: Served, data: bytes, status: int, code: str) -> None:
    response = rest_upload(api, data)

    assert response.status_code == status
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("file", code)
    assert Media.objects.count() == 0
    assert api.storage.objects() == {}


def test_a_request_without_the_file_part_says_what_to_send(api: Served) -> None:
    with api.server.client() as client:
        response = client.post(
            "/api/media/images", files={"image": ("a.png", images.png(), "image/png")}, headers=token()
        )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "field": "file",
                "code": "required",
                "message": "Attach the image as the `file` part of a multipart/form-data request.",
            }
        ]
    }


# --- GraphQL multipart ---------------------------------------------------------------------


def test_a_graphql_multipart_upload_returns_the_media_and_its_urls(api: Served) -> None:
    data = images.png(800, 400, mode="RGBA")

    body = graphql_upload(api, data)

    payload = body["data"]["uploadImage"]
    assert payload["errors"] == []
    media = payload["media"]
    assert {k: media[k] for k in ("status", "contentType", "bytes", "width", "height", "frames")} == {
        "status": "READY",
        "contentType": "image/png",
        "bytes": len(data),
        "width": 800,
        "height": 400,
        "frames": 1,
    }
    assert {k: media["url"][k] for k in ("size", "width", "height", "contentType")} == {
        "size": "SMALL",
        "width": 320,
        "height": 160,
        "contentType": "image/webp",
    }
    assert [(v["size"], v["width"], v["contentType"]) for v in media["variants"]] == [
        ("ORIGINAL", 800, "image/png"),
        ("LARGE", 800, "image/webp"),
        ("SMALL", 320, "image/webp"),
    ]
    _, image = fetched_image(media["url"]["url"])
    assert (image.size, image.mode) == ((320, 160), "RGBA")


def test_the_union_schema_takes_uploads_too(api: Served) -> None:
    body = graphql_upload(api, images.gif(frames=3), path="/graphql/")

    media = body["data"]["uploadImage"]["media"]
    assert (media["status"], media["contentType"], media["frames"]) == ("READY", "image/gif", 3)


def test_graphql_upload_refusals_are_typed_payload_errors(api: Served) -> None:
    body = graphql_upload(api, images.SVG)

    assert body == {
        "data": {
            "uploadImage": {
                "errors": [
                    {
                        "field": "file",
                        "code": "unsupported_format",
                        "message": "An SVG image (it can carry scripts) is not accepted. "
                        "Upload a JPEG, PNG, WebP and GIF image.",
                    }
                ],
                "media": None,
            }
        }
    }
    assert api.storage.objects() == {}


def test_a_graphql_upload_without_a_token_is_refused(api: Served) -> None:
    body = graphql_upload(api, images.png(), headers={})

    assert body["data"]["uploadImage"] == {
        "errors": [
            {"field": None, "code": "not_authenticated", "message": "Log in first: this needs an access token."}
        ],
        "media": None,
    }
    assert api.storage.objects() == {}


def test_a_malformed_multipart_request_is_a_bad_request(api: Served) -> None:
    with api.server.client() as client:
        response = client.post(
            "/graphql/media/",
            data={"operations": json.dumps({"query": UPLOAD, "variables": {"file": None}}), "map": '{"0": ["file"]}'},
            files={"0": ("a.png", images.png(), "image/png")},
            headers=token(),
        )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "A file can only be a variable; 'file' is not a variables path.",
                "extensions": {"code": "invalid_request"},
            }
        ]
    }


def test_an_image_too_big_to_process_in_a_request_is_answered_at_once_and_processed_after(api: Served) -> None:
    # The animation of issue 15: 300 frames of 400 x 400 (48 million pixels of work, over the
    # 16 million processed inline when there is no broker). Its processing took 8-12 s inside
    # the upload's request; it now happens on a thread once the upload has answered.
    response = rest_upload(api, images.gif(400, 400, frames=300))

    assert response.status_code == 201, response.text
    assert response.json()["status"] == "PROCESSING"
    media_id = response.json()["id"]
    started = time.monotonic()
    while (status := gql(api, MEDIA, id=media_id)["data"]["media"]["status"]) == "PROCESSING":
        assert time.monotonic() - started < 240, "never processed"
        time.sleep(0.2)
    assert status == "READY"


def test_a_file_mapped_into_a_variable_that_is_not_an_upload_is_a_bad_request(api: Served) -> None:
    query = "mutation($t: String) { updateProfile(displayName: $t) { errors { code } } }"
    with api.server.client() as client:
        response = client.post(
            "/graphql/media/",
            data={
                "operations": json.dumps({"query": query, "variables": {"t": None}}),
                "map": '{"0": ["variables.t"]}',
            },
            files={"0": ("a.png", images.png(), "image/png")},
            headers=token(),
        )

    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "message": "A file can only fill a variable of type Upload; 'variables.t' is not one.",
                "extensions": {"code": "invalid_request"},
            }
        ]
    }
    assert not [line for line in api.server.log_lines() if '"level": "ERROR"' in line]


# --- reading and deleting ------------------------------------------------------------------

MEDIA = "query($id: ID!) { media(id: $id) { id status width } }"
MEDIA_URL = "query($id: ID!, $size: MediaSize) { mediaUrl(id: $id, size: $size) { size url width expiresAt } }"
MY_MEDIA = """query($first: Int, $after: String) {
  myMedia(first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
}"""
DELETE = "mutation($id: ID!) { deleteMedia(id: $id) { deletedId errors { field code message } } }"


def test_only_the_owner_reads_a_media_and_its_urls(api: Served) -> None:
    media_id = rest_upload(api, images.jpeg()).json()["id"]

    mine = gql(api, MEDIA_URL, id=media_id, size="LARGE")["data"]["mediaUrl"]
    assert (mine["size"], mine["width"]) == ("LARGE", 1080)
    assert mine["expiresAt"] is not None
    fetched_image(mine["url"])
    assert gql(api, MEDIA, id=media_id)["data"]["media"] == {"id": media_id, "status": "READY", "width": 1600}
    assert gql(api, MEDIA, user=BOB, id=media_id)["data"]["media"] is None
    assert gql(api, MEDIA_URL, user=BOB, id=media_id)["data"]["mediaUrl"] is None
    anonymous = gql(api, MEDIA, user=None, id=media_id)
    assert anonymous["errors"][0]["extensions"]["code"] == "not_authenticated"


def test_my_media_pages_newest_first(api: Served) -> None:
    ids = [rest_upload(api, images.png(60 + i, 40)).json()["id"] for i in range(3)]
    rest_upload(api, images.png(), headers=token(BOB))

    first = gql(api, MY_MEDIA, first=2)["data"]["myMedia"]
    second = gql(api, MY_MEDIA, first=2, after=first["pageInfo"]["endCursor"])["data"]["myMedia"]

    assert [edge["node"]["id"] for edge in first["edges"] + second["edges"]] == ids[::-1]
    assert (first["pageInfo"]["hasNextPage"], second["pageInfo"]["hasNextPage"]) == (True, False)


def test_the_owner_deletes_a_media_its_files_and_urls_go_with_it(api: Served) -> None:
    body = rest_upload(api, images.jpeg()).json()
    url = body["urls"]["original"]["url"]

    assert gql(api, DELETE, user=BOB, id=body["id"])["data"]["deleteMedia"] == {
        "deletedId": None,
        "errors": [{"field": "id", "code": "not_found", "message": "You have no media with this id."}],
    }
    assert gql(api, DELETE, id=body["id"])["data"]["deleteMedia"] == {"deletedId": body["id"], "errors": []}

    assert Media.objects.count() == 0
    assert MediaVariant.objects.count() == 0
    assert api.storage.objects() == {}
    assert httpx.get(url).status_code == 404


# --- cut off at the socket -----------------------------------------------------------------


def send_until_answered(server: LiveServer, head: bytes, chunks: Iterator[bytes]) -> tuple[int, int, bytes]:
    """Send the request head, then body chunks until the server answers (or stops reading);
    returns (status, body bytes sent, response body)."""
    address = urlsplit(server.url)
    sock = socket.create_connection((address.hostname, address.port or 80), timeout=10)
    sent = 0
    try:
        sock.sendall(head)
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the answer is there: stop sending
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                break
            sent += len(chunk)
        response = b""
        while b"\r\n\r\n" not in response or len(response.split(b"\r\n\r\n", 1)[1]) < _length(response):
            part = sock.recv(65536)
            if not part:
                break
            response += part
    finally:
        sock.close()
    status = int(response.split(b" ", 2)[1])
    return status, sent, response.split(b"\r\n\r\n", 1)[1]


def _length(response: bytes) -> int:
    for line in response.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def multipart_head(path: str, *, content_length: int | None) -> bytes:
    auth = token()["Authorization"]
    framing = f"Content-Length: {content_length}" if content_length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\n"
        f"Content-Type: multipart/form-data; boundary=xyz\r\n{framing}\r\n\r\n"
    ).encode()


PART = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'


def test_a_declared_oversized_upload_is_refused_before_its_body_is_read(api: Served) -> None:
    declared = 200 * 1024 * 1024
    chunks = (PART if i == 0 else b"\xff" * 65536 for i in range(declared // 65536))

    started = time.monotonic()
    status, sent, body = send_until_answered(
        api.server, multipart_head("/api/media/images", content_length=declared), chunks
    )

    assert status == 413
    assert json.loads(body) == {
        "errors": [
            {
                "field": "file",
                "code": "too_large",
                "message": "The file is larger than the 10 MB limit (10485760 bytes).",
            }
        ]
    }
    assert sent < 16 * 1024 * 1024  # of 200 MB: the answer came before the body
    assert time.monotonic() - started < 5
    assert api.storage.objects() == {}


def test_a_streamed_oversized_upload_is_cut_off_once_past_the_limit(api: Served) -> None:
    def chunked() -> Iterator[bytes]:
        yield b"%x\r\n%s\r\n" % (len(PART), PART)
        for _ in range(200 * 16):  # 200 MB in 64 KB chunks, never all sent
            yield b"10000\r\n" + b"\xff" * 65536 + b"\r\n"

    status, sent, body = send_until_answered(
        api.server, multipart_head("/api/media/images", content_length=None), chunked()
    )

    assert status == 413
    assert json.loads(body)["errors"][0]["code"] == "too_large"
    assert LIMIT < sent < LIMIT + 16 * 1024 * 1024  # the limit, plus what the socket buffers held
    assert api.storage.objects() == {}


def test_graphql_uploads_are_cut_off_too(api: Served) -> None:
    declared = 50 * 1024 * 1024
    status, _sent, body = send_until_answered(
        api.server, multipart_head("/graphql/media/", content_length=declared), iter([PART])
    )

    assert status == 413
    assert json.loads(body) == {
        "errors": [
            {
                "message": "The file is larger than the 10 MB limit (10485760 bytes).",
                "extensions": {"code": "too_large", "field": "file"},
            }
        ]
    }
