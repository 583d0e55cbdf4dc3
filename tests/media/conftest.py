"""Fixtures of the media tests: the two storages (the local filesystem and a real S3 endpoint,
moto's server), each empty at the start of a test, and a view of everything stored in them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

STORAGE_KINDS = ["local", "s3"]
REGION = "us-east-1"


@dataclass
class StorageUnderTest:
    """One of the two storages, as the tests look into it (not through the code under test)."""

    kind: str
    root: Path | None = None  # local
    bucket: str | None = None  # s3
    endpoint: str | None = None  # s3

    def client(self) -> Any:
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION)

    def objects(self) -> dict[str, bytes]:
        """Every stored object, by name, with its bytes."""
        if self.kind == "local":
            assert self.root is not None
            if not self.root.exists():
                return {}
            return {str(p.relative_to(self.root)): p.read_bytes() for p in self.root.rglob("*") if p.is_file()}
        client = self.client()
        listed = client.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return {item["Key"]: client.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read() for item in listed}

    def clear(self) -> None:
        if self.kind == "local":
            assert self.root is not None
            for path in self.root.rglob("*") if self.root.exists() else []:
                if path.is_file():
                    path.unlink()
        else:
            client = self.client()
            for item in client.list_objects_v2(Bucket=self.bucket).get("Contents", []):
                client.delete_object(Bucket=self.bucket, Key=item["Key"])

    def put(self, name: str, data: bytes) -> None:
        if self.kind == "local":
            assert self.root is not None
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        else:
            self.client().put_object(Bucket=self.bucket, Key=name, Body=data)

    def server_env(self) -> dict[str, str]:
        """Environment of a live server using this storage."""
        if self.kind == "local":
            assert self.root is not None
            return {"DATA_DIR": str(self.root.parent)}
        assert self.bucket is not None
        assert self.endpoint is not None
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": REGION,
        }


def new_bucket(endpoint: str) -> str:
    bucket = f"media-{uuid.uuid4().hex[:16]}"
    boto3.client("s3", endpoint_url=endpoint, region_name=REGION).create_bucket(Bucket=bucket)
    return bucket


def storage_under_test(kind: str, base: Path, request: pytest.FixtureRequest) -> StorageUnderTest:
    if kind == "local":
        return StorageUnderTest(kind="local", root=base / "media")
    endpoint: str = request.getfixturevalue("s3_endpoint")
    return StorageUnderTest(kind="s3", bucket=new_bucket(endpoint), endpoint=endpoint)


def use_storage(settings: SettingsWrapper, storage: StorageUnderTest) -> None:
    """Point this process's default storage at `storage` (restored after the test)."""
    if storage.kind == "local":
        backend = "django.core.files.storage.FileSystemStorage"
        settings.MEDIA_ROOT = storage.root
    else:
        backend = "storages.backends.s3.S3Storage"
        settings.AWS_STORAGE_BUCKET_NAME = storage.bucket
        settings.AWS_S3_ENDPOINT_URL = storage.endpoint
        settings.AWS_S3_REGION_NAME = REGION
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": backend}}


@pytest.fixture(params=STORAGE_KINDS)
def media_storage(request: pytest.FixtureRequest, settings: SettingsWrapper, tmp_path: Path) -> StorageUnderTest:
    """Each storage in turn, empty, as this process's default storage."""
    storage = storage_under_test(request.param, tmp_path, request)
    use_storage(settings, storage)
    return storage


@pytest.fixture
def s3_storage(request: pytest.FixtureRequest, settings: SettingsWrapper, tmp_path: Path) -> StorageUnderTest:
    storage = storage_under_test("s3", tmp_path, request)
    use_storage(settings, storage)
    return storage


@pytest.fixture
def local_storage(request: pytest.FixtureRequest, settings: SettingsWrapper, tmp_path: Path) -> StorageUnderTest:
    storage = storage_under_test("local", tmp_path, request)
    use_storage(settings, storage)
    return storage
