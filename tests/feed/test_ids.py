"""Post ids: time-ordered, strictly increasing in a process, exact as Redis scores (53 bits)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apps.feed.ids import MAX_ID, id_time, lowest_id_at, next_post_id


def test_ids_increase_and_fit_in_53_bits() -> None:
    ids = [next_post_id() for _ in range(10_000)]  # more than 4,096 per millisecond is likely

    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(0 < post_id <= MAX_ID for post_id in ids)
    assert float(ids[-1]) == ids[-1]  # a double holds it exactly


def test_an_id_tells_when_it_was_made() -> None:
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    post_id = next_post_id()

    assert before <= id_time(post_id) <= datetime.now(UTC) + timedelta(milliseconds=1)
    assert lowest_id_at(before) <= post_id
