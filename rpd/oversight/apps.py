from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "rpd.oversight"
    verbose_name = "Oversight"
