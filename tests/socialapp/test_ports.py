"""socialapp.ports: one declaration, an in-process adapter and an HTTP one chosen by settings,
and the internal route that answers the HTTP one (driven here by the test app's StampPort; the
media port runs the same machinery against a live server in tests/media/test_port.py)."""

from __future__ import annotations

import abc
import json
import uuid
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from socialapp.ports import Port, port_for
from socialapp.ports.declaration import port_methods
from socialapp.ports.http_client import endpoint_path
from tests.eventing_app.contracts import StampPort
from tests.eventing_app.port import LocalStampPort

TOKEN = "s3cret"
PATH = endpoint_path(StampPort, "stamp")
AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def post(body: object, *, token: str | None = TOKEN, raw: bytes | None = None, path: str = PATH) -> tuple[int, object]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = raw if raw is not None else json.dumps(body)
    response = Client().post(path, data, content_type="application/json", headers=headers)
    return response.status_code, response.json()


def test_a_process_serving_the_service_answers_in_process(settings: SettingsWrapper) -> None:
    assert isinstance(port_for(StampPort), LocalStampPort)


def test_a_process_not_serving_the_service_asks_it_over_http(settings: SettingsWrapper) -> None:
    settings.SOCIALAPP_ENABLED_SERVICES = ["feed"]
    settings.INTERNAL_TOKEN = TOKEN
    settings.EVENTTESTS_PORT_URL = "http://eventtests.socialapp.svc:8080/"

    adapter = port_for(StampPort)

    assert isinstance(adapter, StampPort)
    assert not isinstance(adapter, LocalStampPort)
    transport = adapter.transport  # type: ignore[attr-defined]
    assert (transport.base_url, transport.service) == ("http://eventtests.socialapp.svc:8080", "eventtests")


def test_settings_may_force_an_adapter_and_refuse_nonsense(settings: SettingsWrapper) -> None:
    settings.EVENTTESTS_PORT = "http"
    with pytest.raises(ImproperlyConfigured, match="StampPort over HTTP needs INTERNAL_TOKEN"):
        port_for(StampPort)

    settings.EVENTTESTS_PORT = "carrier-pigeon"
    with pytest.raises(
        ImproperlyConfigured, match="EVENTTESTS_PORT must be 'inprocess' or 'http', not 'carrier-pigeon'"
    ):
        port_for(StampPort)


def test_a_declaration_takes_keyword_only_arguments() -> None:
    class PositionalPort(Port):
        service = "eventtests"
        implementation = "nowhere"

        @abc.abstractmethod
        def ask(self, value: int) -> int: ...

    with pytest.raises(TypeError, match=r"PositionalPort\.ask: a port method takes keyword-only arguments"):
        port_methods(PositionalPort)


# --- the internal route ----------------------------------------------------------------------

pytestmark = pytest.mark.django_db(databases=["feed"])


def test_without_a_token_configured_the_route_does_not_exist(settings: SettingsWrapper) -> None:
    settings.INTERNAL_TOKEN = ""

    status, body = post({"ids": [], "at": AT.isoformat()}, token="anything")

    assert status == 404
    assert body["errors"][0]["code"] == "not_found"  # type: ignore[index]


def test_callers_without_the_token_are_refused(settings: SettingsWrapper) -> None:
    settings.INTERNAL_TOKEN = TOKEN
    body = {"ids": [], "at": AT.isoformat()}

    assert post(body, token=None) == (
        401,
        {
            "errors": [
                {
                    "field": None,
                    "code": "not_authenticated",
                    "message": "This internal endpoint needs the service token.",
                }
            ]
        },
    )
    assert post(body, token="wrong") == (
        403,
        {"errors": [{"field": None, "code": "forbidden", "message": "The service token is not valid."}]},
    )


def test_the_route_answers_with_the_in_process_implementation(settings: SettingsWrapper) -> None:
    settings.INTERNAL_TOKEN = TOKEN
    one = uuid.uuid4()

    status, body = post({"ids": [str(one)], "at": AT.isoformat()})

    assert (status, body) == (200, {"result": {str(one): "seen@2026-12-04T12:00:00+00:00"}})


@pytest.mark.parametrize(
    ("raw", "field", "code"),
    [
        (b"not json", None, "invalid_json"),
        (b"[1, 2]", None, "invalid_json"),
        (json.dumps({"ids": ["nope"], "at": AT.isoformat()}).encode(), "ids.0", "invalid_argument"),
        (json.dumps({"ids": []}).encode(), None, "invalid_argument"),
        (json.dumps({"ids": [], "at": AT.isoformat(), "extra": 1}).encode(), None, "invalid_argument"),
        (json.dumps({"ids": [], "at": AT.isoformat(), "label": "boom"}).encode(), None, "invalid_argument"),
    ],
)
def test_malformed_calls_are_typed_400s(settings: SettingsWrapper, raw: bytes, field: str | None, code: str) -> None:
    settings.INTERNAL_TOKEN = TOKEN

    status, body = post(None, raw=raw)

    assert status == 400
    error = body["errors"][0]  # type: ignore[index]
    assert (error["field"], error["code"]) == (field, code)
    assert len(error["message"]) < 200


def test_unknown_ports_and_methods_are_404s_and_only_post_is_allowed(settings: SettingsWrapper) -> None:
    settings.INTERNAL_TOKEN = TOKEN

    assert post({}, path="/internal/ports/NoSuchPort/stamp")[0] == 404
    assert post({}, path="/internal/ports/StampPort/transport")[0] == 404
    assert Client().get(PATH, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 405
