from django.urls import URLPattern, path

from tests.eventing_app.consumers import EchoConsumer, WhoAmIConsumer

urlpatterns: list[URLPattern] = []
websocket_urlpatterns: list[URLPattern] = [
    path("ws/echo/", EchoConsumer.as_asgi()),
    path("ws/whoami/", WhoAmIConsumer.as_asgi()),
]
