from socialapp import service_app


class NotificationsConfig(service_app.ServiceAppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    service = "notifications"
    ports = ("apps.notifications.contracts.NotificationsPort",)
