"""Fixtures of the feed's tests."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator

import pytest

from apps.feed import services
from apps.feed.timelines.reading import recent_reads


@pytest.fixture(autouse=True)
def no_remembered_reads() -> Iterator[None]:
    """Each test starts with a process that has served no reader (as a new worker)."""
    recent_reads.clear()
    yield
    recent_reads.clear()


class FakeMediaPort:
    """The media port's contract, with uploads the test declares: owner id -> media ids."""

    def __init__(self) -> None:
        self.uploads: dict[uuid.UUID, set[uuid.UUID]] = {}
        self.calls: list[tuple[uuid.UUID, list[uuid.UUID]]] = []

    def upload(self, owner_id: uuid.UUID) -> uuid.UUID:
        media_id = uuid.uuid4()
        self.uploads.setdefault(owner_id, set()).add(media_id)
        return media_id

    def media_owned_by(self, *, owner_id: uuid.UUID, media_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        self.calls.append((owner_id, list(media_ids)))
        return set(media_ids) & self.uploads.get(owner_id, set())


@pytest.fixture
def media_port(monkeypatch: pytest.MonkeyPatch) -> FakeMediaPort:
    port = FakeMediaPort()
    monkeypatch.setattr(services, "_media_port", lambda: port)
    return port
