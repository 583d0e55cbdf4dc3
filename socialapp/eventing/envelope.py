"""The JSON envelope every event travels in (outbox row, Kafka message value, handler input)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from socialapp.eventing.errors import MalformedEventError


class Envelope(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: uuid.UUID = Field(description="Unique per event: the idempotency key of every handler.")
    type: str = Field(min_length=1, description="e.g. post.created")
    source: str = Field(min_length=1, description="The publishing service.")
    subject: str = Field(min_length=1, description="The aggregate id; the Kafka key.")
    time: datetime
    version: int = Field(ge=1)
    data: dict[str, Any]

    @classmethod
    def parse(cls, raw: bytes | str | None) -> Envelope:
        if raw is None:
            raise MalformedEventError("empty message")
        try:
            return cls.model_validate_json(raw)
        except ValidationError as error:
            raise MalformedEventError(f"not an event envelope: {error.errors(include_url=False)}") from error

    def to_json(self) -> str:
        return self.model_dump_json()
