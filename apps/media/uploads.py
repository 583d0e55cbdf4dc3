"""Receiving an upload: counted, hashed and spooled as it streams, cut off at the size limit.

Django's default handlers would keep the whole part (in memory or a temporary file) before any
check ran. This handler replaces them on the upload endpoints: it stops reading the request as
soon as the file passes MEDIA_MAX_UPLOAD_BYTES, and only one file is accepted per request.
(Under ASGI the server hands Django the body only once it has it all: `apps.media.asgi` is what
stops an oversized body at the socket.)
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopUpload
from django.http import HttpRequest

from apps.media import config

CHUNK_BYTES = 64 * 1024


class ReceivedFile(UploadedFile):
    """An uploaded file with its size and SHA-256, both counted as it arrived."""

    def __init__(self, file: IO[bytes], *, name: str, content_type: str, size: int, sha256: str) -> None:
        super().__init__(file, name=name, content_type=content_type, size=size)
        self.sha256 = sha256

    def read_all(self) -> bytes:
        if self.file is None:
            return b""
        self.file.seek(0)
        data: bytes = self.file.read()
        return data

    @classmethod
    def from_bytes(cls, data: bytes, *, name: str = "upload", content_type: str = "") -> ReceivedFile:
        spool = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
        spool.write(data)
        spool.seek(0)
        return cls(
            spool,
            name=name,
            content_type=content_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )


@dataclass
class UploadOutcome:
    """What the handler saw: which field's file passed the limit, and how many files came."""

    oversized_field: str | None = None
    files: int = 0


class LimitedUploadHandler(FileUploadHandler):
    """Spools one file, hashing it; stops the request the moment the file passes `limit`."""

    chunk_size = CHUNK_BYTES

    def __init__(self, request: HttpRequest, *, limit: int, outcome: UploadOutcome) -> None:
        super().__init__(request)
        self.limit = limit
        self.outcome = outcome
        self.file: Any = None  # Django's parser closes `handler.file` when it stops early
        self._hasher = hashlib.sha256()
        self._received = 0

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self.outcome.files += 1
        if self.outcome.files > 1:
            raise SkipFile  # one image per request; the view says so
        # Not a context manager: the file outlives this call, and Django closes it with the request.
        self.file = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115
        self._hasher = hashlib.sha256()
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self._received += len(raw_data)
        if self._received > self.limit:
            self.outcome.oversized_field = self.field_name
            raise StopUpload(connection_reset=True)  # read no further
        self._hasher.update(raw_data)
        self.file.write(raw_data)

    def file_complete(self, file_size: int) -> ReceivedFile:
        self.file.seek(0)
        return ReceivedFile(
            self.file,
            name=self.file_name or "upload",
            content_type=self.content_type or "",
            size=self._received,
            sha256=self._hasher.hexdigest(),
        )


def limit_uploads(request: HttpRequest) -> UploadOutcome:
    """Install the handler on `request`; call before anything reads request.POST or FILES."""
    outcome = UploadOutcome()
    request.upload_handlers = [LimitedUploadHandler(request, limit=config.max_upload_bytes(), outcome=outcome)]
    return outcome
