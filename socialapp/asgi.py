"""ASGI entry point: HTTP (Django) and WebSocket (Channels) for the enabled services.

Run with `manage.py runserver` (Daphne) locally or `gunicorn socialapp.asgi:application
-k uvicorn.workers.UvicornWorker` / `uvicorn socialapp.asgi:application` in production. The
services without WebSocket or uploads (auth, users, feed) run the WSGI application instead,
which costs less per request (`socialapp/wsgi.py`, ADR 0011).
"""

from __future__ import annotations

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialapp.settings")

django_asgi_app = get_asgi_application()  # sets Django up before anything imports models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from socialapp.authn.viewer import WebSocketViewerMiddleware  # noqa: E402
from socialapp.body_limits import limit_request_bodies  # noqa: E402
from socialapp.routing import websocket_urlpatterns  # noqa: E402
from socialapp.server_process import server_process_ready  # noqa: E402
from socialapp.service_app import asgi_http_middleware  # noqa: E402


def _http_application() -> Any:
    """Django, wrapped by what the enabled services add (media cuts oversized uploads off at
    the socket), inside the limit every other request body is held to."""
    application: Any = django_asgi_app
    for middleware in asgi_http_middleware():
        application = middleware(application)
    return limit_request_bodies(application)


application = ProtocolTypeRouter(
    {
        "http": _http_application(),
        # Origin check, then the viewer from the access token, then the services' routes.
        "websocket": AllowedHostsOriginValidator(WebSocketViewerMiddleware(URLRouter(websocket_urlpatterns()))),
    }
)

server_process_ready()
