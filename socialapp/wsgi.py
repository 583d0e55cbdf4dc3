"""WSGI entry point: HTTP only, for the services with neither WebSocket nor uploads.

auth, users and feed answer GraphQL and REST requests with synchronous views; run them with
`gunicorn socialapp.wsgi:application -k gthread --threads 4`. Django's WSGI handler calls the
middleware and the view directly in the server's thread, where the ASGI handler takes each
request through the event loop, a new thread per request and back (ADR 0011). Measured on the
bench machine (2 cores, 2 workers, wrk, 32 connections): a minimal authenticated GraphQL
request costs about 0.7 ms of worker CPU under WSGI against 1.8-2.7 ms under ASGI, and a
hydrated homeFeed page about 7 ms against 9.5-12.8 ms.

media (uploads are cut off at the socket by an ASGI middleware, `apps/media/asgi.py`) and
notifications (WebSocket) need the ASGI application, so a WSGI process refuses to start with
them enabled.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialapp.settings")

application = get_wsgi_application()

from socialapp.server_process import server_process_ready  # noqa: E402
from socialapp.services import enabled_services  # noqa: E402

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
