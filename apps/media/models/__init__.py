"""The media service's tables, all in its own database (alias "media")."""

from apps.media.models.events import InboxMessage, OutboxMessage

__all__ = ["InboxMessage", "OutboxMessage"]
