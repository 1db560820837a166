from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "rpd.oversight"
    verbose_name = "Oversight"

    def ready(self):
        from . import signals  # noqa: F401  (connects the learning suggestions)
