"""Close codes of /ws/notifications/ (documented in docs/asyncapi/notifications.yaml; a test
checks that every code here is there)."""

from __future__ import annotations

from socialapp.errors import NotAuthenticatedError

UNSUPPORTED_DATA = 1003  # a binary frame: the protocol is JSON text
MESSAGE_TOO_BIG = 1009  # a client message over NOTIFICATIONS_WS_MAX_MESSAGE_BYTES
TOKEN_EXPIRED = 4001  # at the handshake or while connected: reconnect with a fresh token
SLOW_CONSUMER = 4008  # the client did not read: its send buffer filled (it resumes on reconnect)
BAD_MESSAGE = 4400  # not JSON, not an object with a string `type`, or bad arguments
NOT_AUTHENTICATED = 4401  # no token, or one that is not valid
TOKEN_REVOKED = 4403  # the token was revoked (logout), at the handshake or while connected
TOO_MANY_MESSAGES = 4429  # more than NOTIFICATIONS_WS_MAX_MESSAGES per window

ALL = {
    UNSUPPORTED_DATA,
    MESSAGE_TOO_BIG,
    TOKEN_EXPIRED,
    SLOW_CONSUMER,
    BAD_MESSAGE,
    NOT_AUTHENTICATED,
    TOKEN_REVOKED,
    TOO_MANY_MESSAGES,
}


def for_auth_error(error: NotAuthenticatedError | None) -> int:
    if error is not None and error.code == "token_expired":
        return TOKEN_EXPIRED
    if error is not None and error.code == "token_revoked":
        return TOKEN_REVOKED
    return NOT_AUTHENTICATED
