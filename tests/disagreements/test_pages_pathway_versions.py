"""The pathway pages of a partnership's administrator: who may see them, and every form
posted with bad input."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rpd.disagreements import pathway_versions as versions
from rpd.disagreements import transitions
from rpd.disagreements.models import PartnershipPathway
from rpd.people.demo import build_partnership
from tests.people.conftest import error_summary

from .helpers import raise_data
from .test_pathway_versions import STOKE, stoke_v2

pytestmark = pytest.mark.django_db

BASE = "/partnerships/stoke-on-trent/pathway/"


@pytest.fixture
def demo():
    return build_partnership("stoke-on-trent")


def post_file(client, data: bytes, name="stoke-on-trent.yaml"):
    return client.post(BASE + "upload/", {"file": SimpleUploadedFile(name, data)})


def uploaded(demo, data=None) -> PartnershipPathway:
    return versions.upload(demo.partnership, data or stoke_v2(), "v5.yaml", by=demo.admin)


def test_only_the_partnerships_administrators_see_its_pathway_pages(client, demo):
    other = build_partnership("stoke-on-trent", slug="elsewhere")
    row = uploaded(demo)
    pages = [BASE, BASE + "upload/", f"{BASE}versions/{row.pk}/"]
    client.force_login(demo.admin)
    for page in pages:
        assert client.get(page).status_code == 200, page
    for someone in (other.admin, demo.unit, demo.chair, demo.ladder["csc"][0], demo.lead["csc"]):
        client.force_login(someone)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 404, (someone, page)
            assert "Page not found" in response.text
        assert post_file(client, stoke_v2(version=6)).status_code == 404
        switched = client.post(f"{BASE}versions/{row.pk}/switch/", {"seen_in_use": "x"})
        assert switched.status_code == 404
    client.logout()
    assert client.get(BASE).status_code == 302  # to sign in
    # Another partnership's version is not found under this one's address.
    theirs = versions.upload(other.partnership, stoke_v2(), "x.yaml", by=other.admin)
    client.force_login(demo.admin)
    assert client.get(f"{BASE}versions/{theirs.pk}/").status_code == 404
    assert not PartnershipPathway.objects.filter(in_use_from__isnull=False).exists()


def test_the_overview_shows_the_version_in_use_and_its_text(client, demo):
    client.force_login(demo.admin)
    page = client.get(BASE).text
    assert "Stoke-on-Trent concerns resolution process" in page
    assert "<code>stoke-on-trent</code>" in page and "Built in" in page
    assert "Stage 1: Practitioner to practitioner" in page  # the `show` text
    assert "None: this is the first version" in page


def test_upload_compare_simulate_and_switch(client, demo):
    before = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    client.force_login(demo.admin)
    response = post_file(client, stoke_v2())
    assert response.status_code == 302
    review = client.get(response["Location"])
    assert "What changes from version 4" in review.text
    assert "reviewed every 3 working days" in review.text
    assert "reviewed every 5 working days" in review.text
    dates = client.get(response["Location"], {"start": "2026-12-01"}).text
    assert "Tuesday 1 December 2026" in dates
    seen = versions.in_use(demo.partnership).digest
    row = PartnershipPathway.objects.get(uploaded_by=demo.admin)
    switched = client.post(f"{BASE}versions/{row.pk}/switch/", {"seen_in_use": seen}, follow=True)
    assert "New disagreements now start under stoke-on-trent v5" in switched.text
    assert "Earlier versions" in switched.text and "v4" in switched.text
    assert versions.in_use(demo.partnership).pack.version == 5
    assert before.pathway.version == 4


@pytest.mark.parametrize(
    "data, summary, problem",
    [
        (b"id: [unclosed\nversion: 5\n", "The pack has 1 problem", "YAML syntax error"),
        (
            STOKE.read_bytes().replace(b"version: 4\n", b"version: 5\nnmae: typo\n"),
            "The pack has 1 problem",
            "stoke-on-trent.yaml:6: nmae: unknown field",
        ),
        (
            stoke_v2().replace(b"review_every_working_days: 3", b"review_every_working_days: 999"),
            "The pack has 1 problem",
            "stoke-on-trent.yaml:73: stages[0].timescale.review_every_working_days: must be less",
        ),
        (b"a: &a [x, x]\nb: [*a, *a]\n", "The pack has 1 problem", "YAML aliases"),
        (b"x" * (versions.MAX_BYTES + 10), "a pack must be at most 256 KB", None),
        (b"id: caf\xe9\n", "The file must be UTF-8 text: line 1", None),
        (STOKE.read_bytes(), "This is the version in use (stoke-on-trent v4)", None),
        (stoke_v2(version=4), "stoke-on-trent v4 already exists with different content", None),
    ],
    ids=[
        "malformed",
        "unknown-field",
        "out-of-range",
        "alias",
        "oversized",
        "latin-1",
        "same",
        "clash",
    ],
)
def test_a_bad_upload_is_refused_naming_the_file_and_each_problem(
    client, demo, data, summary, problem
):
    client.force_login(demo.admin)
    response = post_file(client, data)
    assert response.status_code == 400
    assert response.text.count("<title>Error: ") == 1
    [line] = error_summary(response)
    assert summary in line
    assert 'href="#id_file"' in response.text
    if problem:
        assert problem in response.text
    assert not PartnershipPathway.objects.exists()


def test_no_file_is_refused(client, demo):
    client.force_login(demo.admin)
    response = client.post(BASE + "upload/", {})
    assert response.status_code == 400
    assert error_summary(response) == ["Choose a pack file to upload"]


def test_hostile_values_are_shown_as_text_never_as_markup(client, demo):
    hostile = stoke_v2().replace(
        b"name: Practitioner to practitioner", b'name: "<script>alert(1)</script>"', 1
    )
    client.force_login(demo.admin)
    response = post_file(client, hostile)
    review = client.get(response["Location"]).text
    assert "<script>alert(1)</script>" not in review
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in review


def test_switching_to_another_pathway_id_asks_for_confirmation(client, demo):
    own = stoke_v2().replace(b"id: stoke-on-trent\n", b"id: stoke-own\n", 1)
    row = uploaded(demo, own)
    seen = versions.in_use(demo.partnership).digest
    client.force_login(demo.admin)
    review = client.get(f"{BASE}versions/{row.pk}/").text
    assert "This is a different pathway" in review
    refused = client.post(f"{BASE}versions/{row.pk}/switch/", {"seen_in_use": seen})
    assert refused.status_code == 400
    assert error_summary(refused) == [
        "Confirm that new disagreements follow stoke-own, a different pathway from stoke-on-trent"
    ]
    done = client.post(
        f"{BASE}versions/{row.pk}/switch/", {"seen_in_use": seen, "other_pathway": "on"}
    )
    assert done.status_code == 302
    demo.partnership.refresh_from_db()
    assert demo.partnership.pathway_id == "stoke-own"


def test_a_stale_or_forged_switch_is_refused_and_shows_the_comparison_again(client, demo):
    two = uploaded(demo)
    client.force_login(demo.admin)
    for seen in ("", "0" * 64, "<b>x</b>"):
        refused = client.post(f"{BASE}versions/{two.pk}/switch/", {"seen_in_use": seen})
        assert refused.status_code == 400
        assert error_summary(refused)
        assert "What changes from version 4" in refused.text
    assert versions.in_use(demo.partnership).pack.version == 4
    # Retried from the refused page, which holds the comparison as it now stands.
    seen = versions.in_use(demo.partnership).digest
    assert f'value="{seen}"' in refused.text


def test_a_date_that_is_not_one_is_named_on_the_simulation(client, demo):
    row = uploaded(demo)
    client.force_login(demo.admin)
    page = client.get(
        f"{BASE}versions/{row.pk}/",
        {"start_day": "31", "start_month": "2", "start_year": "2027"},
    )
    assert page.status_code == 200
    assert error_summary(page) == ["Date the disagreement is raised must be a real date"]
    far = client.get(f"{BASE}versions/{row.pk}/", {"start": "9999-01-01"})
    assert "must be between 1900-01-01 and 2200-12-31" in far.text


def test_a_version_switched_away_from_is_listed_and_cannot_be_switched_to_again(client, demo):
    two = uploaded(demo)
    three = uploaded(demo, stoke_v2(version=6))
    client.force_login(demo.admin)
    seen = versions.in_use(demo.partnership).digest
    client.post(f"{BASE}versions/{three.pk}/switch/", {"seen_in_use": seen})
    seen = versions.in_use(demo.partnership).digest
    refused = client.post(f"{BASE}versions/{two.pk}/switch/", {"seen_in_use": seen})
    assert refused.status_code == 400
    assert "upload its text as version 7" in error_summary(refused)[0]
