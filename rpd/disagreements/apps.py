from django.apps import AppConfig


class DisagreementsConfig(AppConfig):
    name = "rpd.disagreements"
    verbose_name = "Disagreements"
