"""Media ids: UUIDv7 (RFC 9562), so ids sort by creation time.

Ids are handed to clients and other services, so they must be unguessable (74 random bits);
their time order gives keyset pagination and index locality without a second column.
"""

from __future__ import annotations

import secrets
import time
import uuid


def uuid7() -> uuid.UUID:
    milliseconds = time.time_ns() // 1_000_000
    random = secrets.randbits(74)
    value = (milliseconds & (2**48 - 1)) << 80  # unix_ts_ms
    value |= 0x7 << 76  # version
    value |= (random >> 62) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= random & (2**62 - 1)  # rand_b
    return uuid.UUID(int=value)
