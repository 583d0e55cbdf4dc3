"""WSGI entry point for the HTTP-only services (auth, users, feed), run as
`gunicorn socialapp.wsgi:application -k gthread --threads 4`.

Their views are synchronous, and the WSGI handler runs them in the server's thread with no
event loop in between: a fraction of the CPU per request the ASGI application costs (ADR 0011).
media (uploads cut off at the socket) and notifications (WebSocket) need the ASGI application,
so a WSGI process refuses to start with them enabled.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialapp.settings")

application = get_wsgi_application()

from socialapp.deployment import enabled_services  # noqa: E402
from socialapp.server_process import server_process_ready  # noqa: E402

# Services that need what only the ASGI application has.
ASGI_ONLY_SERVICES = {"media": "its uploads are cut off at the socket", "notifications": "it serves WebSocket"}

_needs_asgi = [f"{service} ({why})" for service, why in ASGI_ONLY_SERVICES.items() if service in enabled_services()]
if _needs_asgi:
    raise ImproperlyConfigured(
        "SOCIALAPP_SERVICES includes services the WSGI application cannot serve: "
        + "; ".join(_needs_asgi)
        + ". Serve them with socialapp.asgi:application."
    )

server_process_ready()
