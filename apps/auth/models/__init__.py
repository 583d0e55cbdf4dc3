"""The auth service's tables, all in its own database (alias "auth")."""

from apps.auth.models.events import InboxMessage, OutboxMessage
from apps.auth.models.refresh_session import RefreshSession
from apps.auth.models.user import User

__all__ = ["InboxMessage", "OutboxMessage", "RefreshSession", "User"]
