"""The users service's tables, all in its own database (alias "users")."""

from apps.users.models.events import InboxMessage, OutboxMessage

__all__ = ["InboxMessage", "OutboxMessage"]
