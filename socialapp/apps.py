from django.apps import AppConfig


class SocialAppConfig(AppConfig):
    """The project itself as an app: management commands and system checks."""

    name = "socialapp"
    label = "socialapp"

    def ready(self) -> None:
        from socialapp import checks  # noqa: F401  (registers the checks)
        from socialapp.observability.metrics import register_outbox_backlog_collector

        register_outbox_backlog_collector()
