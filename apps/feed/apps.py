from socialapp import service_app


class FeedConfig(service_app.ServiceAppConfig):
    name = "apps.feed"
    label = "feed"
    verbose_name = "Feed"
    service = "feed"
    handler_modules = ("events", "search.handlers")  # the fan-out and projections; the search indexer
    rate_limited_mutations = dict.fromkeys(
        ("createPost", "editPost", "deletePost", "likePost", "unlikePost", "addComment", "deleteComment"), "writes"
    )
    uses_ports = ("apps.media.contracts.MediaPort",)  # are a post's images the author's?
