"""Hydrating images costs little: the home feed page of 20 posts with images beside the same
page without, in the same run (issue 14; target: within 15%).

Measured in process: the GraphQL request goes through Django's test client (the whole view
stack: middleware, token check, limits, the schema), not over a socket, so the figures are the
server's work per page and nothing of the network's. Two readers each follow 20 authors whose
latest posts are alike but for one image each (1600x1200 JPEG, processed for real into three
renditions on the local filesystem), and read the same query, alternately, so drift hits both
alike. The media port answers in process (one call per page); it hands out the views it built
lately again while nothing changed, and the GraphQL view reuses what it completed of them
(ADR 0016), so a warm page asks the media database nothing. Two more series show the cold
paths: the kept views forgotten before every page (one media query, every field executed), and
the signing cache cleared before every page (links signed anew, so views rebuilt).

    .venv/bin/python bench/media_hydration_bench.py [--pages 300] [--redis-url redis://127.0.0.1:6379/7]

Uses its own databases (bench_images_*, created if missing and migrated), no Redis (the shared
cache holding the media change mark is then Django's in-process cache; `--redis-url` times the
GET production makes instead, alone), and a temporary data directory. Writes
bench/results/media_hydration.json and .md.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    cpu_seconds_reference,
    distribution_ms,
    ensure_databases,
    log,
    setup_django,
    verdict,
)

DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_images"
PAGE = 20
TARGET_RATIO = 1.15
RESULTS = ROOT / "bench" / "results"

RENDITION = "url width height contentType expiresAt"
QUERY = f"""{{ homeFeed(first: {PAGE}) {{ edges {{ cursor node {{
  id content createdAt likeCount commentCount likedByMe author {{ id username displayName }}
  media {{ id type width height altText blurhash
    urls {{ original {{ {RENDITION} }} large {{ {RENDITION} }} small {{ {RENDITION} }} }} }}
}} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
# What a timeline client shows: the thumbnail and the tap-through size, not every fact of all three.
QUERY_LEAN = QUERY.replace(
    f"type width height altText blurhash\n    urls {{ original {{ {RENDITION} }} large {{ {RENDITION} }} "
    f"small {{ {RENDITION} }} }}",
    "width height altText blurhash urls { large { url } small { url } }",
)
assert QUERY_LEAN != QUERY


def configure(data_dir: str) -> None:
    setup_django(
        DATABASE_URL,
        environment={"DATA_DIR": data_dir, "JWT_KEYS_DIR": str(Path(data_dir) / "jwt-keys")},
        drop=("REDIS_URL", "CELERY_BROKER_URL", "AWS_STORAGE_BUCKET_NAME", "KAFKA_BOOTSTRAP_SERVERS"),
    )


def image_bytes(n: int) -> bytes:
    buffer = BytesIO()
    Image.radial_gradient("L").resize((1600, 1200)).convert("RGB").rotate(n * 7).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def seed() -> tuple[uuid.UUID, uuid.UUID]:
    """Two readers: one follows 20 authors whose posts carry an image, the other 20 whose alike posts carry none."""
    from apps.feed.models import Author, FollowEdge, Post, PostStatus, TimelineReader
    from apps.feed.services import post_create, post_publish
    from apps.media.services import media_upload
    from apps.media.uploads import ReceivedFile

    readers = []
    for with_images in (True, False):
        reader = uuid.uuid4()
        Author.objects.create(user_id=reader, username=f"reader_{reader.hex[:8]}")
        TimelineReader.objects.create(user_id=reader, last_read_at=datetime.now(UTC))
        for n in range(PAGE):
            author = Author.objects.create(user_id=uuid.uuid4(), username=f"a{n}_{uuid.uuid4().hex[:10]}")
            FollowEdge.objects.create(follower_id=reader, followee_id=author.user_id)
            Author.objects.filter(pk=author.user_id).update(followers_count=1)
            media = []
            if with_images:
                upload = ReceivedFile.from_bytes(image_bytes(n))
                media = [media_upload(owner_id=author.user_id, upload=upload, alt_text=f"Picture {n}").id]
            post = post_create(author_id=author.user_id, content=f"Post {n} with some #words", media_ids=media)
            post_publish(post_id=post.id)
        assert Post.objects.filter(status=PostStatus.PUBLISHED).count() >= PAGE
        readers.append(reader)
    return readers[0], readers[1]


def page_timer(reader: uuid.UUID, *, expect_images: bool, query: str = QUERY) -> Any:
    from django.test import Client

    from tests.auth_helpers import access_token_for, bearer

    client = Client(headers=bearer(access_token_for(reader, "reader")))

    def one() -> float:
        started = time.perf_counter()
        response = client.post("/graphql/", {"query": query}, content_type="application/json")
        elapsed = time.perf_counter() - started
        body = response.json()
        edges = body["data"]["homeFeed"]["edges"]
        assert len(edges) == PAGE, body
        assert all(bool(edge["node"]["media"]) is expect_images for edge in edges), body
        return elapsed

    return one


NOT_KEPT = "with images, views not kept (one media query, every field executed)"
NOT_SIGNED = "with images, signing not cached (views rebuilt)"
PORT_WARM = "the media port call alone (20 images, views kept)"
PORT_COLD = "the media port call alone (20 images, views not kept)"
REDIS_GET = "a Redis GET of the change mark (production's shared cache)"


def read_pages(with_images: Any, without: Any, pages: int) -> tuple[dict[str, list[float]], float]:
    """Each series' page times, read alternately after a warm-up; the CPU reference beside them."""
    from apps.media import selectors, storage

    timed = {
        "without images": page_timer(without, expect_images=False),
        "with images": page_timer(with_images, expect_images=True),
        "with images, lean query (large and small URLs)": page_timer(with_images, expect_images=True, query=QUERY_LEAN),
    }
    not_kept = page_timer(with_images, expect_images=True)
    not_signed = page_timer(with_images, expect_images=True)
    for one in (*timed.values(), not_kept, not_signed):
        for _ in range(30):  # warm-up: imports, connections, caches
            one()
    reference = cpu_seconds_reference()
    log(f"reading {pages} pages per series, alternately")
    samples: dict[str, list[float]] = {name: [] for name in (*timed, NOT_KEPT, NOT_SIGNED)}
    for _ in range(pages):
        for name, one in timed.items():
            samples[name].append(one())
        # The cold series start from nothing and leave the warm state as they found it.
        kept, links = dict(selectors._kept_views), dict(storage._links)
        selectors._kept_views.clear()
        samples[NOT_KEPT].append(not_kept())
        storage._links.clear()
        samples[NOT_SIGNED].append(not_signed())
        selectors._kept_views.clear()
        selectors._kept_views.update(kept)
        storage._links.clear()
        storage._links.update(links)
    return samples, reference


def time_port_call(samples: dict[str, list[float]], pages: int) -> None:
    """The share of the media port itself: the page's one call, timed alone."""
    from apps.feed.models import Post
    from apps.media.contracts import media_port

    page_media = [
        media_id
        for ids in Post.objects.exclude(media_ids=[]).values_list("media_ids", flat=True)[:PAGE]
        for media_id in ids
    ]
    from apps.media import selectors

    port = media_port()
    ids = [uuid.UUID(str(media_id)) for media_id in page_media]
    for _ in range(pages):
        started = time.perf_counter()
        port.media_views(media_ids=ids)
        samples.setdefault(PORT_WARM, []).append(time.perf_counter() - started)
        kept = dict(selectors._kept_views)
        selectors._kept_views.clear()
        started = time.perf_counter()
        port.media_views(media_ids=ids)
        samples.setdefault(PORT_COLD, []).append(time.perf_counter() - started)
        selectors._kept_views.update(kept)


def time_redis_get(samples: dict[str, list[float]], pages: int, redis_url: str) -> None:
    """What reading the change mark costs where the shared cache is Redis: one GET per page."""
    import redis

    client = redis.Redis.from_url(redis_url)
    key = "bench:media:views:changed"
    client.set(key, uuid.uuid4().hex)
    for _ in range(30):
        client.get(key)
    for _ in range(pages):
        started = time.perf_counter()
        client.get(key)
        samples.setdefault(REDIS_GET, []).append(time.perf_counter() - started)
    client.delete(key)


def report(samples: dict[str, list[float]], *, pages: int, pg_version: str, reference: float) -> None:
    series = {name: distribution_ms(values) for name, values in samples.items()}
    medians = {name: statistics.median(values) for name, values in samples.items()}
    ratio = medians["with images"] / medians["without images"]
    cold_ratio = medians[NOT_SIGNED] / medians["without images"]
    not_kept_ratio = medians[NOT_KEPT] / medians["without images"]
    lean_ratio = medians["with images, lean query (large and small URLs)"] / medians["without images"]
    result = {
        "benchmark": "media_hydration",
        "measured": "in process: Django's test client, the GraphQL view executing homeFeed(first: 20)",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"python": platform.python_version(), "postgres": pg_version, "cpu_reference_s": reference},
        "pages_per_series": pages,
        "page_ms": series,
        "ratio_p50_with_to_without": round(ratio, 3),
        "ratio_p50_uncached_signing_to_without": round(cold_ratio, 3),
        "ratio_p50_views_not_kept_to_without": round(not_kept_ratio, 3),
        "ratio_p50_lean_query_to_without": round(lean_ratio, 3),
        "target_ratio": TARGET_RATIO,
        "result": verdict(ratio <= TARGET_RATIO),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "media_hydration.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Media hydration: the home feed page of 20 posts, with images and without",
        "",
        f"Measured in process (Django's test client executing `homeFeed(first: {PAGE})` through the GraphQL",
        f"view), {pages} pages per series, read alternately; {result['when']}, Python "
        f"{platform.python_version()}, PostgreSQL {pg_version}, CPU reference {reference} s.",
        "Each post with images carries one image (three renditions, signed local URLs).",
        "",
        "| series | p50 ms | p90 ms | p99 ms | mean ms |",
        "|---|---|---|---|---|",
        *(f"| {name} | {d['p50']} | {d['p90']} | {d['p99']} | {d['mean']} |" for name, d in series.items()),
        "",
        f"With images / without (p50): **{ratio:.3f}** (target at most {TARGET_RATIO}): **{result['result']}**.",
        f"Lean query / without (p50): {lean_ratio:.3f}. Views not kept / without (p50): {not_kept_ratio:.3f}. "
        f"Signing not cached / without (p50): {cold_ratio:.3f}.",
        "The lean query asks `media { id width height altText blurhash urls { large { url } small { url } } }`;",
        "the others ask every field of all three renditions. A warm page asks the media database nothing:",
        "the port hands out the views it kept (checking the change mark in the shared cache and 60 links),",
        "and the GraphQL view reuses their completed JSON (ADR 0016). Views not kept: the port's query and",
        "every attachment field executed, as on a page whose images were not seen lately.",
        "",
        "Reproduce: `.venv/bin/python bench/media_hydration_bench.py --pages 300 --redis-url redis://127.0.0.1:6379/7`.",
        "",
    ]
    (RESULTS / "media_hydration.md").write_text("\n".join(lines))
    print("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=300, help="pages read per series")
    parser.add_argument("--redis-url", default="", help="also time a GET of the change mark on this Redis")
    args = parser.parse_args()

    _, pg_version = ensure_databases(DATABASE_URL)
    data_dir = tempfile.mkdtemp(prefix="bench-images-")
    configure(data_dir)
    log("seeding 2 x 20 authors and posts (20 images processed for real)")
    with_images, without = seed()
    from django.db import connections

    for alias in ("feed", "media"):  # statistics, as autovacuum keeps them in production
        with connections[alias].cursor() as cursor:
            cursor.execute("ANALYZE")
    samples, reference = read_pages(with_images, without, args.pages)
    time_port_call(samples, args.pages)
    if args.redis_url:
        time_redis_get(samples, args.pages, args.redis_url)
    report(samples, pages=args.pages, pg_version=pg_version, reference=reference)


if __name__ == "__main__":
    main()
