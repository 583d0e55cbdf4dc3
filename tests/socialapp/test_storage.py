"""Media storage: the local filesystem by default, S3 (here: moto's real S3 server) when a
bucket is configured, both behind Django's storage API with private, expiring URLs on S3."""

from __future__ import annotations

import boto3
import httpx
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from pytest_django.fixtures import Settings as SettingsWrapper
from storages.backends.s3 import S3Storage


def test_the_embedded_default_stores_media_on_the_local_filesystem(settings: SettingsWrapper, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    storage = FileSystemStorage()
    name = storage.save("images/a.txt", ContentFile(b"hello"))
    assert (tmp_path / name).read_bytes() == b"hello"


def test_a_configured_bucket_stores_media_on_s3_with_expiring_private_urls(
    settings: SettingsWrapper, s3_endpoint: str
) -> None:
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1").create_bucket(Bucket="media-test")
    settings.AWS_STORAGE_BUCKET_NAME = "media-test"
    settings.AWS_S3_ENDPOINT_URL = s3_endpoint
    settings.AWS_S3_REGION_NAME = "us-east-1"
    storage = S3Storage()

    name = storage.save("images/a.txt", ContentFile(b"hello s3"))
    url = storage.url(name)

    assert storage.exists(name)
    assert "X-Amz-Expires=3600" in url  # presigned: the object is private by default
    assert httpx.get(url).content == b"hello s3"
    unsigned = url.split("?")[0]
    assert httpx.get(unsigned).status_code == 403
    assert storage.save("images/a.txt", ContentFile(b"again")) != name  # never overwrites
