"""WebSocket routes of the enabled services (each app may publish `websocket_urlpatterns` in its
urls module), then a refusal for every other path: a handshake to no route is a clean 403, not
the router's exception (an HTTP 500)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.generic.websocket import WebsocketConsumer
from django.urls import URLPattern, re_path

from socialapp.deployment import enabled_services, service_module


class NoRouteConsumer(WebsocketConsumer):
    """Refuses the handshake (closing before accepting answers HTTP 403)."""

    def connect(self) -> None:
        self.close()

    def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        self.close()


def websocket_urlpatterns() -> list[URLPattern]:
    patterns: list[URLPattern] = []
    for service in enabled_services():
        module = import_module(service_module(service, "urls"))
        patterns.extend(getattr(module, "websocket_urlpatterns", []))
    patterns.append(re_path(r"", NoRouteConsumer.as_asgi()))
    return patterns
