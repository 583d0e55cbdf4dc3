from django.urls import URLPattern, path

from tests.eventing_app.consumers import EchoConsumer

urlpatterns: list[URLPattern] = []
websocket_urlpatterns: list[URLPattern] = [path("ws/echo/", EchoConsumer.as_asgi())]
