from django.apps import AppConfig
from django.db.models.signals import post_migrate


def create_cache_table(sender, using="default", verbosity=1, **kwargs) -> None:
    # Sign-in throttling counts failures in the shared cache; with the database cache (the
    # default) its table must exist wherever migrate has run. Does nothing for Redis.
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class PeopleConfig(AppConfig):
    name = "rpd.people"
    verbose_name = "People and organisations"

    def ready(self) -> None:
        from allauth.account.models import EmailAddress
        from allauth.account.signals import password_reset, user_logged_in
        from allauth.mfa.signals import authenticator_removed
        from django.db.models.signals import pre_save

        from .addresses import proved_by_reset, vouch_for_registered_address
        from .middleware import forget_second_factor, remember_provider_second_factor

        post_migrate.connect(create_cache_table, sender=self)
        authenticator_removed.connect(forget_second_factor)
        user_logged_in.connect(remember_provider_second_factor)
        pre_save.connect(vouch_for_registered_address, sender=EmailAddress)
        password_reset.connect(proved_by_reset, dispatch_uid="prove-address-by-reset")
