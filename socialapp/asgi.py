"""ASGI entry point: HTTP (Django) and WebSocket (Channels) for the enabled services.

Run with `manage.py runserver` (Daphne) locally or `gunicorn socialapp.asgi:application
-k uvicorn.workers.UvicornWorker` / `uvicorn socialapp.asgi:application` in production. The
services without WebSocket or uploads (auth, users, feed) run the WSGI application instead,
which costs less per request (`socialapp/wsgi.py`, ADR 0011).
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialapp.settings")

django_asgi_app = get_asgi_application()  # sets Django up before anything imports models

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from apps.media.asgi import limit_upload_bodies  # noqa: E402
from socialapp.authn.viewer import WebSocketViewerMiddleware  # noqa: E402
from socialapp.routing import websocket_urlpatterns  # noqa: E402
from socialapp.server_process import server_process_ready  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Uploads are cut off at the size limit while they stream in: Django's handler would
        # read the whole body before any view could refuse it. (Django's and the limiter's ASGI
        # type hints differ only in Mapping vs MutableMapping.)
        "http": limit_upload_bodies(django_asgi_app),  # type: ignore[arg-type]
        # Origin check, then the viewer from the access token, then the services' routes.
        "websocket": AllowedHostsOriginValidator(WebSocketViewerMiddleware(URLRouter(websocket_urlpatterns()))),
    }
)

server_process_ready()
