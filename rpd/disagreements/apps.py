from django.apps import AppConfig


class DisagreementsConfig(AppConfig):
    name = "rpd.disagreements"
    verbose_name = "Disagreements"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
