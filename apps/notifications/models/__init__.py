"""The notifications service's tables, all in its own database (alias "notifications")."""

from apps.notifications.models.events import InboxMessage, OutboxMessage

__all__ = ["InboxMessage", "OutboxMessage"]
