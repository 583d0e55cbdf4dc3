"""The users service's tables, all in its own database (alias "users")."""

from apps.users.models.events import InboxMessage, OutboxMessage
from apps.users.models.follow import Follow
from apps.users.models.profile import Profile

__all__ = ["Follow", "InboxMessage", "OutboxMessage", "Profile"]
