"""A new partnership and small synthetic files in the import's format."""

from __future__ import annotations

import pytest

from rpd.onboarding import csvformat, partnerships
from rpd.onboarding.sample import sample_rows

PATHWAY = "stoke-on-trent"


@pytest.fixture
def partnership(db):
    return partnerships.create(
        slug="testshire", name="Testshire Safeguarding Partnership", pathway_id=PATHWAY
    )


@pytest.fixture
def rows():
    """Four agencies and the business unit, 40 people: a copy each test may change."""
    return sample_rows(PATHWAY, agencies=4, people=40)


def as_csv(rows) -> bytes:
    return csvformat.write(rows).encode()


@pytest.fixture
def ready_mail(settings):
    """Mail as a live installation has it, so the go-live check is about the data."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "rpd@testshire.example.org"
    settings.RPD_BASE_URL = "https://rpd.testshire.example.org"
    settings.RPD_NOTICE_CHANNEL = "email"
