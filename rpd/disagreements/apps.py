from django.apps import AppConfig


class DisagreementsConfig(AppConfig):
    name = "rpd.disagreements"
    verbose_name = "Disagreements"

    def ready(self):
        from . import evidence, signals  # noqa: F401  (declares evidence; connects receivers)
