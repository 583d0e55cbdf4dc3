"""The feed service's settings, each read when used (tests and deployments can change them).

None is in socialapp/settings.py yet; each has its default here.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


def timeline_max() -> int:
    """Entries kept in one home timeline (Mastodon keeps 800); older ones fall off."""
    return int(getattr(settings, "FEED_TIMELINE_MAX", 800))


def fanout_max_followers() -> int:
    """Authors with more followers than this are not fanned out: their posts are merged at read time."""
    return int(getattr(settings, "FEED_FANOUT_MAX_FOLLOWERS", 10_000))


def fanout_batch_size() -> int:
    """Timelines written per Redis pipeline (or per database statement) during a fan-out."""
    return int(getattr(settings, "FEED_FANOUT_BATCH_SIZE", 1_000))


def inactive_after() -> timedelta:
    """Readers who have not read their home feed for this long are not fanned out to; their
    timeline is rebuilt from the database when they come back."""
    return timedelta(days=float(getattr(settings, "FEED_INACTIVE_DAYS", 7)))


def activity_write_interval() -> timedelta:
    """A reader's last read time is written at most this often (a read is not a write each time)."""
    return timedelta(seconds=float(getattr(settings, "FEED_ACTIVITY_WRITE_SECONDS", 3600)))


def post_cache_seconds() -> int:
    """How long a post row stays in the cache. Writes invalidate it; this bounds a lost invalidation."""
    return int(getattr(settings, "FEED_POST_CACHE_SECONDS", 300))


def timeline_store_name() -> str:
    """`redis` or `database`; unset: Redis when there is a Redis URL, else the database."""
    name = str(getattr(settings, "FEED_TIMELINE_STORE", "") or "").lower()
    if name in {"redis", "database"}:
        return name
    return "redis" if redis_url() else "database"


def redis_url() -> str:
    """The feed's Redis (the seed's "Feed Cache"); the shared REDIS_URL unless given its own."""
    return str(getattr(settings, "FEED_REDIS_URL", "") or getattr(settings, "REDIS_URL", "") or "")
