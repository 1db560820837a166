from django.apps import AppConfig


class DataProtectionConfig(AppConfig):
    name = "rpd.dataprotection"
    label = "dataprotection"
    verbose_name = "Data protection"
    default_auto_field = "django.db.models.BigAutoField"
