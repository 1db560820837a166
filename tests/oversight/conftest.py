import pytest


@pytest.fixture(autouse=True)
def signed_in_with_a_second_factor(settings):
    """The pages' tests sign people in with `force_login`, which sets up no second factor:
    the gate that asks for one is specified in tests/people/test_middleware.py."""
    settings.RPD_REQUIRE_MFA = False


def pdf_tests():
    """Skip a PDF test where WeasyPrint's libraries are missing, saying so; never on CI,
    which must have them (scripts/test installs them)."""
    import os

    from rpd.oversight import pdf

    return pytest.mark.skipif(
        not pdf.available() and os.environ.get("CI") != "true",
        reason=f"WeasyPrint's system libraries are missing (apt-get install {pdf.APT})",
    )
