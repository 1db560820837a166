from django.apps import AppConfig


class PathwaysConfig(AppConfig):
    name = "rpd.pathways"
    verbose_name = "Pathways"
