"""A new partnership and small synthetic files in the import's format."""

from __future__ import annotations

import datetime

import pytest

from rpd.onboarding import csvformat, golive, partnerships
from rpd.onboarding.sample import sample_rows

PATHWAY = "stoke-on-trent"


# A day of the same year before Stoke-on-Trent's policy review date (31 January 2026).
BEFORE_STOKES_REVIEW = datetime.date(2026, 1, 15)


@pytest.fixture(autouse=True)
def before_stokes_review(monkeypatch):
    """The go-live check runs as before the pathway's policy review date, so that what it
    finds here is about the import (a passed review date has tests of its own)."""
    monkeypatch.setattr(golive, "today", lambda: BEFORE_STOKES_REVIEW)


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
