"""A switch that cannot strand a partnership (issue 18 item 2): the switch page runs the
go-live check against the candidate version, shows what it would refuse and where to fix
it before the button, and switching with problems needs a reason, audited."""

from __future__ import annotations

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rpd.audit.models import Event
from rpd.disagreements import pathway_versions as versions
from rpd.disagreements.models import PartnershipPathway
from rpd.people.demo import build_partnership

from .test_pathway_versions import stoke_v2

pytestmark = pytest.mark.django_db

BASE = "/partnerships/stoke-on-trent/pathway/"


def with_a_new_first_rung() -> bytes:
    """Stoke's pack with stage 1 held by a 'Professional' rung no agency's ladder has."""
    text = stoke_v2().decode()
    text = text.replace(
        "rungs:                               # §5 stage headings\n",
        "rungs:                               # §5 stage headings\n"
        "  - id: professional\n    name: Professional\n",
        1,
    )
    text = text.replace("      rung: practitioner\n", "      rung: professional\n", 2)
    return text.encode()


@pytest.fixture
def demo():
    return build_partnership("stoke-on-trent")


def test_the_switch_page_shows_what_the_version_would_refuse_and_needs_a_reason_to_switch_anyway(
    client, demo
):
    client.force_login(demo.admin)
    response = client.post(
        BASE + "upload/", {"file": SimpleUploadedFile("v5.yaml", with_a_new_first_rung())}
    )
    assert response.status_code == 302
    row = PartnershipPathway.objects.get(partnership=demo.partnership, in_use_from__isnull=True)
    page = html.unescape(client.get(f"{BASE}versions/{row.pk}/").text)
    agencies = demo.partnership.agencies.exclude(type="partnership").order_by("name")
    problems = page[page.index("What this version would refuse") : page.index("Switch to this")]
    words = re.sub(r"<[^>]+>", "", problems)
    for agency in agencies:
        assert (
            f"No one in {agency.name} stands on the Professional rung that stage 1 needs, "
            f"and no one stands in for it: Complete {agency.name}'s ladder" in words
        ), agency.name
        assert f'href="/partnerships/stoke-on-trent/agencies/{agency.pk}/"' in problems
    assert page.index("What this version would refuse") < page.index("Switch to version 5 anyway")

    # Without a reason: refused at the reason's field, nothing switched.
    switch_url = f"{BASE}versions/{row.pk}/switch/"
    seen = versions.in_use(demo.partnership).digest
    refused = client.post(switch_url, {"seen_in_use": seen, "anyway": "  "})
    assert refused.status_code == 400
    count = agencies.count()
    assert (
        f"This version leaves {count} problems that would refuse or strand new disagreements"
        in html.unescape(refused.text)
    )
    assert 'href="#id_anyway"' in refused.text
    assert versions.in_use(demo.partnership).pack.version == 4
    assert not Event.objects.filter(action="pathway.switched").exists()

    too_long = client.post(switch_url, {"seen_in_use": seen, "anyway": "x" * 2001})
    assert too_long.status_code == 400 and "must be 2000 characters or fewer" in too_long.text

    # With one: switched, and the audit event keeps the reason and the problems.
    reason = "The ladders are being imported tomorrow morning"
    switched = client.post(switch_url, {"seen_in_use": seen, "anyway": reason})
    assert switched.status_code == 302
    assert versions.in_use(demo.partnership).pack.version == 5
    event = Event.objects.get(action="pathway.switched")
    assert event.data["anyway"]["reason"] == reason
    assert len(event.data["anyway"]["problems"]) == count
    assert "Professional rung" in event.data["anyway"]["problems"][0]


def test_a_version_the_check_finds_nothing_wrong_with_switches_without_a_reason(client, demo):
    client.force_login(demo.admin)
    row = versions.upload(demo.partnership, stoke_v2(), "v5.yaml", by=demo.admin)
    page = client.get(f"{BASE}versions/{row.pk}/").text
    assert "What this version would refuse" not in page and "anyway" not in page
    seen = versions.in_use(demo.partnership).digest
    assert client.post(f"{BASE}versions/{row.pk}/switch/", {"seen_in_use": seen}).status_code == 302
    assert "anyway" not in Event.objects.get(action="pathway.switched").data
