"""The test app's port, answered in process."""

import uuid
from datetime import datetime

from tests.eventing_app.contracts import StampPort


class LocalStampPort(StampPort):
    def stamp(self, *, ids: list[uuid.UUID], at: datetime, label: str = "seen") -> dict[uuid.UUID, str]:
        if label == "boom":
            raise ValueError("label 'boom' is refused")
        return {id_: f"{label}@{at.isoformat()}" for id_ in ids}
