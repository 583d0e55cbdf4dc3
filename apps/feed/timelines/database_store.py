"""Home timelines in the feed database (the embedded default: no Redis to install).

One row per (reader, post id); the row with post id 0 is the sentinel that says the timeline
is built, as member "0" is in Redis. Writes happen in the caller's transaction when there is
one (a fan-out handler's), so a timeline and the inbox row that caused it commit together.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from apps.feed.models import TimelineEntry
from socialapp.db import atomic_for

SENTINEL = 0
_CHUNK = 1000


class DatabaseTimelineStore:
    def __init__(self, *, max_entries: int) -> None:
        self.max_entries = max_entries

    def exists(self, user_id: uuid.UUID) -> bool:
        return TimelineEntry.objects.filter(user_id=user_id, post_id=SENTINEL).exists()

    def replace(self, user_id: uuid.UUID, post_ids: Sequence[int]) -> None:
        newest = sorted(set(post_ids), reverse=True)[: self.max_entries]
        with atomic_for(TimelineEntry):
            TimelineEntry.objects.filter(user_id=user_id).delete()
            TimelineEntry.objects.bulk_create(
                [TimelineEntry(user_id=user_id, post_id=post_id) for post_id in [SENTINEL, *newest]],
                ignore_conflicts=True,  # a concurrent rebuild of the same timeline wrote the same rows
            )

    def add_post_to_timelines(self, post_id: int, user_ids: Sequence[uuid.UUID]) -> None:
        for start in range(0, len(user_ids), _CHUNK):
            with atomic_for(TimelineEntry):
                built = list(
                    TimelineEntry.objects.filter(
                        user_id__in=user_ids[start : start + _CHUNK], post_id=SENTINEL
                    ).values_list("user_id", flat=True)
                )
                TimelineEntry.objects.bulk_create(
                    [TimelineEntry(user_id=user_id, post_id=post_id) for user_id in built], ignore_conflicts=True
                )
                self._trim(built)

    def add_posts_to_timeline(self, user_id: uuid.UUID, post_ids: Sequence[int]) -> None:
        newest = sorted(set(post_ids), reverse=True)[: self.max_entries]
        if not newest:
            return
        with atomic_for(TimelineEntry):
            if not self.exists(user_id):
                return
            TimelineEntry.objects.bulk_create(
                [TimelineEntry(user_id=user_id, post_id=post_id) for post_id in newest], ignore_conflicts=True
            )
            self._trim([user_id])

    def page(self, user_id: uuid.UUID, *, before: int | None, limit: int) -> list[int] | None:
        rows = TimelineEntry.objects.filter(user_id=user_id)
        if before is not None:
            rows = rows.filter(post_id__lt=before)
        # One more than asked: the sentinel (post id 0) comes back when the page reaches the
        # bottom, and no rows at all means no sentinel, so no timeline.
        ids = list(rows.order_by("-post_id").values_list("post_id", flat=True)[: limit + 1])
        if not ids:
            return None
        return [post_id for post_id in ids if post_id != SENTINEL][:limit]

    def oldest(self, user_id: uuid.UUID) -> int | None:
        oldest: int | None = (
            TimelineEntry.objects.filter(user_id=user_id, post_id__gt=SENTINEL)
            .order_by("post_id")
            .values_list("post_id", flat=True)
            .first()
        )
        return oldest

    def remove_posts_from_timeline(self, user_id: uuid.UUID, post_ids: Sequence[int]) -> None:
        for start in range(0, len(post_ids), _CHUNK):
            TimelineEntry.objects.filter(
                user_id=user_id, post_id__in=[p for p in post_ids[start : start + _CHUNK] if p != SENTINEL]
            ).delete()

    def remove_post_from_timelines(self, post_id: int, user_ids: Sequence[uuid.UUID]) -> None:
        if post_id == SENTINEL:
            return
        for start in range(0, len(user_ids), _CHUNK):
            TimelineEntry.objects.filter(user_id__in=user_ids[start : start + _CHUNK], post_id=post_id).delete()

    def keep(self, user_id: uuid.UUID, seconds: int) -> None:
        """Rows do not expire; an idle reader's timeline is rebuilt on return all the same."""

    def drop(self, user_id: uuid.UUID) -> None:
        TimelineEntry.objects.filter(user_id=user_id).delete()

    def _trim(self, user_ids: Sequence[uuid.UUID]) -> None:
        """Delete all but the newest `max_entries` posts (and the sentinel) of these timelines."""
        if not user_ids:
            return
        ranked = (
            TimelineEntry.objects.filter(user_id__in=user_ids, post_id__gt=SENTINEL)
            .annotate(rank=Window(RowNumber(), partition_by=[F("user_id")], order_by=F("post_id").desc()))
            .filter(rank__gt=self.max_entries)
            .values_list("id", flat=True)
        )
        overflow = list(ranked)
        if overflow:
            TimelineEntry.objects.filter(id__in=overflow).delete()
