from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "rpd.people"
    verbose_name = "People and organisations"
