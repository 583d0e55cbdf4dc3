"""The AsyncAPI document as a validator: every server message a test receives must match the
schema of its `type`."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry
from referencing.jsonschema import DRAFT202012

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "asyncapi" / "notifications.yaml"
BASE = "urn:socialapp:asyncapi:notifications"


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
    return loaded


@cache
def _validators() -> dict[str, Draft202012Validator]:
    """Server message type -> a validator of its payload (the `pushToClient` operation's messages)."""
    doc = document()
    registry: Registry[Any] = Registry().with_resource(BASE, DRAFT202012.create_resource(doc))
    validators = {}
    for ref in doc["operations"]["pushToClient"]["messages"]:
        name = ref["$ref"].rsplit("/", 1)[-1]
        payload = doc["components"]["messages"][name]["payload"]
        validators[payload["properties"]["type"]["const"]] = Draft202012Validator(
            {"$ref": f"{BASE}#/components/messages/{name}/payload"}, registry=registry
        )
    return validators


def validate_server_message(message: dict[str, Any]) -> None:
    """Raises if the message's type is undocumented or it does not match its schema."""
    validator = _validators().get(message.get("type", ""))
    if validator is None:
        raise AssertionError(f"server message type {message.get('type')!r} is not in {DOCUMENT.name}")
    validator.validate(message)


def documented_close_codes() -> set[int]:
    return {int(entry["code"]) for entry in document()["channels"]["notificationsSocket"]["x-close-codes"]}


def documented_event_types() -> dict[str, dict[str, Any]]:
    """Event type -> its `data` schema, for every Kafka message the document lists."""
    messages = document()["components"]["messages"]
    return {m["name"]: m["x-data"] for m in messages.values() if "x-data" in m}
