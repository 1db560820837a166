from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "rpd.notifications"
    verbose_name = "Notifications"
