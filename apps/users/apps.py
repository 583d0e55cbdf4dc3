from socialapp import service_app


class UsersConfig(service_app.ServiceAppConfig):
    name = "apps.users"
    label = "users"
    verbose_name = "Users"
    service = "users"
