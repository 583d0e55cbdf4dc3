"""The profile is made from the auth service's `user.registered`, once, however often it comes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.apps import apps

from apps.auth.contracts import UserRegistered
from apps.users.events import create_profile_for_new_identity
from apps.users.models import InboxMessage, Profile
from socialapp.db import atomic_for
from socialapp.eventing import Envelope, publish
from socialapp.eventing.handlers import handlers_for, run_handler
from socialapp.eventing.testing import capture_events
from tests.conftest import ALL_DATABASES

# Transactional: the in-process bus delivers after the auth database's transaction commits.
pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


def auth_service_registers(user_id: uuid.UUID, username: str) -> Envelope:
    """What the auth service does when an identity is created: publish on its own database."""
    with capture_events() as events, atomic_for(apps.get_model("identity", "User")):
        publish(UserRegistered(user_id=user_id, username=username))
    [registered] = [e for e in events if e.type == "user.registered"]
    return registered


def test_a_registered_identity_gets_a_profile_right_after_commit() -> None:
    user_id = uuid.uuid4()

    with capture_events() as events:
        auth_service_registers(user_id, "Alice")

    profile = Profile.objects.get(pk=user_id)
    assert (profile.username, profile.display_name, profile.bio, profile.avatar_media_id) == (
        "Alice",
        "Alice",
        "",
        None,
    )
    assert (profile.followers_count, profile.following_count) == (0, 0)
    assert [(e.type, e.source, e.subject, e.data) for e in events] == [
        ("user.registered", "auth", str(user_id), {"user_id": str(user_id), "username": "Alice"}),
        (
            "user.profile_created",
            "users",
            str(user_id),
            {"user_id": str(user_id), "username": "Alice", "display_name": "Alice", "avatar_media_id": None},
        ),
    ]


def test_a_redelivered_event_is_absorbed_by_the_inbox() -> None:
    user_id = uuid.uuid4()
    registered = auth_service_registers(user_id, "alice")
    [handler] = handlers_for(registered, ["users"])

    with capture_events() as events:
        applied = run_handler(handler, UserRegistered.model_validate(registered.data), registered)

    assert applied is False
    assert Profile.objects.filter(pk=user_id).count() == 1
    assert InboxMessage.objects.filter(event_id=registered.id).count() == 1
    assert events == []


def test_running_the_handler_twice_makes_one_profile_and_keeps_its_changes() -> None:
    user_id = uuid.uuid4()
    event = UserRegistered(user_id=user_id, username="alice")
    first = Envelope(
        id=uuid.uuid4(),
        type="user.registered",
        source="auth",
        subject=str(user_id),
        time=datetime.now(UTC),
        version=1,
        data=event.model_dump(mode="json"),
    )
    # The auth service announcing the same identity twice gives two event ids: the inbox cannot help.
    second = first.model_copy(update={"id": uuid.uuid4()})
    create_profile_for_new_identity(event, first)
    Profile.objects.filter(pk=user_id).update(display_name="Alice L.")

    with capture_events() as events:
        create_profile_for_new_identity(event, second)

    assert list(Profile.objects.values_list("user_id", "display_name")) == [(user_id, "Alice L.")]
    assert events == []
