"""The built web client is served at / beside the API: hashed assets cached for good, index.html
(no-cache, with its CSP) for every client route, the API's own paths never shadowed, and a page
saying how to build the client when there is none. A small fake build in a temporary directory stands
in for web/dist (real files, served through the whole middleware chain)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

INDEX_HTML = '<!doctype html><html><head><script type="module" src="/assets/index-AbC123.js"></script></head></html>'


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX_HTML)
    (root / "assets" / "index-AbC123.js").write_text("console.log('app')")
    (root / "assets" / "index-XyZ789.css").write_text("body{}")
    (root / "manifest.webmanifest").write_text("{}")
    (root / ".vite").mkdir()
    (root / ".vite" / "manifest.json").write_text("{}")
    return root


@pytest.fixture(params=[False, True], ids=["production", "debug"])
def client(request: pytest.FixtureRequest, settings: SettingsWrapper, dist: Path) -> Client:
    """A fresh client loads the middleware under these settings (scanned once, or looked up per request)."""
    settings.DEBUG = request.param
    settings.WEB_CLIENT_ENABLED = True
    settings.WEB_CLIENT_DIR = dist
    return Client()


def test_hashed_assets_are_cached_for_good(client: Client) -> None:
    script = client.get("/assets/index-AbC123.js")
    style = client.get("/assets/index-XyZ789.css")

    assert script.status_code == 200
    assert b"".join(script.streaming_content) == b"console.log('app')"  # type: ignore[attr-defined]
    assert script["Content-Type"].startswith("text/javascript")
    assert "immutable" in script["Cache-Control"]
    assert "max-age=315360000" in script["Cache-Control"]
    assert style["Content-Type"].startswith("text/css")
    # SecurityMiddleware still runs around the files.
    assert script["X-Content-Type-Options"] == "nosniff"


def test_unhashed_files_are_revalidated(client: Client) -> None:
    manifest = client.get("/manifest.webmanifest")

    assert manifest.status_code == 200
    assert manifest["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "route",
    ["/", "/login", "/signup", "/u/ana", "/u/ana.b/followers", "/posts/42", "/tags/django", "/search?q=x", "/apiary"],
)
def test_every_client_route_gets_index_html_uncached(client: Client, route: str) -> None:
    page = client.get(route)

    assert page.status_code == 200
    assert page.content.decode() == INDEX_HTML
    assert page["Content-Type"] == "text/html; charset=utf-8"
    assert page["Cache-Control"] == "no-cache"
    assert page["X-Frame-Options"] == "DENY"


def test_index_html_carries_a_csp_the_app_runs_under(client: Client) -> None:
    csp = client.get("/login")["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}

    assert directives["script-src"] == ["'self'"]
    assert {"'self'", "blob:", "data:"} <= set(directives["img-src"])
    assert {"'self'", "ws://testserver", "wss://testserver"} <= set(directives["connect-src"])
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]


def test_the_csp_admits_the_media_bucket_the_browser_reads_and_uploads_to(
    client: Client, settings: SettingsWrapper
) -> None:
    settings.AWS_STORAGE_BUCKET_NAME = "media"
    settings.AWS_S3_ENDPOINT_URL = "http://minio.internal:9000"
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = "https://media.example.com/bucket"

    csp = client.get("/")["Content-Security-Policy"]

    assert "img-src 'self' blob: data: https://media.example.com;" in csp
    assert "https://media.example.com" in csp.split("connect-src")[1]
    assert "minio.internal" not in csp


@pytest.mark.parametrize(
    "path",
    [
        "/api/nope",
        "/api",
        "/graphql/nope/",
        "/ws/nope",
        "/media/nope",
        "/internal/nope",
        "/admin/",
        "/static/x.css",
        "/assets/index-Gone00.js",
        "/favicon.ico",
        "/.well-known/security.txt",
        "/.vite/manifest.json",
    ],
)
def test_server_paths_are_never_shadowed(client: Client, path: str) -> None:
    assert client.get(path).status_code == 404


def test_the_api_and_probes_still_answer(client: Client) -> None:
    assert client.get("/healthz").status_code == 200
    assert client.post("/graphql/", {"query": "{ __typename }"}, content_type="application/json").status_code == 200


def test_writes_to_a_client_route_are_refused(client: Client) -> None:
    assert client.post("/login").status_code == 405


def test_without_a_build_the_root_says_how_to_make_one(settings: SettingsWrapper, tmp_path: Path) -> None:
    settings.DEBUG = False
    settings.WEB_CLIENT_ENABLED = True
    settings.WEB_CLIENT_DIR = tmp_path / "never-built"

    page = Client().get("/")

    assert page.status_code == 503
    assert b"npm run build" in page.content
    assert b"never-built" in page.content
    assert Client().get("/assets/index-AbC123.js").status_code == 404


def test_a_process_serving_some_services_serves_no_client(settings: SettingsWrapper, dist: Path) -> None:
    settings.WEB_CLIENT_ENABLED = False
    settings.WEB_CLIENT_DIR = dist
    client = Client()

    assert client.get("/").status_code == 404
    assert client.get("/assets/index-AbC123.js").status_code == 404
