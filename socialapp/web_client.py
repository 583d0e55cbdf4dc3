"""Serves the built web client (`web/dist`, made by `npm ci && npm run build` in `web/`) beside the API.

Two pieces, both active only when `WEB_CLIENT_ENABLED` (on by default in a process serving every
service, i.e. the embedded `runserver` default):

- `WebClientMiddleware` serves the files of `WEB_CLIENT_DIR` with WhiteNoise: Vite's content-hashed
  `assets/` cached for good, anything else revalidated on every use.
- `index_view`, the last URL pattern, answers every client route (`/`, `/login`, `/u/ana`, ...) with
  `index.html` (no-cache, with the Content-Security-Policy the app runs under), so Vue Router's history
  mode works on a reload or a shared link. The API's prefixes are never matched, so an unknown
  `/api/...` or `/graphql/...` path stays a 404. Without a built client it answers a page saying how
  to build one (503), not an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.html import escape
from django.views.decorators.http import require_safe
from whitenoise.base import WhiteNoise  # type: ignore[import-untyped]
from whitenoise.middleware import WhiteNoiseMiddleware  # type: ignore[import-untyped]

# First path segments the client never owns: the API, the socket, media, probes, the admin, static files.
SERVER_PREFIXES = (
    "graphql",
    "api",
    "ws",
    "media",
    "internal",
    "healthz",
    "readyz",
    "metrics",
    "admin",
    "static",
    # A missing hashed asset (a stale tab after a deploy) must fail as a 404, not load index.html as JS.
    "assets",
    "favicon.ico",
    "robots.txt",
)
# Django strips the leading slash before matching: "api/x" and "api" are server paths, "apiary" is not.
# Dot paths (.vite/manifest.json, .well-known/...) are never client routes either.
CLIENT_ROUTE_PATTERN = r"^(?!(?:{})(?:/|$)|\.).*$".format("|".join(re.escape(p) for p in SERVER_PREFIXES))

# Vite names the files it emits under assets/ after a hash of their content.
HASHED_ASSETS_PREFIX = "/assets/"
INDEX_FILE = "index.html"


def client_dir() -> Path:
    return Path(settings.WEB_CLIENT_DIR)


def _immutable(path: str, url: str) -> bool:
    return url.startswith(HASHED_ASSETS_PREFIX)


def _revalidate_unhashed(headers: Any, path: str, url: str) -> None:
    # Files without a hash in their name (e.g. from web/public) change under the same URL.
    if not url.startswith(HASHED_ASSETS_PREFIX):
        headers["Cache-Control"] = "no-cache"


class WebClientMiddleware:
    """The built client's files from `WEB_CLIENT_DIR` (not index.html: `index_view` serves it).

    With DEBUG the directory is looked up on every request, so a rebuild under a running
    `runserver` is picked up; otherwise it is scanned once at startup, as WhiteNoise does in production.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        if not settings.WEB_CLIENT_ENABLED:
            raise MiddlewareNotUsed
        self.get_response = get_response
        self.files = WhiteNoise(
            application=None,
            autorefresh=settings.DEBUG,
            max_age=None,
            allow_all_origins=False,
            immutable_file_test=_immutable,
            add_headers_function=_revalidate_unhashed,
        )
        if settings.DEBUG or client_dir().is_dir():
            self.files.add_files(str(client_dir()))

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if request.method in ("GET", "HEAD") and path != f"/{INDEX_FILE}" and not path.startswith("/."):
            static_file = self.files.find_file(path) if self.files.autorefresh else self.files.files.get(path)
            if static_file is not None:
                response: HttpResponseBase = WhiteNoiseMiddleware.serve(static_file, request)
                return response
        return self.get_response(request)


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def media_origins() -> list[str]:
    """Where the browser fetches images from and posts direct uploads to, besides this origin."""
    if not settings.AWS_STORAGE_BUCKET_NAME:
        return []
    endpoint = settings.AWS_S3_PUBLIC_ENDPOINT_URL or settings.AWS_S3_ENDPOINT_URL
    if endpoint:
        origin = _origin(endpoint)
        return [origin] if origin else []
    return ["https://*.amazonaws.com"]


def content_security_policy(request: HttpRequest) -> str:
    """Scripts and styles from this origin only; images also from blob: (previews of chosen files),
    data: (BlurHash placeholders) and the media storage; the API and the WebSocket on this host."""
    host = request.get_host()
    media = media_origins()
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:", *media],
        "connect-src": ["'self'", f"ws://{host}", f"wss://{host}", *media],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


MISSING_BUILD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Web client not built</title></head>
<body><main><h1>The web client is not built yet</h1>
<p>The API is running (<a href="/graphql/">/graphql/</a>), but there is no built client in
<code>{dir}</code>. Build it once, then reload this page:</p>
<pre>cd web
npm ci
npm run build</pre></main></body></html>
"""


@require_safe
def index_view(request: HttpRequest) -> HttpResponseBase:
    """index.html for every client route; Vue Router picks the page from the URL."""
    if not settings.WEB_CLIENT_ENABLED:
        return HttpResponse(status=404)
    index = client_dir() / INDEX_FILE
    if not index.is_file():
        response: HttpResponseBase = HttpResponse(
            MISSING_BUILD_PAGE.format(dir=escape(str(client_dir()))), status=503, content_type="text/html"
        )
        response["Cache-Control"] = "no-store"
        return response
    response = HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    # A new deploy changes the asset names inside index.html: browsers must ask again every time.
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = content_security_policy(request)
    return response
