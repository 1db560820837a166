import pytest


@pytest.fixture(autouse=True)
def signed_in_with_a_second_factor(settings):
    """Pages are tried with `force_login`, which sets up no second factor. (No quicker
    password hasher here: the demo builder hashes its one password once per process, and
    a hash made with a hasher only these tests allow would fail every later sign-in.)"""
    settings.RPD_REQUIRE_MFA = False
