"""Real-browser harness: Debian's Chromium (never a downloaded one) driven by Playwright against a
live uvicorn server (every service, the WebSocket included) serving the built web client.

The client is built once per session into web/dist when it is missing or older than its sources
(`npm ci` first when node_modules is missing). WEB_CLIENT_DIR in the environment points the tests at
another build instead (e.g. a copy built while web/ is being edited) and skips the build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.live_server import ROOT, LiveServer, live_server

CHROMIUM = Path("/usr/bin/chromium")
WEB = ROOT / "web"
# What a build is made from: a newer one of these makes web/dist stale.
WEB_SOURCES = ("src", "index.html", "package.json", "package-lock.json", "vite.config.ts", "public")


def _newest_mtime(paths: list[Path]) -> float:
    newest = 0.0
    for path in paths:
        if path.is_dir():
            # src/gql is generated from docs/graphql by every npm script (codegen), the build included.
            files = (p for p in path.rglob("*") if p.is_file() and "gql" not in p.relative_to(path).parts)
            newest = max([newest, *(p.stat().st_mtime for p in files)])
        elif path.exists():
            newest = max(newest, path.stat().st_mtime)
    return newest


def _build_is_stale(dist: Path) -> bool:
    index = dist / "index.html"
    if not index.exists():
        return True
    return _newest_mtime([WEB / name for name in WEB_SOURCES]) > index.stat().st_mtime


def _run_npm(*args: str) -> None:
    result = subprocess.run(["npm", *args], cwd=WEB, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = result.stdout[-4000:] + result.stderr[-4000:]
        pytest.fail(f"npm {' '.join(args)} failed ({result.returncode}):\n{output}")


@pytest.fixture(scope="session")
def web_client_dir() -> Path:
    """A built web client: $WEB_CLIENT_DIR as given, or web/dist built now if missing or stale."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run installs it)")
    given = os.environ.get("WEB_CLIENT_DIR")
    if given:
        dist = Path(given)
        if not (dist / "index.html").is_file():
            pytest.fail(f"WEB_CLIENT_DIR={given} holds no index.html")
        return dist
    if shutil.which("npm") is None or shutil.which("node") is None:
        pytest.skip("node/npm are not installed (.ci/run installs them)")
    dist = WEB / "dist"
    if _build_is_stale(dist):
        if not (WEB / "node_modules").is_dir():
            _run_npm("ci", "--no-audit", "--no-fund")
        _run_npm("run", "build")
    return dist


@pytest.fixture(scope="module")
def web_server(
    django_db_setup: None,
    web_client_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    """The ASGI server with the client at /, on the test databases (flushed after each test by its
    django_db(transaction=True) mark)."""
    with live_server(
        tmp_path_factory.mktemp("browser"),
        WEB_CLIENT_DIR=str(web_client_dir),
        WEB_CLIENT_ENABLED="true",
        # People sign up and post in quick succession from one address.
        RATELIMIT_ENABLE="false",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API runs an event loop in this thread while it is started: only for this
    module's tests (a session-long one made every later `asyncio.run` fail). Meanwhile the ORM
    calls of pytest-django's fixtures (the flush after each transactional test) are plain
    synchronous calls between browser steps, which Django's guard would take for async code."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as running:
            yield running
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(playwright: Playwright, web_client_dir: Path) -> Iterator[Browser]:
    # Root (CI) cannot use Chromium's sandbox; /dev/shm is small in containers.
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
    )
    yield chromium
    chromium.close()
