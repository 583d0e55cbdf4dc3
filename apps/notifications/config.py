"""The notifications service's settings, each read when used (tests and deployments change them).

Each comes from Django settings if set there, else from the environment, else its default;
the README's table of variables names them all.
"""

from __future__ import annotations

import os

from django.conf import settings


def _number(name: str, default: float) -> float:
    value: object = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    if value is None or value == "":
        return default
    return float(str(value))


def stream_keep_per_user() -> int:
    """Stream entries kept per user for resuming clients (older ones: the client re-reads the list)."""
    return int(_number("NOTIFICATIONS_STREAM_KEEP", 500))


def stream_retention_days() -> int:
    """`manage.py prune_notification_stream` deletes entries older than this."""
    return int(_number("NOTIFICATIONS_STREAM_RETENTION_DAYS", 7))


def ws_max_message_bytes() -> int:
    """Largest client message accepted on the socket."""
    return int(_number("NOTIFICATIONS_WS_MAX_MESSAGE_BYTES", 4096))


def ws_max_messages() -> int:
    """Client messages accepted per `ws_rate_window_seconds` on one socket."""
    return int(_number("NOTIFICATIONS_WS_MAX_MESSAGES", 20))


def ws_rate_window_seconds() -> float:
    return _number("NOTIFICATIONS_WS_RATE_WINDOW_SECONDS", 10.0)


def ws_send_buffer() -> int:
    """Server messages waiting for one slow socket before it is closed (it resumes on reconnect)."""
    return int(_number("NOTIFICATIONS_WS_SEND_BUFFER", 256))


def presence_ttl_seconds() -> float:
    """How long a session counts as online after its last heartbeat: a dead process's ghosts last no longer."""
    return _number("NOTIFICATIONS_PRESENCE_TTL_SECONDS", 90.0)


def heartbeat_seconds() -> float:
    """How often a socket refreshes its presence and re-checks its token's revocation."""
    return _number("NOTIFICATIONS_HEARTBEAT_SECONDS", 30.0)


def home_update_max_following() -> int:
    """Followees whose posts a socket hears about as `home.update` (its subscriptions at connect)."""
    return int(_number("NOTIFICATIONS_HOME_UPDATE_MAX_FOLLOWING", 5000))
