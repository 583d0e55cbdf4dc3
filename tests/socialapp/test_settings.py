"""Configuration: the embedded default needs nothing installed; each URL switches one
production component on. Each case runs the real settings module in a fresh process with
exactly the given environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.fresh_process import probe_fresh_process

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
from socialapp.eventing.outbox import events_mode
from socialapp.deployment import enabled_services
print(json.dumps({
    "databases": {a: [c.get("ENGINE"), str(c.get("NAME"))] for a, c in settings.DATABASES.items() if a != "default"},
    "events": events_mode(),
    "cache": settings.CACHES["default"]["BACKEND"],
    "channels": settings.CHANNEL_LAYERS["default"]["BACKEND"],
    "storage": settings.STORAGES["default"]["BACKEND"],
    "celery_eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "services": enabled_services(),
    "debug": settings.DEBUG,
}))
"""


def load_settings(tmp_path: Path, **env: str) -> dict[str, Any]:
    return probe_fresh_process(PROBE, tmp_path, **env)


def test_the_embedded_default_needs_nothing_installed(tmp_path: Path) -> None:
    config = load_settings(tmp_path)

    assert config["databases"] == {
        alias: ["django.db.backends.sqlite3", str(tmp_path / f"{alias}.sqlite3")]
        for alias in ("auth", "users", "feed", "media", "notifications")
    }
    assert config["events"] == "inprocess"
    assert config["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert config["channels"] == "channels.layers.InMemoryChannelLayer"
    assert config["storage"] == "django.core.files.storage.FileSystemStorage"
    assert config["celery_eager"] is True
    assert config["services"] == ["auth", "users", "feed", "media", "notifications"]


def test_production_urls_switch_each_component_on(tmp_path: Path) -> None:
    config = load_settings(
        tmp_path,
        DATABASE_URL="postgres://app:secret@db.internal:5432/social",
        FEED_DATABASE_URL="postgres://feed@feed-db.internal:5432/feed_only",
        REDIS_URL="redis://cache.internal:6379/0",
        KAFKA_BOOTSTRAP_SERVERS="kafka.internal:9092",
        AWS_STORAGE_BUCKET_NAME="media-bucket",
        CELERY_BROKER_URL="redis://cache.internal:6379/1",
        SOCIALAPP_SERVICES="notifications,feed",
        DEBUG="false",
    )

    pg = "django.db.backends.postgresql"
    assert config["databases"] == {
        "auth": [pg, "social_auth"],
        "users": [pg, "social_users"],
        "feed": [pg, "feed_only"],
        "media": [pg, "social_media"],
        "notifications": [pg, "social_notifications"],
    }
    assert config["events"] == "kafka"
    assert config["cache"] == "django_redis.cache.RedisCache"  # its connections from the process pool
    assert config["channels"] == "channels_redis.core.RedisChannelLayer"
    assert config["storage"] == "storages.backends.s3.S3Storage"
    assert config["celery_eager"] is False
    assert config["services"] == ["feed", "notifications"]  # declaration order, whatever the given order
    assert config["debug"] is False


@pytest.mark.parametrize("services", ["chat", "feed,,chat", "ALL"])
def test_an_unknown_service_name_stops_the_process(tmp_path: Path, services: str) -> None:
    env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "socialapp.settings", "DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**env, "SOCIALAPP_SERVICES": services},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SOCIALAPP_SERVICES names unknown services" in result.stderr


def test_the_deploy_check_refuses_the_default_secret_key_without_debug(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "DATA_DIR": str(tmp_path), "DEBUG": "false"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "ERROR"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "socialapp.E001" in result.stderr


POOL_PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({a: [c.get("CONN_MAX_AGE"), c.get("OPTIONS", {}).get("pool")]
                  for a, c in settings.DATABASES.items() if a != "default"}))
"""


def run_pool_probe(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean_env = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "socialapp.settings", "DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-c", POOL_PROBE]
    return subprocess.run(command, cwd=ROOT, env={**clean_env, **env}, capture_output=True, text=True, check=False)


def test_database_pool_gives_every_postgresql_alias_a_pool(tmp_path: Path) -> None:
    off = run_pool_probe(tmp_path, DATABASE_URL="postgres://app@db.internal:5432/social")
    on = run_pool_probe(
        tmp_path,
        DATABASE_URL="postgres://app@db.internal:5432/social",
        DATABASE_POOL="true",
        DATABASE_POOL_MAX_SIZE="6",
    )

    aliases = ("auth", "users", "feed", "media", "notifications")
    assert json.loads(off.stdout) == {alias: [0, None] for alias in aliases}
    assert json.loads(on.stdout) == {alias: [0, {"min_size": 1, "max_size": 6, "timeout": 10.0}] for alias in aliases}


def test_database_pool_refuses_persistent_connections_and_leaves_sqlite_alone(tmp_path: Path) -> None:
    url = "postgres://app@db.internal:5432/social"
    persistent = run_pool_probe(tmp_path, DATABASE_URL=url, DATABASE_POOL="true", DATABASE_CONN_MAX_AGE="60")
    sqlite = run_pool_probe(tmp_path, DATABASE_POOL="true")

    assert persistent.returncode != 0
    assert "DATABASE_POOL needs DATABASE_CONN_MAX_AGE=0 (auth)." in persistent.stderr
    assert all(pool is None for _, pool in json.loads(sqlite.stdout).values())
