"""The auth service's one door: the events it publishes on `auth-events`.

Other services never read the auth database; they learn about identities from these events
and verify access tokens locally (socialapp.authn).
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from socialapp.eventing import Event


class _AuthEvent(Event):
    topic: ClassVar[str] = "auth-events"
    source_app: ClassVar[str] = "identity"
    subject_field: ClassVar[str] = "user_id"

    user_id: uuid.UUID


class UserRegistered(_AuthEvent):
    """A new identity exists. The users service creates its profile from this."""

    event_type: ClassVar[str] = "user.registered"

    username: str


class UserLoggedIn(_AuthEvent):
    event_type: ClassVar[str] = "user.logged_in"


class UserLoggedOut(_AuthEvent):
    event_type: ClassVar[str] = "user.logged_out"
