import pytest


@pytest.fixture(autouse=True)
def signed_in_with_a_second_factor(settings):
    """The pages' tests sign people in with `force_login`, which sets up no second factor:
    the gate that asks for one is specified in tests/people/test_middleware.py."""
    settings.RPD_REQUIRE_MFA = False
