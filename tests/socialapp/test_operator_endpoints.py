"""/metrics and the details of /readyz are for operators: the pod itself (loopback), a caller with
METRICS_TOKEN, or anyone in DEBUG. The public learns only whether the service is ready."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

PUBLIC = "203.0.113.50"


@pytest.fixture(autouse=True)
def production(settings: SettingsWrapper) -> None:
    settings.DEBUG = False
    settings.METRICS_TOKEN = "scrape-me"


def test_the_public_gets_no_metrics_and_only_the_readiness_verdict() -> None:
    public = Client(REMOTE_ADDR=PUBLIC)

    metrics = public.get("/metrics")
    ready = public.get("/readyz")

    assert metrics.status_code == 404
    assert b"socialapp_" not in metrics.content
    assert (ready.status_code, ready.json()) == (200, {"status": "ok"})


def test_a_caller_with_the_token_or_the_pod_itself_sees_the_internals() -> None:
    with_token = Client(REMOTE_ADDR=PUBLIC, headers={"Authorization": "Bearer scrape-me"})
    pod = Client(REMOTE_ADDR="127.0.0.1")

    assert b"socialapp_http_requests_total" in with_token.get("/metrics").content
    assert "database:feed" in with_token.get("/readyz").json()["checks"]
    assert pod.get("/metrics").status_code == 200
    assert "checks" in pod.get("/readyz").json()


def test_a_wrong_token_is_the_public() -> None:
    wrong = Client(REMOTE_ADDR=PUBLIC, headers={"Authorization": "Bearer guess"})

    assert wrong.get("/metrics").status_code == 404
    assert "checks" not in wrong.get("/readyz").json()
