from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "rpd.audit"
    verbose_name = "Audit"
