from socialapp import service_app


class UsersConfig(service_app.ServiceAppConfig):
    name = "apps.users"
    label = "users"
    verbose_name = "Users"
    service = "users"
    rate_limited_mutations = dict.fromkeys(("followUser", "unfollowUser", "updateProfile"), "writes")
    # The bell on a profile; whether an avatar is the user's READY image, and its renditions.
    uses_ports = ("apps.notifications.contracts.NotificationsPort", "apps.media.contracts.MediaPort")
