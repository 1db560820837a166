import pytest


@pytest.fixture(autouse=True)
def signed_in_with_a_second_factor(settings):
    """Pages are tried with `force_login`, which sets up no second factor."""
    settings.RPD_REQUIRE_MFA = False
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
