"""The notifications port answered in this process (the HTTP adapter's server calls this too)."""

from __future__ import annotations

import uuid

from apps.notifications import selectors
from apps.notifications.contracts import MAX_IDS_PER_CALL, NotificationsPort


class LocalNotificationsPort(NotificationsPort):
    def post_notifications_enabled_among(
        self, *, subscriber_id: uuid.UUID, user_ids: list[uuid.UUID]
    ) -> set[uuid.UUID]:
        ids = list(dict.fromkeys(user_ids))
        if len(ids) > MAX_IDS_PER_CALL:
            raise ValueError(f"at most {MAX_IDS_PER_CALL} user ids per call (got {len(ids)})")
        return selectors.post_notifications_enabled_among(subscriber_id=subscriber_id, user_ids=ids)
