from django.urls import URLPattern, path

from tests.eventing_app.consumers import EchoConsumer, WhoAmIConsumer
from tests.eventing_app.views import WhoAmIView

urlpatterns: list[URLPattern] = [path("api/eventtests/whoami", WhoAmIView.as_view())]
websocket_urlpatterns: list[URLPattern] = [
    path("ws/echo/", EchoConsumer.as_asgi()),
    path("ws/whoami/", WhoAmIConsumer.as_asgi()),
]
