"""A registered person to sign in as, and the steps of signing in."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache import cache

from rpd.people.models import Agency, AgencyType, Partnership, Role, RoleGrant, User

PASSWORD = "correct horse battery staple 7"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # a made-up base32 TOTP secret


@pytest.fixture(autouse=True)
def quick_hashing_and_empty_cache(settings):
    # The slow hasher is what production needs, not these tests; the cache holds the
    # throttling counts and used TOTP codes, which must not leak between tests.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.RPD_DEMO = False
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def agency(db) -> Agency:
    partnership = Partnership.objects.create(
        name="Testshire Safeguarding Partnership", slug="testshire", pathway_id="stoke-on-trent"
    )
    return Agency.objects.create_in(
        partnership,
        name="Testshire Children's Social Care",
        type=AgencyType.CHILDRENS_SOCIAL_CARE,
    )


@pytest.fixture
def person(agency) -> User:
    user = User.objects.create_user(
        username="amara",
        email="amara.ashcombe@example.org",
        password=PASSWORD,
        first_name="Amara",
        last_name="Ashcombe",
        agency=agency,
        job_title="Social Worker",
    )
    RoleGrant.objects.create(user=user, role=Role.PRACTITIONER)
    return user


@pytest.fixture
def person_with_totp(person) -> User:
    TOTP.activate(person, SECRET)
    RecoveryCodes.activate(person)
    return person


def totp_code(secret: str = SECRET, at: float | None = None) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(at if at is not None else time.time()) // 30))


def recovery_codes(user: User) -> list[str]:
    from allauth.mfa.models import Authenticator

    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.RECOVERY_CODES)
    return RecoveryCodes(authenticator).get_unused_codes()


def sign_in(client, email: str = "amara.ashcombe@example.org", password: str = PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def error_summary(response) -> list[str]:
    """The messages in a page's GOV.UK error summary, as text."""
    html = response.content.decode()
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', html, re.S)
    if not match:
        return []
    items = re.findall(r"<li>(.*?)</li>", match.group(0), re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


SSO_SECRET_ENV = "RPD_TEST_SSO_SECRET"


@pytest.fixture
def fake_idp(monkeypatch):
    """An agency's identity provider, running in this process on 127.0.0.1."""
    from .fake_oidc import CLIENT_SECRET, FakeProvider

    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv(SSO_SECRET_ENV, CLIENT_SECRET)
    fake = FakeProvider().start()
    yield fake
    fake.stop()


@pytest.fixture
def sso_provider(agency, fake_idp):
    """The agency's sign-in provider: the fake, vouching for testshire.gov.uk addresses."""
    from rpd.people import sso

    from .fake_oidc import CLIENT_ID

    return sso.add(
        agency,
        server_url=fake_idp.issuer,
        client_id=CLIENT_ID,
        secret_env=SSO_SECRET_ENV,
        domains=["testshire.gov.uk"],
    )


def through_provider(client, fake, data: dict):
    """Start at "Sign in with your organisation's account", go through the fake provider's
    sign-in page, and return our callback's response."""
    import requests

    started = client.post("/accounts/organisation/", data)
    assert started.status_code == 302, started.content.decode()
    at_provider = requests.get(started["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.status_code
    return client.get(at_provider.headers["Location"])
