from socialapp import service_app


class IdentityConfig(service_app.ServiceAppConfig):
    name = "apps.auth"
    label = "identity"  # `auth` is django.contrib.auth's
    verbose_name = "Identity"
    service = "auth"
    costly_mutations = ("register", "login", "refreshToken")  # password hashing, token rotation
