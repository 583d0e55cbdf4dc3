from django.apps import AppConfig
from django.conf import settings

from socialapp import checks  # noqa: F401  importing it registers the system checks
from socialapp.health import register_readiness_check


class SocialAppConfig(AppConfig):
    """The project itself as an app: management commands, system checks, the outbox gauges."""

    name = "socialapp"
    label = "socialapp"

    def ready(self) -> None:
        # The eventing package imports models, which Django loads only once the app registry is ready.
        from socialapp.eventing.backlog import register_outbox_backlog_collector  # noqa: PLC0415  needs the app registry
        from socialapp.eventing.kafka.readiness import check_broker  # noqa: PLC0415  needs the app registry

        register_outbox_backlog_collector()
        register_readiness_check("kafka", check_broker, applies=lambda: bool(settings.KAFKA_BOOTSTRAP_SERVERS))
