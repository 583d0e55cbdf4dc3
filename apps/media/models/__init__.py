"""The media service's tables, all in its own database (alias "media")."""

from apps.media.models.attachment import AttachmentKind, MediaAttachment
from apps.media.models.events import InboxMessage, OutboxMessage
from apps.media.models.media import Media, MediaStatus
from apps.media.models.variant import MediaVariant

__all__ = [
    "AttachmentKind",
    "InboxMessage",
    "Media",
    "MediaAttachment",
    "MediaStatus",
    "MediaVariant",
    "OutboxMessage",
]
