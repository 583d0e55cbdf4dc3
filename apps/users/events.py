"""Event handlers the users service registers (its published event types live in contracts.py)."""

from __future__ import annotations

from apps.auth.contracts import UserRegistered
from apps.users.services import profile_create
from socialapp.eventing import Envelope, event_handler


@event_handler(UserRegistered)
def create_profile_for_new_identity(event: UserRegistered, envelope: Envelope) -> None:
    """Every identity gets a profile. Redelivery is absorbed twice over: by the inbox (same
    event id) and by `profile_create` being idempotent on the user id (a re-announcement)."""
    profile_create(user_id=event.user_id, username=event.username)
