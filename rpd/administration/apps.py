from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "rpd.administration"
    verbose_name = "Partnership administration"
