"""With DEBUG off a server refuses to start on settings that are safe only on a laptop, and every
answer carries the security headers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from socialapp.authn.keys import generate_key_pair
from socialapp.production import unsafe_production_settings
from tests import live_server

pytestmark = pytest.mark.django_db(databases=["feed"])


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    generate_key_pair(tmp_path, kid="k1")
    return tmp_path


def production_env(**overrides: str | None) -> dict[str, str]:
    """The test databases with production settings; an override of None unsets the variable."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "socialapp.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-real-secret-for-this-test-only-" + "x" * 20,
        "JWT_GENERATE_KEYS": "false",
        "EVENTS_START_SWEEPER": "false",
        **live_server.test_database_env(),
        **overrides,
    }
    return {name: value for name, value in env.items() if value is not None}


def load_application(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=live_server.ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_development_key_generated_keys_or_no_keys_keep_the_server_down(tmp_path: Path, keys: Path) -> None:
    no_keys = tmp_path / "empty"
    no_keys.mkdir()

    refused = load_application(
        "socialapp.asgi",
        production_env(SECRET_KEY=None, JWT_GENERATE_KEYS="true", JWT_KEYS_DIR=str(no_keys)),
    )

    assert refused.returncode != 0
    assert "Refusing to serve with DEBUG off: SECRET_KEY is the embedded development key; JWT_GENERATE_KEYS is on" in (
        refused.stderr
    )
    assert "holds no public key" in refused.stderr
    served = load_application("socialapp.asgi", production_env(JWT_KEYS_DIR=str(keys)))
    assert served.returncode == 0, served.stderr


def test_the_wsgi_servers_refuse_too(keys: Path) -> None:
    refused = load_application(
        "socialapp.wsgi", production_env(SOCIALAPP_SERVICES="feed", SECRET_KEY=None, JWT_KEYS_DIR=str(keys))
    )

    assert refused.returncode != 0
    assert "SECRET_KEY is the embedded development key" in refused.stderr


def test_the_auth_service_needs_a_private_key_the_others_only_public_ones(
    settings: SettingsWrapper, keys: Path
) -> None:
    settings.DEBUG = False
    settings.SECRET_KEY = "another-real-secret-" + "y" * 30
    settings.JWT_GENERATE_KEYS = False
    settings.JWT_KEYS_DIR = keys
    (keys / "k1.key.pem").unlink()

    settings.SOCIALAPP_ENABLED_SERVICES = ["feed"]
    assert unsafe_production_settings() == []
    settings.SOCIALAPP_ENABLED_SERVICES = ["auth"]
    assert [reason.split(":")[-1].strip() for reason in unsafe_production_settings()] == [
        "the auth service could sign nothing"
    ]


def test_debug_is_the_laptop(settings: SettingsWrapper) -> None:
    settings.DEBUG = True
    settings.SECRET_KEY = settings.DEFAULT_SECRET_KEY

    assert unsafe_production_settings() == []


def test_answers_carry_the_security_headers(settings: SettingsWrapper) -> None:
    settings.SECURE_HSTS_SECONDS = 31_536_000

    page = "/graphql/feed/?query=%7BfeedService%7Bname%7D%7D"
    plain = Client().get(page, headers={"Accept": "application/json"})
    over_tls = Client().get(page, headers={"Accept": "application/json"}, secure=True)

    assert (plain["X-Frame-Options"], plain["X-Content-Type-Options"], plain["Referrer-Policy"]) == (
        "DENY",
        "nosniff",
        "same-origin",
    )
    assert "Strict-Transport-Security" not in plain
    assert over_tls["Strict-Transport-Security"] == "max-age=31536000"


def test_a_service_asking_a_port_over_http_needs_the_internal_token(keys: Path) -> None:
    split_feed = production_env(SOCIALAPP_SERVICES="feed", JWT_KEYS_DIR=str(keys), INTERNAL_TOKEN=None)

    refused = load_application("socialapp.wsgi", split_feed)
    served = load_application("socialapp.wsgi", {**split_feed, "INTERNAL_TOKEN": "t0ken"})
    in_process = load_application("socialapp.wsgi", {**split_feed, "MEDIA_PORT": "inprocess"})

    assert refused.returncode != 0
    assert "MediaPort would be asked over HTTP without INTERNAL_TOKEN" in refused.stderr
    assert served.returncode == 0, served.stderr
    assert in_process.returncode == 0, in_process.stderr
