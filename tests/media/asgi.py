"""socialapp's ASGI application with uploads cut off at the socket, as socialapp/asgi.py will
compose it (see the media report). Wrapping twice would be harmless."""

from typing import Any

from channels.routing import ProtocolTypeRouter

from apps.media.asgi import limit_upload_bodies
from socialapp.asgi import application as socialapp_application

_routes: Any = socialapp_application
application = ProtocolTypeRouter(
    {**_routes.application_mapping, "http": limit_upload_bodies(_routes.application_mapping["http"])}
)
