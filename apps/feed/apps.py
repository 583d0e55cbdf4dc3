from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "apps.feed"
    label = "feed"
    verbose_name = "Feed"

    def ready(self) -> None:
        from apps.feed import events  # noqa: F401  (registers this app's event handlers)
        from apps.feed.search import handlers  # noqa: F401  (the search indexer's handlers)
