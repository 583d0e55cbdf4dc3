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
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.media import links, selectors, services, storage
from apps.media.contracts import MediaSize
from apps.media.models import Media, MediaStatus
from apps.media.uploads import ReceivedFile, limit_uploads
from socialapp.authn.viewer import require_viewer
from socialapp.errors import InvalidInputError
from socialapp.openapi import error_response

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


class ImageUploadSerializer(serializers.Serializer[Any]):
    """The upload's multipart parts (documents ImageUploadView for the OpenAPI document)."""

    file = serializers.FileField(help_text="The image: JPEG, PNG, WebP or GIF, one per request.")
    alt_text = serializers.CharField(
        required=False, allow_blank=True, max_length=1500, help_text="A description for screen readers."
    )


class MediaUrlSerializer(serializers.Serializer[Any]):
    """Where one rendition can be fetched (documents MediaUrl.as_json)."""

    size = serializers.ChoiceField(choices=[size.value for size in MediaSize])
    url = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Until when the URL works; null: public.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    content_type = serializers.CharField()


class MediaRenditionsSerializer(serializers.Serializer[Any]):
    """The renditions made so far, by size (none until the media is READY)."""

    original = MediaUrlSerializer(required=False)
    large = MediaUrlSerializer(required=False)
    small = MediaUrlSerializer(required=False)


class MediaFailureSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    message = serializers.CharField()


class MediaSerializer(serializers.Serializer[Any]):
    """A media as the REST API shows it (documents media_json)."""

    id = serializers.UUIDField()
    status = serializers.ChoiceField(choices=MediaStatus.choices)
    content_type = serializers.CharField()
    bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    frames = serializers.IntegerField()
    alt_text = serializers.CharField(allow_blank=True)
    blurhash = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    failure = MediaFailureSerializer(allow_null=True)
    urls = MediaRenditionsSerializer()


class ImageUploadView(APIView):
    """POST multipart/form-data with the image as `file` (and its `alt_text`, optional) -> 201 and the media.

    The token is checked before the body is parsed; the file is read through the size-limited
    handler (cut off at MEDIA_MAX_UPLOAD_BYTES) and checked by content. Refusals answer
    `{"errors": [{field, code, message}]}` with 400, 413, 415 or 422.
    """

    parser_classes = [MultiPartParser]
    write_rate_limit_scope = "media"  # socialapp/ratelimits.py: the uploads' budget, as uploadImage's

    @extend_schema(
        request={"multipart/form-data": ImageUploadSerializer},
        responses={
            201: MediaSerializer,
            400: error_response("No `file`, an empty one, more than one, or a part that does not parse."),
            401: error_response("No bearer token, or a malformed, expired or revoked one."),
            413: error_response("The file is larger than MEDIA_MAX_UPLOAD_BYTES."),
            415: error_response("Not an image, or not one of the formats accepted."),
            422: error_response("An image refused for what it holds (corrupt, too many pixels or frames...)."),
        },
    )
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
