from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "rpd.onboarding"
    verbose_name = "Onboarding"
