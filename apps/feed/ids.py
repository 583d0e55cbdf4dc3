"""Post ids: time-ordered 53-bit integers (a Snowflake variant), made in the process.

Why not a UUIDv7 or a full 64-bit Snowflake: a home timeline is a Redis sorted set whose
score is the post id, and a score is a double, exact only up to 2**53. An id that fits in 53
bits is its own score, so a timeline page is `ZREVRANGEBYSCORE (cursor` with no tie-breaking
member, the cursor is the id itself, and clients in JavaScript read it without rounding.
It is also half the size of a UUID in every index (posts, likes, comments, hashtags, timelines).

Layout: 41 bits of milliseconds since 2024-01-01 UTC (until 2093), then 12 bits that start at
a random value below 2,048 every millisecond and count up in this process. Ids of one process
are strictly increasing; two processes collide only when both make a post in the same
millisecond with the same low bits (about 1 in 2,048), and the primary key then refuses the
second one, which `post_create` retries with a fresh id.
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime

EPOCH_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
SEQUENCE_BITS = 12
_SEQUENCE_MASK = (1 << SEQUENCE_BITS) - 1
_HALF = 1 << (SEQUENCE_BITS - 1)
MAX_ID = (1 << 53) - 1


class _Generator:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_ms = 0
        self._sequence = 0

    def next_id(self) -> int:
        with self._lock:
            now = max(int(time.time() * 1000) - EPOCH_MS, self._last_ms)  # never backwards
            if now == self._last_ms and self._sequence < _SEQUENCE_MASK:
                self._sequence += 1
            else:
                if now == self._last_ms:  # this millisecond is used up: borrow the next one
                    now += 1
                self._last_ms = now
                # A random start in the lower half: processes rarely pick the same low bits,
                # and at least 2,048 ids remain for this millisecond.
                self._sequence = secrets.randbelow(_HALF)
            return (now << SEQUENCE_BITS) | self._sequence


_generator = _Generator()


def next_post_id() -> int:
    """A new post id, greater than every id this process made before."""
    return _generator.next_id()


def id_time(post_id: int) -> datetime:
    """When an id was made (to the millisecond)."""
    return datetime.fromtimestamp(((post_id >> SEQUENCE_BITS) + EPOCH_MS) / 1000, tz=UTC)


def lowest_id_at(moment: datetime) -> int:
    """The smallest id made at or after `moment`: bounds a time range as an id range."""
    ms = max(int(moment.timestamp() * 1000) - EPOCH_MS, 0)
    return ms << SEQUENCE_BITS
