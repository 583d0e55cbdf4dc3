"""The auth service's tables, all in its own database (alias "auth")."""

from apps.auth.models.events import InboxMessage, OutboxMessage

__all__ = ["InboxMessage", "OutboxMessage"]
