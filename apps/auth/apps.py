from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "apps.auth"
    label = "identity"
    verbose_name = "Identity"

    def ready(self) -> None:
        from apps.auth import events  # noqa: F401  (registers this app's event handlers)
