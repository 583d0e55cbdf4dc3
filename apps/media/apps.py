from socialapp import service_app


class MediaConfig(service_app.ServiceAppConfig):
    name = "apps.media"
    label = "media"
    verbose_name = "Media"
    service = "media"
    # Its endpoints take GraphQL multipart uploads, cut off at the socket when oversized.
    graphql_view = "apps.media.graphql.multipart.MultipartGraphQLView"
    asgi_http_middleware = ("apps.media.asgi.limit_upload_bodies",)
    own_body_limit_paths = ("/api/media/*", "/graphql/media/", "/graphql/")
    ports = ("apps.media.contracts.MediaPort",)
    costly_mutations = ("uploadImage", "requestImageUpload", "completeImageUpload")
    rate_limited_mutations = {
        **dict.fromkeys(("uploadImage", "requestImageUpload", "completeImageUpload"), "media"),
        "deleteMedia": "writes",
    }
