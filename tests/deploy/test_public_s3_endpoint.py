"""URLs handed to browsers name the public S3 endpoint (AWS_S3_PUBLIC_ENDPOINT_URL), while the
server keeps talking to the internal one (AWS_S3_ENDPOINT_URL): in the dev overlay and in
docker-compose the internal one is an in-cluster or in-compose host (minio:9000) no browser can
resolve. The S3 server is moto's, reached internally as 127.0.0.1 and publicly as localhost (the
same server under two names, so the test can follow a link as a browser would)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import boto3
import httpx
import pytest
from django.core.files.base import ContentFile
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.media import storage as media

REGION = "us-east-1"
CLOSED_ENDPOINT = "http://127.0.0.1:9"  # nothing listens on the discard port here


@pytest.fixture
def bucket(s3_endpoint: str, settings: SettingsWrapper) -> Iterator[str]:
    name = f"public-endpoint-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.create_bucket(Bucket=name)
    settings.AWS_STORAGE_BUCKET_NAME = name
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint
    settings.AWS_S3_REGION_NAME = REGION
    settings.AWS_QUERYSTRING_AUTH = True
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}}
    yield name
    for item in client.list_objects_v2(Bucket=name).get("Contents", []):
        client.delete_object(Bucket=name, Key=item["Key"])
    client.delete_bucket(Bucket=name)


def public_name_of(internal: str) -> str:
    """The same moto server under the name a browser would use."""
    return internal.replace("127.0.0.1", "localhost")


def test_presigned_links_name_the_public_host_and_work_there(
    bucket: str, s3_endpoint: str, settings: SettingsWrapper
) -> None:
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = public_name_of(s3_endpoint)
    name = media.media_storage().save(f"images/{uuid.uuid4()}/small-x.webp", ContentFile(b"RIFF-bytes"))

    url = media.link(name).url

    assert urlparse(url).netloc == urlparse(public_name_of(s3_endpoint)).netloc
    assert "X-Amz-Signature=" in url
    fetched = httpx.get(url, timeout=10)
    assert fetched.status_code == 200
    assert fetched.content == b"RIFF-bytes"
    # The server's own storage still talks to the internal endpoint.
    assert media.media_storage().endpoint_url == s3_endpoint  # type: ignore[attr-defined]


def test_the_server_reads_and_writes_internally_even_when_the_public_host_is_unreachable_from_it(
    bucket: str, settings: SettingsWrapper
) -> None:
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = CLOSED_ENDPOINT
    storage = media.media_storage()

    name = storage.save(f"images/{uuid.uuid4()}/small-y.webp", ContentFile(b"stored"))

    assert storage.open(name).read() == b"stored"
    assert media.link(name).url.startswith(f"{CLOSED_ENDPOINT}/")


def test_unsigned_public_links_name_the_public_host(bucket: str, s3_endpoint: str, settings: SettingsWrapper) -> None:
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = public_name_of(s3_endpoint)
    settings.AWS_QUERYSTRING_AUTH = False
    settings.STORAGES = {**settings.STORAGES}  # a fresh storage reads the changed setting
    name = media.media_storage().save(f"images/{uuid.uuid4()}/small-z.webp", ContentFile(b"public"))

    url = media.link(name).url

    assert url.startswith(public_name_of(s3_endpoint) + "/")
    assert "X-Amz-Signature=" not in url


def test_direct_upload_posts_go_to_the_public_host_and_land_in_the_bucket(
    bucket: str, s3_endpoint: str, settings: SettingsWrapper
) -> None:
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = public_name_of(s3_endpoint)
    name = f"incoming/{uuid.uuid4()}"

    post = media.presigned_post(name, content_type="image/png", max_bytes=1000, expires_in=60)

    assert urlparse(post.url).netloc == urlparse(public_name_of(s3_endpoint)).netloc
    uploaded = httpx.post(post.url, data=post.fields, files={"file": ("x.png", b"png-bytes", "image/png")}, timeout=10)
    assert uploaded.status_code in (200, 201, 204), uploaded.text
    internal = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    assert internal.get_object(Bucket=bucket, Key=name)["Body"].read() == b"png-bytes"


def test_without_a_public_endpoint_links_use_the_internal_one(bucket: str, s3_endpoint: str) -> None:
    name = media.media_storage().save(f"images/{uuid.uuid4()}/small-w.webp", ContentFile(b"same"))

    assert media.link(name).url.startswith(f"{s3_endpoint}/")
