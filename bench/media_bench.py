"""Media benchmark: what an upload of a 12-megapixel JPEG costs, beside Pillow's own decode and
resize of the same file measured in the same run.

    .venv/bin/python bench/media_bench.py [--quick]

Measures, for one 4000x3000 JPEG with GPS EXIF (a phone photo's shape):
- baseline: Pillow opens and decodes it, and decodes it then resizes it to 1080 and 320 px wide;
- validation (`inspect_image`: format, container walk, polyglot scan, limits, Pillow verify and
  an entropy decode of the whole file at 1/8 scale);
- rendering (`render_variants`: orientation, metadata-free original, two WebP thumbnails);
- the processing task (`media_process`: read from storage, validate again, render, store, record);
- upload throughput over real HTTP (uvicorn, `POST /api/media/images`, local filesystem storage):
  accepted with processing queued (a broker takes it), and accepted with processing inline
  (the embedded default), from 1 and 2 concurrent clients.

Uses its own databases (bench_socialapp_*, created if missing and migrated), a temporary
DATA_DIR for the stored media (deleted at the end), and writes bench/results/media.json and
media.md (media.quick.* with --quick).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    distribution_ms,
    ensure_databases,
    log,
    setup_django,
    text_table,
    verdict,
)
from tests.components import free_port  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
WIDTH, HEIGHT = 4000, 3000
# Processing (storage read, validation, a full-size metadata-free re-encode, two thumbnails,
# storage writes, rows) against the naive baseline that only decodes and resizes: at most 2x.
TARGET_PROCESSING_RATIO = 2.0
# Accepting an upload (receive 4 MB, validate, store, queue) on loopback.
TARGET_UPLOAD_QUEUED_P50_MS = 250.0


def configure(database_url: str, data_dir: str) -> None:
    setup_django(
        database_url,
        environment={"DATA_DIR": data_dir, "JWT_KEYS_DIR": str(Path(data_dir) / "jwt-keys")},
        drop=("REDIS_URL", "CELERY_BROKER_URL", "AWS_STORAGE_BUCKET_NAME"),
    )


def photo() -> bytes:
    """A 12-megapixel JPEG with a photo's statistics (smooth areas, edges, sensor noise) and
    GPS EXIF, at quality 90: a few megabytes, like a phone's."""
    from PIL import ExifTags, Image, ImageDraw, ImageFilter

    base = Image.radial_gradient("L").resize((WIDTH, HEIGHT)).convert("RGB")
    tint = Image.linear_gradient("L").rotate(90).resize((WIDTH, HEIGHT))
    image = Image.merge("RGB", (base.getchannel(0), tint, base.getchannel(0).point(lambda v: 255 - v)))
    draw = ImageDraw.Draw(image)
    for i in range(60):
        x, y = (i * 613) % WIDTH, (i * 389) % HEIGHT
        draw.ellipse((x, y, x + 300 + i * 7, y + 200 + i * 5), fill=((i * 37) % 256, (i * 91) % 256, (i * 53) % 256))
    image = image.filter(ImageFilter.GaussianBlur(1))
    noise = Image.merge("RGB", [Image.effect_noise((WIDTH, HEIGHT), 40) for _ in range(3)])
    image = Image.blend(image, noise, 0.3)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "BenchCam"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (48.0, 51.0, 29.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (2.0, 17.0, 40.25),
    }
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def timed(n: int, body: Callable[[], Any]) -> list[float]:
    durations = []
    for _ in range(n):
        started = time.perf_counter()
        body()
        durations.append(time.perf_counter() - started)
    return durations


def pillow_baseline(data: bytes, n: int) -> dict[str, Any]:
    from PIL import Image

    def decode() -> None:
        with Image.open(io.BytesIO(data)) as image:
            image.load()

    def decode_and_resize() -> None:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image.resize((1080, 810), Image.Resampling.LANCZOS)
            image.resize((320, 240), Image.Resampling.LANCZOS)

    decode()
    return {
        "decode_ms": distribution_ms(timed(n, decode)),
        "decode_resize_ms": distribution_ms(timed(n, decode_and_resize)),
    }


def pipeline(data: bytes, n: int) -> dict[str, Any]:
    from apps.media.imaging.inspect import inspect_image
    from apps.media.imaging.render import render_variants

    facts = inspect_image(data)
    sizes = {v.size: len(v.data) for v in render_variants(data, facts)}
    return {
        "validate_ms": distribution_ms(timed(n, lambda: inspect_image(data))),
        "render_ms": distribution_ms(timed(n, lambda: render_variants(data, facts))),
        "variant_bytes": sizes,
    }


def processing_task(data: bytes, n: int) -> dict[str, Any]:
    """`media_process` on staged uploads: storage read, validation, rendering, storage writes, rows."""
    from apps.media import processing, services, storage
    from apps.media.uploads import ReceivedFile
    from socialapp.celery import app as celery_app

    durations = []
    with queued_tasks(celery_app):
        media = [services.media_upload(owner_id=uuid.uuid4(), upload=ReceivedFile.from_bytes(data)) for _ in range(n)]
    for item in media:
        started = time.perf_counter()
        done = processing.media_process(media_id=item.id)
        durations.append(time.perf_counter() - started)
        assert done is not None, item.id
        assert done.status == "READY", done
        storage.delete_quietly(v.name for v in done.variants.all())
    return {"process_ms": distribution_ms(durations)}


@contextmanager
def queued_tasks(app: Any) -> Iterator[None]:
    """Tasks go to kombu's in-memory broker (queued, never run) instead of running inline."""
    saved = {key: app.conf[key] for key in ("task_always_eager", "broker_url")}
    app.conf.update(task_always_eager=False, broker_url="memory://")
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.update(saved)
        app._pool = None
        app.amqp._producer_pool = None


@contextmanager
def server(database_url: str, data_dir: str, *, queued: bool) -> Iterator[str]:
    """uvicorn serving socialapp on the bench databases; with `queued`, a worker-less broker
    (tasks queued in Redis, never run) stands for the deployed shape."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DATA_DIR": data_dir}
    if queued:
        env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/13"
    log_path = Path(data_dir) / f"server-{port}.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "socialapp.asgi:application",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    import httpx

    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(15)
        if queued:
            import redis

            redis.Redis.from_url("redis://127.0.0.1:6379/13").flushdb()


def uploads(url: str, data: bytes, *, n: int, clients: int) -> dict[str, Any]:
    import httpx

    from tests.auth_helpers import access_token_for

    headers = {"Authorization": f"Bearer {access_token_for(uuid.uuid4(), 'bench')}"}
    durations: list[float] = []
    statuses: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def client(count: int) -> None:
        try:
            with httpx.Client(base_url=url, timeout=120) as http:
                for _ in range(count):
                    started = time.perf_counter()
                    response = http.post(
                        "/api/media/images", files={"file": ("p.jpg", data, "image/jpeg")}, headers=headers
                    )
                    elapsed = time.perf_counter() - started
                    assert response.status_code == 201, response.text
                    with lock:
                        durations.append(elapsed)
                        statuses.append(response.json()["status"])
        except BaseException as error:
            errors.append(error)

    per_client = max(1, n // clients)
    client(1)  # warm-up
    durations.clear()
    statuses.clear()
    threads = [threading.Thread(target=client, args=(per_client,)) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise errors[0]
    count = per_client * clients
    return {
        "clients": clients,
        "uploads": count,
        "statuses": sorted(set(statuses)),
        "request_ms": distribution_ms(durations),
        "uploads_per_s": round(count / wall, 3),
        "mb_per_s": round(count * len(data) / wall / 1e6, 2),
    }


def measure(database_url: str, *, quick: bool) -> dict[str, Any]:
    """Every phase, in a data directory of its own (removed at the end)."""
    data_dir = tempfile.mkdtemp(prefix="bench-media-")
    try:
        configure(database_url, data_dir)
        import logging

        logging.getLogger("kombu.connection").setLevel(logging.ERROR)  # memory:// has no host: fine
        n = 3 if quick else 10
        log("making a 12-megapixel JPEG")
        data = photo()
        log(f"  {len(data) / 1e6:.2f} MB")
        log("Pillow baseline")
        baseline = pillow_baseline(data, n)
        log("validation and rendering")
        stages = pipeline(data, n)
        log("processing task")
        task = processing_task(data, n)
        log("uploads over HTTP, processing queued")
        with server(database_url, data_dir, queued=True) as url:
            queued = [uploads(url, data, n=2 * n, clients=c) for c in (1, 2)]
        log("uploads over HTTP, processing inline")
        with server(database_url, data_dir, queued=False) as url:
            inline = [uploads(url, data, n=n, clients=c) for c in (1, 2)]
        from apps.media.models import Media

        Media.objects.all().delete()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"data": data, "baseline": baseline, "stages": stages, "task": task, "queued": queued, "inline": inline}


def table_rows(m: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    baseline, stages, queued = m["baseline"], m["stages"], m["queued"]
    raw = baseline["decode_resize_ms"]["p50"]
    processing = m["task"]["process_ms"]["p50"]
    ratio = processing / raw
    queued_p50 = queued[0]["request_ms"]["p50"]
    size = f"{WIDTH}x{HEIGHT} JPEG, {len(m['data']) / 1e6:.2f} MB"
    rows = [
        ("Pillow decode p50 (ms)", f"{baseline['decode_ms']['p50']:.0f}", f"baseline, {size}", "-", "-"),
        ("Pillow decode + resize 1080, 320 p50 (ms)", f"{raw:.0f}", "baseline (LANCZOS from full size)", "-", "-"),
        (
            "validation p50 (ms)",
            f"{stages['validate_ms']['p50']:.0f}",
            "container walk, polyglot scan, verify, decode at 1/8",
            "-",
            "-",
        ),
        ("rendering p50 (ms)", f"{stages['render_ms']['p50']:.0f}", "orient, re-encode original, 2 WebP", "-", "-"),
        (
            "processing task p50 (ms)",
            f"{processing:.0f}",
            f"{ratio:.2f}x Pillow decode+resize",
            f"<= {TARGET_PROCESSING_RATIO:.0f}x",
            verdict(ratio <= TARGET_PROCESSING_RATIO),
        ),
    ]
    for result in queued:
        rows.append(
            (
                f"upload, processing queued, {result['clients']} client(s): p50 (ms)",
                f"{result['request_ms']['p50']:.0f}",
                f"{result['uploads_per_s']:.2f} uploads/s, {result['mb_per_s']:.1f} MB/s",
                f"<= {TARGET_UPLOAD_QUEUED_P50_MS:.0f}" if result["clients"] == 1 else "-",
                verdict(queued_p50 <= TARGET_UPLOAD_QUEUED_P50_MS) if result["clients"] == 1 else "-",
            )
        )
    for result in m["inline"]:
        rows.append(
            (
                f"upload, processing inline, {result['clients']} client(s): p50 (ms)",
                f"{result['request_ms']['p50']:.0f}",
                f"{result['uploads_per_s']:.2f} uploads/s, {result['mb_per_s']:.1f} MB/s",
                "-",
                "-",
            )
        )
    return rows


def write_results(
    m: dict[str, Any], rows: list[tuple[str, str, str, str, str]], *, quick: bool, pg_version: str
) -> None:
    results = {
        "mode": "quick" if quick else "full",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "pillow": __import__("PIL").__version__,
            "postgresql": pg_version,
            "load_average": os.getloadavg(),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        },
        "image": {"width": WIDTH, "height": HEIGHT, "bytes": len(m["data"])},
        "pillow_baseline": m["baseline"],
        "stages": m["stages"],
        "processing_task": m["task"],
        "uploads_processing_queued": m["queued"],
        "uploads_processing_inline": m["inline"],
    }
    suffix = ".quick" if quick else ""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / f"media{suffix}.json").write_text(json.dumps(results, indent=2) + "\n")
    header = "| measure | value | baseline / context | target | result |\n|---|---|---|---|---|\n"
    body = "".join(f"| {' | '.join(row)} |\n" for row in rows)
    (RESULTS_DIR / f"media{suffix}.md").write_text(
        f"# Media benchmark ({results['mode']} run, {results['at']})\n\n"
        "Produced by `bench/media_bench.py`: one 12-megapixel JPEG with GPS EXIF; local filesystem "
        "storage; uploads over HTTP to uvicorn (one worker process) on the same machine.\n\n"
        + header
        + body
        + f"\nMachine: {results['machine']}\n"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    _, pg_version = ensure_databases(args.database_url)
    m = measure(args.database_url, quick=args.quick)
    rows = table_rows(m)
    print(text_table(rows))
    write_results(m, rows, quick=args.quick, pg_version=pg_version)
    ratio = m["task"]["process_ms"]["p50"] / m["baseline"]["decode_resize_ms"]["p50"]
    ok = ratio <= TARGET_PROCESSING_RATIO and m["queued"][0]["request_ms"]["p50"] <= TARGET_UPLOAD_QUEUED_P50_MS
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
