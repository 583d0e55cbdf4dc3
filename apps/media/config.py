"""The media service's settings, each read when used (so tests and deployments can change them).

None of them is in socialapp/settings.py yet; each has its default here, named in the README's
table of variables once added there.
"""

from __future__ import annotations

from django.conf import settings

MB = 1024 * 1024


def max_upload_bytes() -> int:
    """The largest image accepted, counted while it streams in (10 MB)."""
    return int(getattr(settings, "MEDIA_MAX_UPLOAD_BYTES", 10 * MB))


def max_pixels() -> int:
    """Width x height of one frame: what a decoded image may cost in memory (40 megapixels)."""
    return int(getattr(settings, "MEDIA_MAX_PIXELS", 40_000_000))


def max_frames() -> int:
    """Frames of an animated GIF, PNG or WebP."""
    return int(getattr(settings, "MEDIA_MAX_FRAMES", 300))


def max_animation_pixels() -> int:
    """Width x height x frames of an animation: every frame is decoded and resized."""
    return int(getattr(settings, "MEDIA_MAX_ANIMATION_PIXELS", 50_000_000))


def thumbnail_format() -> str:
    """`webp` (keeps transparency and animation) or `jpeg`."""
    value = str(getattr(settings, "MEDIA_THUMBNAIL_FORMAT", "webp")).lower()
    return "jpeg" if value in {"jpeg", "jpg"} else "webp"


def urls_presigned() -> bool:
    """S3 URLs are presigned and expire (MEDIA_URLS_PRESIGNED); local URLs are always signed."""
    return bool(getattr(settings, "AWS_QUERYSTRING_AUTH", True))


def url_expiry_seconds() -> int:
    """How long a media URL works (MEDIA_URL_EXPIRY_SECONDS, shared with S3's presigning)."""
    return int(getattr(settings, "AWS_QUERYSTRING_EXPIRE", 3600))


def direct_upload_expiry_seconds() -> int:
    """How long a presigned POST accepts the upload."""
    return int(getattr(settings, "MEDIA_DIRECT_UPLOAD_EXPIRY_SECONDS", 900))


def direct_upload_completion_seconds() -> int:
    """How long after `requestImageUpload` its upload can still be completed."""
    return direct_upload_expiry_seconds() + int(getattr(settings, "MEDIA_DIRECT_UPLOAD_GRACE_SECONDS", 3600))


def stuck_after_seconds() -> int:
    """A media still PROCESSING after this long is handed to the task queue again."""
    return int(getattr(settings, "MEDIA_PROCESSING_STUCK_SECONDS", 600))


def tasks_run_inline() -> bool:
    """No Celery broker: tasks run in the process that enqueues them (the embedded default)."""
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def inline_processing_pixels() -> int:
    """The most work (pixels x frames) processed inside the upload's request when tasks run inline."""
    return int(getattr(settings, "MEDIA_INLINE_PROCESSING_PIXELS", 16_000_000))
