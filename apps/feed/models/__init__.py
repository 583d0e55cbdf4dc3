"""The feed service's tables, all in its own database (alias "feed")."""

from apps.feed.models.events import InboxMessage, OutboxMessage

__all__ = ["InboxMessage", "OutboxMessage"]
