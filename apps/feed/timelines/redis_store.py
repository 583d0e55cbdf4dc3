"""Home timelines in Redis: one sorted set per reader, `feed:timeline:<user id>`.

Members and scores are post ids (53-bit, exact as scores). Member "0" with score 0 is the
sentinel that says the timeline is built: an empty sorted set does not exist in Redis, and a
fan-out must not create a half timeline for a reader whose timeline expired, so additions run
as a Lua script that writes only where the key exists, adds and trims in one step. A fan-out
sends these scripts in pipelined batches (FEED_FANOUT_BATCH_SIZE timelines per round trip).
Timelines expire when their reader stays away (refreshed by `keep`), so idle readers cost no
memory; they are rebuilt when they come back.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import redis

from socialapp.redis_clients import redis_client

KEY_PREFIX = "feed:timeline:"
SENTINEL = "0"

# KEYS[1] = timeline; ARGV[1] = max entries; ARGV[2..] = post ids. Ranks: 0 is the sentinel
# (score 0, below every post), so trimming removes ranks 1 .. -(max + 1): all but the newest max.
_ADD_IF_EXISTS = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i]) end
redis.call('ZREMRANGEBYRANK', KEYS[1], 1, -(tonumber(ARGV[1]) + 1))
return 1
"""

_CHUNK = 1000


def timeline_key(user_id: uuid.UUID) -> str:
    return f"{KEY_PREFIX}{user_id}"


class RedisTimelineStore:
    def __init__(self, client: redis.Redis[bytes], *, max_entries: int) -> None:
        self.client = client
        self.max_entries = max_entries
        self._add = client.register_script(_ADD_IF_EXISTS)

    @classmethod
    def for_url(cls, url: str, *, max_entries: int) -> RedisTimelineStore:
        return cls(redis_client(url), max_entries=max_entries)

    def exists(self, user_id: uuid.UUID) -> bool:
        return bool(self.client.exists(timeline_key(user_id)))

    def replace(self, user_id: uuid.UUID, post_ids: Sequence[int]) -> None:
        key = timeline_key(user_id)
        newest = sorted(set(post_ids), reverse=True)[: self.max_entries]
        members: dict[Any, float] = {SENTINEL: 0}
        members.update({str(post_id): post_id for post_id in newest})
        with self.client.pipeline(transaction=True) as pipe:  # readers never see it half built
            pipe.delete(key)
            pipe.zadd(key, members)
            pipe.execute()

    def add_post_to_timelines(self, post_id: int, user_ids: Sequence[uuid.UUID]) -> None:
        for start in range(0, len(user_ids), _CHUNK):
            with self.client.pipeline(transaction=False) as pipe:
                for user_id in user_ids[start : start + _CHUNK]:
                    self._add(keys=[timeline_key(user_id)], args=[self.max_entries, post_id], client=pipe)
                pipe.execute()

    def add_posts_to_timeline(self, user_id: uuid.UUID, post_ids: Sequence[int]) -> None:
        newest = sorted(set(post_ids), reverse=True)[: self.max_entries]
        if newest:
            self._add(keys=[timeline_key(user_id)], args=[self.max_entries, *newest])

    def page(self, user_id: uuid.UUID, *, before: int | None, limit: int) -> list[int] | None:
        upper = "+inf" if before is None else f"({before}"
        # One more than asked: the sentinel comes back when the page reaches the bottom, and an
        # empty answer means there is no sentinel, so no timeline.
        members = self.client.zrevrangebyscore(timeline_key(user_id), upper, 0, start=0, num=limit + 1)
        if not members:
            return None
        ids = [int(member) for member in members]
        return [post_id for post_id in ids if post_id != 0][:limit]

    def oldest(self, user_id: uuid.UUID) -> int | None:
        members = self.client.zrange(timeline_key(user_id), 1, 1)
        return int(members[0]) if members else None

    def remove_posts_from_timeline(self, user_id: uuid.UUID, post_ids: Sequence[int]) -> None:
        key = timeline_key(user_id)
        for start in range(0, len(post_ids), _CHUNK):
            self.client.zrem(key, *[str(post_id) for post_id in post_ids[start : start + _CHUNK]])

    def remove_post_from_timelines(self, post_id: int, user_ids: Sequence[uuid.UUID]) -> None:
        for start in range(0, len(user_ids), _CHUNK):
            with self.client.pipeline(transaction=False) as pipe:
                for user_id in user_ids[start : start + _CHUNK]:
                    pipe.zrem(timeline_key(user_id), str(post_id))
                pipe.execute()

    def keep(self, user_id: uuid.UUID, seconds: int) -> None:
        self.client.expire(timeline_key(user_id), seconds)

    def drop(self, user_id: uuid.UUID) -> None:
        self.client.delete(timeline_key(user_id))
