"""HTTP endpoints of the media service other than GraphQL.

- `POST /api/media/images`: multipart upload (field `file`), for clients that prefer REST.
- `GET /media/<name>?expires=&signature=`: the local filesystem's signed links (embedded default).
- `POST /internal/media/ownership` and `/internal/media/urls`: the media port's HTTP adapter
  calls these over the mesh; the gateway does not route /internal/ and the mesh only lets the
  feed's identity call media. With MEDIA_INTERNAL_TOKEN set, the bearer token must match too.
"""

from __future__ import annotations

import mimetypes
import posixpath
import time
import uuid
from typing import Any

from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_safe
from rest_framework import serializers
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.media import config, links, selectors, services, storage
from apps.media.contracts import MAX_IDS_PER_CALL, MediaSize
from apps.media.models import Media
from apps.media.uploads import ReceivedFile, limit_uploads
from socialapp.authn.viewer import require_viewer
from socialapp.errors import InvalidInputError, NotAuthenticatedError, PermissionDeniedError

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
        "created_at": media.created_at.isoformat(),
        "failure": {"code": media.failure_code, "message": media.failure_message} if media.failure_code else None,
        "urls": urls,
    }


class ImageUploadView(APIView):
    """POST multipart/form-data with the image as `file` -> 201 and the media.

    The token is checked before the body is parsed; the file is read through the size-limited
    handler (cut off at MEDIA_MAX_UPLOAD_BYTES) and checked by content. Refusals answer
    `{"errors": [{field, code, message}]}` with 400, 413, 415 or 422.
    """

    parser_classes = [MultiPartParser]

    def post(self, request: Request) -> Response:
        viewer = require_viewer(request)
        outcome = limit_uploads(request._request)
        files = request.FILES.getlist("file")
        if outcome.files > 1 or len(files) > 1:
            raise InvalidInputError("Send one image per request.", field="file", code="too_many_files")
        upload = files[0] if files and isinstance(files[0], ReceivedFile) else None
        media = services.media_upload(
            owner_id=viewer.user_id, upload=upload, oversized=outcome.oversized_field is not None
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


# --- the media port's endpoints ------------------------------------------------------------


class MediaIdsField(serializers.Field):  # type: ignore[type-arg]
    """A list of up to MAX_IDS_PER_CALL media ids, with one flat error for the whole list."""

    def to_internal_value(self, data: Any) -> list[uuid.UUID]:
        if not isinstance(data, list) or len(data) > MAX_IDS_PER_CALL:
            raise serializers.ValidationError(f"A list of at most {MAX_IDS_PER_CALL} media ids.")
        try:
            return [uuid.UUID(str(value)) for value in data]
        except ValueError:
            raise serializers.ValidationError("Every media id must be a UUID.") from None

    def to_representation(self, value: list[uuid.UUID]) -> list[str]:
        return [str(media_id) for media_id in value]


class OwnershipSerializer(serializers.Serializer[Any]):
    owner_id = serializers.UUIDField()
    media_ids = MediaIdsField()


class UrlsSerializer(serializers.Serializer[Any]):
    media_ids = MediaIdsField()
    size = serializers.ChoiceField(choices=[size.value for size in MediaSize], default=MediaSize.LARGE.value)


class _InternalView(APIView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        token = config.internal_token()
        if not token:
            return
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if not given:
            raise NotAuthenticatedError("This internal endpoint needs the service token.", code="not_authenticated")
        if scheme.lower() != "bearer" or not constant_time_compare(given.strip(), token):
            raise PermissionDeniedError("The service token is not valid.")


class OwnershipView(_InternalView):
    """POST {owner_id, media_ids} -> {owned: [...]}: those READY and owned by owner_id."""

    def post(self, request: Request) -> Response:
        serializer = OwnershipSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        owned = selectors.media_owned_by(
            owner_id=serializer.validated_data["owner_id"], media_ids=serializer.validated_data["media_ids"]
        )
        return Response({"owned": sorted(str(media_id) for media_id in owned)})


class UrlsView(_InternalView):
    """POST {media_ids, size} -> {urls: [...]}: URLs of the READY ones."""

    def post(self, request: Request) -> Response:
        serializer = UrlsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        urls = selectors.media_urls(
            media_ids=serializer.validated_data["media_ids"], size=MediaSize(serializer.validated_data["size"])
        )
        ordered: list[uuid.UUID] = serializer.validated_data["media_ids"]
        return Response({"urls": [urls[media_id].as_json() for media_id in dict.fromkeys(ordered) if media_id in urls]})
