"""HTTP endpoints of the media service other than GraphQL.

- `POST /api/media/images`: multipart upload (field `file`), for clients that prefer REST.
- `GET /media/<name>?expires=&signature=`: the local filesystem's signed links (embedded default).

The media port's HTTP side is the kernel's generic internal route (socialapp.ports).
"""

from __future__ import annotations

import mimetypes
import posixpath
import time
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.media import links, selectors, services, storage
from apps.media.contracts import MediaSize
from apps.media.models import Media
from apps.media.uploads import ReceivedFile, limit_uploads
from socialapp.authn.viewer import require_viewer
from socialapp.errors import InvalidInputError

# --- upload --------------------------------------------------------------------------------


def media_json(media: Media, request: HttpRequest | None = None) -> dict[str, Any]:
    """A media as the REST API shows it: its facts, and a URL per rendition once READY."""
    urls = {}
    for size in MediaSize:
        variant = selectors.variant_of(media, size)
        if variant is not None:
            url = selectors.variant_url(media, variant, request=request).as_json()
            url.pop("media_id")
            urls[size.value] = url
    return {
        "id": str(media.id),
        "status": media.status,
        "content_type": media.content_type,
        "bytes": media.size_bytes,
        "sha256": media.sha256,
        "width": media.width,
        "height": media.height,
        "frames": media.frames,
        "alt_text": media.alt_text,
        "blurhash": media.blurhash or None,
        "created_at": media.created_at.isoformat(),
        "failure": {"code": media.failure_code, "message": media.failure_message} if media.failure_code else None,
        "urls": urls,
    }


class ImageUploadView(APIView):
    """POST multipart/form-data with the image as `file` (and its `alt_text`, optional) -> 201 and the media.

    The token is checked before the body is parsed; the file is read through the size-limited
    handler (cut off at MEDIA_MAX_UPLOAD_BYTES) and checked by content. Refusals answer
    `{"errors": [{field, code, message}]}` with 400, 413, 415 or 422.
    """

    parser_classes = [MultiPartParser]
    write_rate_limit_scope = "media"  # socialapp/ratelimits.py: the uploads' budget, as uploadImage's

    def post(self, request: Request) -> Response:
        viewer = require_viewer(request)
        outcome = limit_uploads(request._request)
        files = request.FILES.getlist("file")
        if outcome.files > 1 or len(files) > 1:
            raise InvalidInputError("Send one image per request.", field="file", code="too_many_files")
        upload = files[0] if files and isinstance(files[0], ReceivedFile) else None
        media = services.media_upload(
            owner_id=viewer.user_id,
            upload=upload,
            oversized=outcome.oversized_field is not None,
            alt_text=str(request.data.get("alt_text") or ""),
        )
        return Response(media_json(media, request._request), status=201)


# --- local links ---------------------------------------------------------------------------


@require_safe
def serve_local_media(request: HttpRequest, name: str) -> HttpResponseBase:
    """A variant on the local filesystem, for a link this app signed and that has not expired."""
    try:
        expires = links.check_link(name, expires=request.GET.get("expires"), signature=request.GET.get("signature"))
    except links.LinkRefused as refusal:
        return JsonResponse({"errors": [{"field": None, "code": refusal.code, "message": refusal.message}]}, status=403)
    media_storage = storage.media_storage()
    if not isinstance(media_storage, FileSystemStorage) or posixpath.normpath(name) != name:
        raise Http404
    try:
        handle = media_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    remaining = max(0, expires - int(time.time()))
    response["Cache-Control"] = storage.CACHE_CONTROL.format(seconds=remaining)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
