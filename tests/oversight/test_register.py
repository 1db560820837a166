"""The register: every case of a partnership, open or closed, for its oversight roles."""

import re

import pytest

from rpd.disagreements import transitions
from tests.disagreements.helpers import HOSTILE, raise_data
from tests.disagreements.pages import partnership_with_case

pytestmark = pytest.mark.django_db


def withdraw(actor, d):
    return transitions.perform("withdraw", actor, d.pk, d.version, {"reason": "Agreed informally"})


@pytest.fixture
def cases():
    demo, raiser, d = partnership_with_case()
    other = transitions.raise_disagreement(demo.ladder["health"][0], raise_data(demo, "school"))
    withdrawn = withdraw(raiser, transitions.raise_disagreement(raiser, raise_data(demo)))
    return demo, d, other, withdrawn


def test_the_register_lists_open_and_closed_cases_to_oversight_roles_only(client, cases):
    demo, d, other, withdrawn = cases
    url = f"/partnerships/{demo.partnership.slug}/register/"
    for user in (demo.unit, demo.chair):
        client.force_login(user)
        page = client.get(url).text
        assert d.reference in page and other.reference in page and withdrawn.reference in page
        assert "Withdrawn at stage 1" in page
    for user in (demo.ladder["csc"][0], demo.admin, demo.outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(demo.unit)
    assert client.get("/partnerships/nowhere/register/").status_code == 404


def test_the_register_shows_only_the_register_line_until_the_partnership_is_told(client, cases):
    demo, d, _, _ = cases
    client.force_login(demo.unit)
    page = client.get(f"/partnerships/{demo.partnership.slug}/register/").text
    assert "Testchild" not in page and "Register line only" in page


def test_the_register_filters_by_status_agency_side_and_reference(client, cases):
    demo, d, other, withdrawn = cases
    client.force_login(demo.unit)
    url = f"/partnerships/{demo.partnership.slug}/register/"
    page = client.get(url + "?status=withdrawn").text
    assert withdrawn.reference in page and d.reference not in page
    school = demo.agencies["school"].pk
    page = client.get(url + f"?agency={school}&side=receiving").text
    assert other.reference in page and d.reference not in page
    assert other.reference not in client.get(url + f"?agency={school}&side=raising").text
    page = client.get(url + f"?reference={other.reference}").text
    assert other.reference in page and d.reference not in page
    page = client.get(url + "?stage=2").text
    assert d.reference not in page and "No cases match" in page


FILTERS = ["reference", "status", "raised_from", "raised_to_year", "closed_from_day",
           "closed_to", "stage", "agency", "side", "category", "pathway", "flag", "page",
           "partnership"]  # fmt: skip


def test_every_register_filter_takes_hostile_input_with_a_named_error_never_a_500(client, cases):
    demo, *_ = cases
    client.force_login(demo.unit)
    url = f"/partnerships/{demo.partnership.slug}/register/"
    for field in FILTERS:
        for name, value in HOSTILE.items():
            response = client.get(url, {field: value})
            assert response.status_code == 200, (field, name)
    # A wrong value is named, and filters by nothing.
    page = client.get(url, {"reference": "a\x00b", "stage": "99"}).text
    assert "There is a problem" in page and "must not contain a NUL character" in page
    assert "from the list" in page  # GOV.UK's "Select the stage from the list"
    # Each named as words that read in the sentence, not its label pasted in.
    page = client.get(url, {"side": "bogus", "flag": "bogus"}).text
    assert "Select which side the agency is on from the list" in page
    assert "Select which cases to show from the list" in page
    every = client.get(url).text
    caption = re.search(r"Cases 1 to \d+ of [\d,]+", every).group()
    page = client.get(url, {"raised_from": "2031-05-01", "raised_to": "2031-04-01"}).text
    assert "Raised to must be on or after raised from" in page
    assert caption in page  # a range in error filters by neither of its ends
    page = client.get(url, {"closed_from_day": "31", "closed_from_month": "2",
                            "closed_from_year": "2026"}).text  # fmt: skip
    assert "Closed from must be a real date" in page


def test_a_region_register_shows_each_partnership_side_by_side(client, cases):
    from rpd.people.demo import build_partnership
    from rpd.people.models import Role, RoleGrant

    demo, d, *_ = cases
    second = build_partnership("jersey")
    theirs = transitions.raise_disagreement(second.ladder["csc"][0], raise_data(second))
    RoleGrant.objects.create(user=demo.unit, role=Role.PARTNERSHIP_UNIT,
                             partnership=second.partnership)  # fmt: skip
    client.force_login(demo.unit)
    page = client.get("/oversight/register/").text
    assert d.reference in page and theirs.reference in page
    assert second.partnership.name in page and demo.partnership.name in page
    page = client.get("/oversight/register/", {"partnership": second.partnership.slug}).text
    assert f"/disagreements/{theirs.pk}/" in page and f"/disagreements/{d.pk}/" not in page
    # Someone who oversees one partnership sees only its cases on the region's page.
    client.force_login(demo.chair)
    assert f"/disagreements/{theirs.pk}/" not in client.get("/oversight/register/").text


def test_an_overdue_case_keeps_its_pathway_version_in_the_register(client, cases):
    from rpd.disagreements.models import Disagreement

    demo, d, _, _ = cases
    Disagreement.objects.filter(pk=d.pk).update(next_due="2020-01-06")
    client.force_login(demo.unit)
    page = client.get(f"/partnerships/{demo.partnership.slug}/register/").text
    row = re.search(rf"{d.reference}.*?</tr>", page, re.S).group()
    version = f"stoke-on-trent v{d.pathway.version}"
    assert "Overdue" in row and version in row
