"""Direct uploads to the bucket (S3 only): requestImageUpload hands out a presigned POST limited
in size and type; the browser POSTs the file to the bucket; completeImageUpload checks the object
as an upload through the API is checked, and records it. The bucket is moto's real S3 server,
which (like some S3-compatible stores) does not enforce the policy's size range: the completion
does."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.media.models import Media
from tests.auth_helpers import access_token_for
from tests.conftest import ALL_DATABASES
from tests.media import images
from tests.media.conftest import StorageUnderTest
from tests.media.test_services import assert_no_metadata

# All databases: in DEBUG, graphene-django's debug middleware wraps every connection's cursor
# for good on the first in-process GraphQL request (see the media report).
pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

ALICE = uuid.UUID("00000000-0000-4000-8000-00000000a11c")
BOB = uuid.UUID("00000000-0000-4000-8000-000000000b0b")

REQUEST = """mutation($contentType: String!) {
  requestImageUpload(contentType: $contentType) {
    errors { field code message }
    upload { uploadId url fields { name value } expiresAt maxBytes }
  }
}"""
COMPLETE = """mutation($uploadId: ID!) {
  completeImageUpload(uploadId: $uploadId) {
    errors { field code message }
    media { id status contentType width height variants { size contentType } }
  }
}"""


def gql(query: str, *, user: uuid.UUID = ALICE, **variables: Any) -> dict[str, Any]:
    token = access_token_for(user, "someone")
    response = Client().post(
        "/graphql/media/",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def request_upload(content_type: str = "image/jpeg", *, user: uuid.UUID = ALICE) -> dict[str, Any]:
    payload = gql(REQUEST, user=user, contentType=content_type)["data"]["requestImageUpload"]
    assert payload["errors"] == [], payload
    upload: dict[str, Any] = payload["upload"]
    return upload


def post_to_bucket(upload: dict[str, Any], data: bytes, content_type: str = "image/jpeg") -> httpx.Response:
    fields = {field["name"]: field["value"] for field in upload["fields"]}
    return httpx.post(upload["url"], data=fields, files={"file": ("photo", data, content_type)}, timeout=10)


def complete(upload_id: str, *, user: uuid.UUID = ALICE) -> dict[str, Any]:
    payload: dict[str, Any] = gql(COMPLETE, user=user, uploadId=upload_id)["data"]["completeImageUpload"]
    return payload


def error(field: str | None, code: str, message: str) -> list[dict[str, Any]]:
    return [{"field": field, "code": code, "message": message}]


def test_a_presigned_post_then_completion_makes_a_ready_media(s3_storage: StorageUnderTest) -> None:
    data = images.jpeg(1600, 1200)
    upload = request_upload()

    posted = post_to_bucket(upload, data)
    payload = complete(upload["uploadId"])

    assert posted.status_code == 204, posted.text
    assert payload["errors"] == []
    media = payload["media"]
    assert {k: media[k] for k in ("status", "contentType", "width", "height")} == {
        "status": "READY",
        "contentType": "image/jpeg",
        "width": 1600,
        "height": 1200,
    }
    assert [(v["size"], v["contentType"]) for v in media["variants"]] == [
        ("ORIGINAL", "image/jpeg"),
        ("LARGE", "image/webp"),
        ("SMALL", "image/webp"),
    ]
    stored = s3_storage.objects()
    assert len(stored) == 3  # the uploaded object (with its GPS EXIF) is gone
    assert_no_metadata(stored)


def test_the_presigned_post_is_limited_in_size_type_key_and_time(s3_storage: StorageUnderTest) -> None:
    upload = request_upload("image/png")

    fields = {field["name"]: field["value"] for field in upload["fields"]}
    policy = json.loads(base64.b64decode(fields["policy"]))
    media_id = upload_media_id(fields)
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    assert {"key": f"incoming/{media_id}"} in policy["conditions"]
    assert fields["Content-Type"] == "image/png"
    assert upload["maxBytes"] == 10 * 1024 * 1024
    assert policy["expiration"].startswith(upload["expiresAt"][:16])


def upload_media_id(fields: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(fields["key"].removeprefix("incoming/"))


def test_completing_twice_returns_the_same_media(s3_storage: StorageUnderTest) -> None:
    upload = request_upload("image/png")
    post_to_bucket(upload, images.png(), "image/png")

    first, again = complete(upload["uploadId"]), complete(upload["uploadId"])

    assert first["media"]["id"] == again["media"]["id"]
    assert Media.objects.count() == 1


def test_only_the_type_of_image_the_bytes_are_counts(s3_storage: StorageUnderTest) -> None:
    """Declared JPEG, sent as JPEG, but the bytes are a PNG: it is recorded as what it is."""
    upload = request_upload("image/jpeg")
    post_to_bucket(upload, images.png(), "image/jpeg")

    assert complete(upload["uploadId"])["media"]["contentType"] == "image/png"


def test_an_object_that_is_not_an_image_is_refused_and_deleted(s3_storage: StorageUnderTest) -> None:
    upload = request_upload()
    post_to_bucket(upload, images.HTML)

    assert complete(upload["uploadId"]) == {
        "errors": error(
            "file",
            "not_an_image",
            "The file is not an image (it looks like an HTML or XML document). Upload a JPEG, PNG, WebP and GIF image.",
        ),
        "media": None,
    }
    assert s3_storage.objects() == {}
    assert Media.objects.count() == 0


def test_an_oversized_object_is_refused_at_completion_and_deleted(
    s3_storage: StorageUnderTest, settings: SettingsWrapper
) -> None:
    settings.MEDIA_MAX_UPLOAD_BYTES = 50_000
    upload = request_upload()
    data = images.jpeg(1600, 1200)
    assert len(data) > 50_000

    posted = post_to_bucket(upload, data)  # moto accepts it despite the policy

    assert posted.status_code == 204
    assert complete(upload["uploadId"])["errors"] == error(
        "file", "too_large", "The file is larger than the 48.8 KB limit (50000 bytes)."
    )
    assert s3_storage.objects() == {}


def test_completing_before_uploading_says_so(s3_storage: StorageUnderTest) -> None:
    upload = request_upload()

    assert complete(upload["uploadId"])["errors"] == error(
        "uploadId", "upload_missing", "Nothing has been uploaded for this upload id yet: POST the file first."
    )


def test_someone_elses_or_a_forged_upload_id_is_refused(s3_storage: StorageUnderTest) -> None:
    upload = request_upload(user=BOB)
    post_to_bucket(upload, images.jpeg())
    refused = error("uploadId", "invalid_upload", "This upload id was not issued to you.")

    assert complete(upload["uploadId"], user=ALICE)["errors"] == refused
    assert complete("not-a-token")["errors"] == refused
    assert complete(upload["uploadId"][:-2] + "xx", user=BOB)["errors"] == refused
    assert Media.objects.count() == 0


def test_an_upload_id_expires(s3_storage: StorageUnderTest, settings: SettingsWrapper) -> None:
    settings.MEDIA_DIRECT_UPLOAD_EXPIRY_SECONDS = 0
    settings.MEDIA_DIRECT_UPLOAD_GRACE_SECONDS = 0
    upload = request_upload()
    time.sleep(1.1)

    assert complete(upload["uploadId"])["errors"] == error(
        "uploadId", "upload_expired", "This upload has expired; request a new one."
    )


def test_an_unaccepted_content_type_gets_no_upload(s3_storage: StorageUnderTest) -> None:
    payload = gql(REQUEST, contentType="image/svg+xml")["data"]["requestImageUpload"]

    assert payload == {
        "errors": error(
            "contentType",
            "unsupported_format",
            "The content type 'image/svg+xml' is not accepted. Upload a JPEG, PNG, WebP and GIF image.",
        ),
        "upload": None,
    }


def test_direct_uploads_need_s3(local_storage: StorageUnderTest) -> None:
    unavailable = error(
        None,
        "direct_upload_unavailable",
        "Direct uploads need S3 storage, which this deployment does not use; use uploadImage.",
    )

    assert gql(REQUEST, contentType="image/png")["data"]["requestImageUpload"]["errors"] == unavailable
    assert complete("anything")["errors"] == unavailable
    assert Media.objects.count() == 0
