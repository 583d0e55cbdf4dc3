"""The AsyncAPI document stays true: the events the handlers consume, their fields, and the
socket's close codes are all in it (the live tests validate every server message against it)."""

from __future__ import annotations

import pytest

from apps.notifications.live import close_codes
from socialapp.eventing.handlers import registered_handlers
from tests.notifications.asyncapi import (
    document,
    documented_close_codes,
    documented_event_types,
    validate_server_message,
)


def test_it_is_asyncapi_3() -> None:
    assert document()["asyncapi"].startswith("3.")


def test_every_event_the_service_consumes_is_documented_with_its_fields() -> None:
    documented = documented_event_types()
    handled = {h.event_class for h in registered_handlers(["notifications"])}

    assert {event.event_type for event in handled} <= set(documented)
    for event in handled:
        schema = documented[event.event_type]
        assert set(schema["properties"]) == set(event.model_fields), event.event_type
        required = {name for name, field in event.model_fields.items() if field.is_required()}
        assert set(schema["required"]) == required, event.event_type


def test_every_close_code_the_socket_uses_is_documented() -> None:
    assert documented_close_codes() >= close_codes.ALL


def test_a_message_that_breaks_its_schema_is_caught() -> None:
    validate_server_message({"type": "pong"})
    with pytest.raises(AssertionError):
        validate_server_message({"type": "surprise"})
    with pytest.raises(Exception, match="unreadCount"):
        validate_server_message({"type": "hello", "position": 0, "heartbeatSeconds": 1})
