from socialapp import service_app


class UsersConfig(service_app.ServiceAppConfig):
    name = "apps.users"
    label = "users"
    verbose_name = "Users"
    service = "users"
    rate_limited_mutations = dict.fromkeys(("followUser", "unfollowUser", "updateProfile"), "writes")
    uses_ports = ("apps.notifications.contracts.NotificationsPort",)  # the bell on a profile
