from django.apps import AppConfig


class EventTestsConfig(AppConfig):
    name = "tests.eventing_app"
    label = "eventtests"

    def ready(self) -> None:
        from tests.eventing_app import events  # noqa: F401
