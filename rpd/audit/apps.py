from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rpd.audit"
    verbose_name = "Audit"

    def ready(self) -> None:
        from . import account_events

        account_events.connect()
