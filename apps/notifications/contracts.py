"""The notifications service's one door: the port other apps may ask while a request waits.

The users service shows, on a profile, whether the viewer rang its bell (asked to be told of
every new post): the bell lives here, with the follow graph the notifications service keeps.
`notifications_port()` returns the adapter configuration chooses (socialapp.ports).
"""

from __future__ import annotations

import abc
import uuid

from socialapp.ports import Port, port_for

# The most ids one call may carry (a page of profiles).
MAX_IDS_PER_CALL = 200


class NotificationsPort(Port):
    service = "notifications"
    implementation = "apps.notifications.port.LocalNotificationsPort"

    @abc.abstractmethod
    def post_notifications_enabled_among(
        self, *, subscriber_id: uuid.UUID, user_ids: list[uuid.UUID]
    ) -> set[uuid.UUID]:
        """Of `user_ids`, those whose new posts `subscriber_id` asked to be told about."""


def notifications_port() -> NotificationsPort:
    return port_for(NotificationsPort)
