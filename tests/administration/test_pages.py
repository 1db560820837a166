"""The administration pages: only the partnership's administrators reach them (anyone
else gets "Page not found"), each change goes through its operation, and every form
answers malformed, oversized and hostile input with a named error, never a 500."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from rpd.audit.models import Event
from rpd.disagreements import transitions
from rpd.people.demo import build_partnership
from rpd.people.models import Agency, Partnership, Role, RoleGrant, User
from tests.disagreements.helpers import raise_data
from tests.sharing import share

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    demo = build_partnership("stoke-on-trent")
    transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo))
    return demo


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pages(demo) -> list[str]:
    """Every administration page of the demo partnership (GET)."""
    s = f"/partnerships/{demo.partnership.slug}/"
    police = demo.agencies["police"]
    rung = police.rungs.first().pk
    officer = demo.ladder["police"][0].pk
    return [
        s, s + "details/", s + "details/name/", s + "details/calendar/",
        s + "details/reference-prefix/", s + "details/closure-days/add/",
        s + "agencies/", s + "agencies/add/", s + "agencies/join/", f"{s}agencies/{police.pk}/",
        f"{s}agencies/{police.pk}/name/", f"{s}agencies/{police.pk}/type/",
        f"{s}agencies/{police.pk}/rungs/add/", f"{s}agencies/{police.pk}/rungs/{rung}/",
        s + "people/", s + "people/add/", f"{s}people/{officer}/",
        f"{s}people/{officer}/roles/", f"{s}people/{officer}/move/",
        f"{s}people/{officer}/move/?agency={police.pk}", f"{s}people/{officer}/deactivate/",
        f"{s}people/{officer}/email/",
        s + "roles/", s + "roles/independent-advisor/add/", s + "stand-ins/", s + "stand-ins/add/",
    ]  # fmt: skip


def test_the_partnerships_administrator_reaches_every_page(demo):
    client = client_for(demo.admin)
    for url in pages(demo):
        assert client.get(url).status_code == 200, url
    # One partnership: straight to it.
    assert client.get("/partnerships/").headers["Location"] == "/partnerships/stoke-on-trent/"


@pytest.mark.parametrize("who", ["practitioner", "lead", "unit", "chair", "other-admin"])
def test_anyone_else_is_told_each_page_does_not_exist(demo, who):
    other = build_partnership("jersey")
    person = {
        "practitioner": demo.ladder["csc"][0],
        "lead": demo.lead["police"],
        "unit": demo.unit,
        "chair": demo.chair,
        "other-admin": other.admin,
    }[who]
    client = client_for(person)
    for url in pages(demo):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"name": "Taken over"}).status_code == 404, url
    assert (
        client.get("/partnerships/").status_code == (200 if who == "other-admin" else 404)
        or who == "other-admin"
    )
    assert Partnership.objects.get(pk=demo.partnership.pk).name != "Taken over"
    assert "Administration" not in client.get("/").content.decode() or who == "other-admin"


def test_the_administration_link_is_in_the_navigation_for_administrators_only(demo):
    assert ">Administration<" in client_for(demo.admin).get("/").content.decode()
    assert ">Administration<" not in client_for(demo.unit).get("/").content.decode()


def test_an_administrator_of_several_partnerships_picks_one(demo):
    other = build_partnership("jersey")
    RoleGrant.objects.create(
        user=demo.admin, role=Role.ADMINISTRATOR, partnership=other.partnership
    )
    client = client_for(demo.admin)
    page = client.get("/partnerships/")
    assert page.status_code == 200
    html = page.content.decode()
    assert demo.partnership.name in html and other.partnership.name in html
    assert client.get("/partnerships/jersey/").status_code == 200


def test_an_agency_serving_two_partnerships_is_in_both_administrations(demo):
    other = build_partnership("jersey")
    police, officer = demo.agencies["police"], demo.ladder["police"][0]
    share(police, other.partnership, asked_by=other.admin, accepted_by=demo.admin)
    theirs = client_for(other.admin)

    assert police.name in theirs.get("/partnerships/jersey/agencies/").content.decode()
    assert theirs.get(f"/partnerships/jersey/people/{officer.pk}/").status_code == 200
    # Through Jersey's administration, not Stoke's.
    assert theirs.get(f"/partnerships/stoke-on-trent/people/{officer.pk}/").status_code == 404
    # Roles of one partnership stay in it: made Jersey's unit, not Stoke's. (Jersey's page
    # offers only Jersey's roles: the officer's agency roles are Stoke's to set, and kept.)
    theirs.post(f"/partnerships/jersey/people/{officer.pk}/roles/", {"roles": ["partnership-unit"]})
    officer = User.objects.get(pk=officer.pk)
    assert officer.oversees(other.partnership.pk) and not officer.oversees(demo.partnership.pk)
    assert officer.roles == {Role.PRACTITIONER}


def test_adding_an_agency_checks_the_answers_before_adding_it(demo):
    client = client_for(demo.admin)
    s = "/partnerships/stoke-on-trent/agencies/"

    response = client.post(s + "add/", {"name": "Northfield GP Practice", "type": "health"})
    assert response.headers["Location"] == s + "add/check/"
    check = client.get(s + "add/check/").content.decode()
    assert "Northfield GP Practice" in check and "Health" in check
    assert 'href="/partnerships/stoke-on-trent/agencies/add/#id_name"' in check
    assert not Agency.objects.filter(name="Northfield GP Practice").exists()
    done = client.post(s + "add/check/")
    agency = Agency.objects.get(name="Northfield GP Practice")
    assert done.headers["Location"] == f"{s}{agency.pk}/"
    assert Event.objects.filter(action="agency.added", actor_id=demo.admin.pk).exists()


def options_of(html: str, name: str) -> set[str]:
    """The values a page's select `name` lists (its empty first option left out)."""
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return set(re.findall(r'<option value="(\d+)"', select))


def test_adding_a_person_asks_their_agency_first_then_offers_its_rungs_and_managers_only(demo):
    client = client_for(demo.admin)
    s = "/partnerships/stoke-on-trent/people/add/"
    first = client.get(s).content.decode()
    assert "Which agency are they in?" in first and 'method="get"' in first
    assert 'name="line_manager"' not in first and 'name="rung"' not in first

    police = demo.agencies["police"]
    html = client.get(s, {"agency": police.pk}).content.decode()
    managers = options_of(html, "line_manager")
    assert managers == {
        str(pk)
        for pk in User.objects.filter(agency=police, is_active=True).values_list("pk", flat=True)
    }
    assert options_of(html, "rung") == {str(r.pk) for r in police.rungs.all()}

    # Anyone the partnership holds may still be named (a manager in another agency).
    other = demo.ladder["csc"][1]
    response = client.post(
        s,
        {"first_name": "Ada", "last_name": "Example", "email": "ada.example@example.org",
         "agency": police.pk, "rung": police.rungs.first().pk, "line_manager": other.pk},
    )  # fmt: skip
    assert response.status_code == 302
    client.post(s.replace("add/", "add/check/"))
    assert User.objects.get(email="ada.example@example.org").line_manager == other


def test_naming_who_stands_behind_a_role_asks_their_agency_first_then_lists_its_people(demo):
    client = client_for(demo.admin)
    s = "/partnerships/stoke-on-trent/roles/independent-advisor/add/"
    first = client.get(s).content.decode()
    assert "Which agency is the person in?" in first and 'name="user"' not in first

    school = demo.agencies["school"]
    html = client.get(s, {"agency": school.pk}).content.decode()
    assert options_of(html, "user") == {
        str(pk)
        for pk in User.objects.filter(agency=school, is_active=True).values_list("pk", flat=True)
    }
    # Posted, then changed from check your answers: back to its agency's people.
    teacher = demo.ladder["school"][0]
    assert client.post(f"{s}?agency={school.pk}", {"user": teacher.pk}).status_code == 302
    again = client.get(s).content.decode()
    assert options_of(again, "user") == options_of(html, "user")


@pytest.mark.parametrize("agency", ["", "0", "banana", "99999999999", "<script>alert(1)</script>"])
def test_an_agency_not_the_partnerships_is_asked_again_before_its_people_are_listed(demo, agency):
    client = client_for(demo.admin)
    s = "/partnerships/stoke-on-trent/"
    for page in (s + "people/add/", s + "roles/independent-advisor/add/"):
        response = client.get(page, {"agency": agency})
        assert response.status_code == 400, page
        html = response.content.decode()
        assert "govuk-error-summary" in html and "<script>alert(1)</script>" not in html
        assert '<select name="line_manager"' not in html and '<select name="user"' not in html


def test_a_question_page_shows_the_operations_refusal_on_its_field(demo):
    client = client_for(demo.admin)
    url = f"/partnerships/stoke-on-trent/people/{demo.ladder['police'][0].pk}/email/"

    response = client.post(url, {"email": demo.ladder["csc"][0].email})

    assert response.status_code == 400
    html = response.content.decode()
    assert "govuk-error-summary" in html and "Someone is already registered with" in html
    assert 'href="#id_email"' in html


def test_deactivating_from_the_page_names_what_is_still_to_choose(demo):
    """Nobody chosen: the one picker for everything else is named; someone who may not
    take a part over: that part is."""
    client = client_for(demo.admin)
    officer = demo.ladder["police"][0]
    url = f"/partnerships/stoke-on-trent/people/{officer.pk}/deactivate/"

    page = client.post(url, {})

    assert page.status_code == 400
    assert 'href="#item-rest"' in page.content.decode()
    outsider = demo.ladder["csc"][0].pk  # not of the police
    wrong = client.post(url, {"rest": outsider}).content.decode()
    assert re.search(r'href="#item-side-\d+-receiving"', wrong)
    assert "choose someone in Police Public Protection Unit to take it over" in wrong
    assert User.objects.get(pk=officer.pk).is_active
    done = client.post(url, {"bulk": "line-manager"})
    assert done.status_code == 302
    assert not User.objects.get(pk=officer.pk).is_active


# -- Bad input ------------------------------------------------------------------------------

HOSTILE = [
    "",
    " ",
    "x" * 100_000,
    "\x00",
    "%ED%A0%80",  # a lone surrogate's bytes, sent raw below
    "<script>alert(1)</script>",
    '=HYPERLINK("http://example.org")',
    "' OR 1=1 --",
    "99999999999999999999999999",
    "-1",
    "1.5",
    "../../etc/passwd",
]


def forms_of(demo) -> dict[str, list[str]]:
    """Every form that takes input, and its fields."""
    s = f"/partnerships/{demo.partnership.slug}/"
    police = demo.agencies["police"]
    rung = police.rungs.first().pk
    officer = demo.ladder["police"][0].pk
    person = [
        "first_name",
        "last_name",
        "email",
        "job_title",
        "team",
        "phone",
        "agency",
        "rung",
        "line_manager",
    ]
    return {
        s + "details/name/": ["name"],
        s + "details/calendar/": ["calendar"],
        s + "details/reference-prefix/": ["reference_prefix"],
        s + "details/closure-days/add/": ["day_day", "day_month", "day_year"],
        s + "details/closure-days/remove/": ["day"],
        s + "agencies/add/": ["name", "type", "code"],
        s + "agencies/join/": ["code"],
        f"{s}agencies/{police.pk}/name/": ["name"],
        f"{s}agencies/{police.pk}/type/": ["type"],
        f"{s}agencies/{police.pk}/rungs/add/": ["title", "pathway_rung"],
        f"{s}agencies/{police.pk}/rungs/{rung}/": ["title", "pathway_rung"],
        s + "people/add/": person,
        f"{s}people/{officer}/email/": ["email"],
        f"{s}people/{officer}/phone/": ["phone"],
        f"{s}people/{officer}/roles/": ["roles"],
        f"{s}people/{officer}/reactivate/": ["person"],
        f"{s}people/{officer}/move/": ["agency", "rung", "line_manager", "bulk"],
        f"{s}people/{officer}/move/?agency={police.pk}": ["rung", "line_manager"],
        f"{s}people/{officer}/deactivate/": ["bulk", "side-1-receiving", "action-1"],
        s + "roles/independent-advisor/add/": ["user", "mailbox", "name"],
        s + "roles/designated-safeguarding-lead/add/": ["user", "mailbox", "name", "agency"],
        s + "stand-ins/add/": ["agency", "pathway_rung", "person"],
    }  # fmt: skip


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_every_form_answers_bad_input_with_a_named_error_and_changes_nothing(demo, value):
    client = client_for(demo.admin)
    client.raise_request_exception = True
    events = Event.objects.count()
    for url, fields in forms_of(demo).items():
        if value.startswith("%ED"):
            body = "&".join(f"{name}={value}" for name in fields)
            response = client.post(url, body, content_type="application/x-www-form-urlencoded")
        else:
            response = client.post(url, {name: value for name in fields})
        assert response.status_code in (400, 302), (url, response.status_code)
        if response.status_code == 400:
            html = response.content.decode()
            assert "govuk-error-summary" in html, url
            assert "<script>alert(1)</script>" not in html, url
    # Nothing was added, changed or signed off (a blank choice may move no one either).
    # A name may be any text (shown escaped); nobody was added, moved or signed off, and
    # nothing chosen from a list took a value that is not one of its choices.
    changed = set(Event.objects.filter(seq__gt=events).values_list("action", flat=True))
    assert changed <= {"partnership.changed", "agency.changed", "rung.changed", "person.changed"}
    assert User.objects.get(pk=demo.ladder["police"][0].pk).is_active
    for url in pages(demo):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html, url
    # And the same values in the lists' filters.
    for query in ({"q": value}, {"agency": value}, {"page": value}):
        assert client.get("/partnerships/stoke-on-trent/people/", query).status_code == 200


def test_a_form_posted_with_lists_and_unknown_fields_is_refused_by_name(demo):
    client = client_for(demo.admin)
    s = "/partnerships/stoke-on-trent/"
    response = client.post(
        s + "agencies/add/", {"name": ["A", "B"], "type": ["health", "x"], "extra": "1"}
    )
    assert response.status_code in (302, 400)
    response = client.post(s + "people/add/", {"agency": "[1, 2]", "email": "a@b"})
    assert response.status_code == 400
    assert "Enter an email address in the correct format" in response.content.decode()


def test_removing_a_closure_day_or_a_stand_in_asks_first_then_removes_what_its_row_shows(
    demo,
):
    """The lists' Remove buttons are the summary list's POST rows: each sends its CSRF
    token and its fields to "Are you sure", whose "Yes, remove it" removes what the row
    shows."""
    from rpd.administration import operations as ops
    from rpd.people.models import StandIn

    p, admin = demo.partnership, demo.admin
    ops.add_closure_day(p, admin, {"day_day": "24", "day_month": "12", "day_year": "2030"})
    rung = p.pathway_entry().pack.rungs[2].id
    nurse = demo.ladder["health"][2]
    ops.add_stand_in(
        p, admin, {"agency": demo.agencies["charity"].pk, "pathway_rung": rung, "person": nurse.pk}
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    s = f"/partnerships/{p.slug}/"
    for page, hidden in (
        ("details/", "24 December 2030"),
        ("stand-ins/", f"{nurse.display_name} for {demo.agencies['charity'].name}"),
    ):
        html = client.get(s + page).content.decode()
        assert f'<span class="govuk-visually-hidden"> {hidden}</span>' in html
        form = re.search(
            r'__actions"><form method="post" action="([^"]+)" novalidate>(.*?)</form>', html, re.S
        )
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[2]))
        events = Event.objects.count()
        asked = client.post(form[1], fields)
        assert asked.status_code == 200 and "Are you sure you want to remove" in asked.text
        assert hidden.split(" for ")[0] in asked.text
        assert Event.objects.count() == events  # nothing removed yet
        confirm = re.search(r'<form method="post" novalidate>(.*?)</form>', asked.text, re.S)
        fields = dict(
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', confirm[1])
        )
        assert fields["confirmed"] == "yes"
        assert client.post(form[1], fields).status_code == 302
    p.refresh_from_db()
    assert p.closure_days == []
    assert not StandIn.objects.filter(person=nurse).exists()


def test_a_request_to_join_an_agency_is_answered_by_its_partnership_on_a_page(demo):
    other = build_partnership("jersey")
    police = demo.agencies["police"]
    asking = client_for(other.admin)
    asked = asking.post("/partnerships/jersey/agencies/join/", {"code": police.code})
    assert asked.status_code == 302
    waiting = asking.get("/partnerships/jersey/agencies/").content.decode()
    assert "Waiting for another partnership to accept" in waiting
    assert f"/partnerships/jersey/agencies/{police.pk}/" not in waiting
    request = police.join_requests.get()
    ours = client_for(demo.admin)
    page = f"/partnerships/stoke-on-trent/agencies/requests/{request.pk}/"
    assert page in ours.get("/partnerships/stoke-on-trent/agencies/").content.decode()
    # The asking side cannot answer, on its own pages or Stoke's.
    assert asking.post(page, {"decision": "accepted"}).status_code == 404
    jersey_page = f"/partnerships/jersey/agencies/requests/{request.pk}/"
    assert asking.post(jersey_page, {"decision": "accepted"}).status_code == 404
    for bad in ("", "maybe", "<script>alert(1)</script>"):
        refused = ours.post(page, {"decision": bad})
        html = refused.content.decode()
        assert refused.status_code == 400 and "govuk-error-summary" in html
        assert "<script>alert(1)</script>" not in html
    assert police.memberships.count() == 1

    assert ours.post(page, {"decision": "accepted"}).status_code == 302

    assert set(police.partnerships.values_list("slug", flat=True)) == {"jersey", "stoke-on-trent"}
    assert ours.get(page).status_code == 404  # answered: no longer pending
    assert asking.get(f"/partnerships/jersey/agencies/{police.pk}/").status_code == 200
