"""Importing agencies, ladders and people: every row checked first, nothing written when
one is bad, matched by email and agency code so the same file twice changes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rpd.audit.models import Event
from rpd.disagreements.models import Disagreement
from rpd.notifications.models import Notice
from rpd.onboarding import csvformat
from rpd.onboarding.import_people import ImportRefused, import_file, template
from rpd.onboarding.sample import UNIT_CODE, sample_rows
from rpd.people.models import (
    Agency,
    AgencyType,
    Membership,
    Partnership,
    Role,
    RoleGrant,
    RoleHolder,
    Rung,
    User,
)

from .conftest import PATHWAY, as_csv

pytestmark = pytest.mark.django_db


def refused(partnership, rows) -> list[str]:
    """The problems named, having checked nothing at all was written."""

    def state():
        return (
            list(User.objects.order_by("pk").values()),
            Agency.objects.count(),
            Rung.objects.count(),
            Event.objects.count(),
        )

    before = state()
    with pytest.raises(ImportRefused) as caught:
        import_file(partnership, as_csv(rows), by=None)
    assert state() == before
    return caught.value.lines()


def test_a_file_creates_agencies_their_ladders_and_people(partnership, rows):
    plan = import_file(partnership, as_csv(rows), by=None)
    counts = plan.counts()
    assert counts["person"] == {"create": 40, "update": 0, "unchanged": 0}
    assert counts["agency"]["create"] == 5
    assert set(partnership.agencies.values_list("code", flat=True)) == {
        r["agency_code"] for r in rows
    }
    police = Agency.objects.get(code="police-02")
    assert police.type == AgencyType.POLICE
    ladder = list(police.rungs.values_list("position", "title", "pathway_rung"))
    assert ladder == [
        (1, "Detective Constable", "practitioner"),
        (2, "Detective Sergeant", "line-manager"),
        (3, "Detective Inspector", "senior-manager"),
        (4, "Detective Chief Inspector", "senior-leader"),
    ]
    first = rows[3]  # police-02's... no: csc-01's top of the ladder
    person = User.objects.get(email=first["email"])
    assert (person.first_name, person.agency.code, person.rung.title) == (
        first["given_name"],
        first["agency_code"],
        first["rung_title"],
    )
    assert person.phone.startswith("+44 1632 960")
    assert not person.has_usable_password()
    practitioner = User.objects.filter(agency=police, rung__position=1).first()
    assert practitioner.line_manager.rung.pathway_rung == "line-manager"
    assert practitioner.roles == {Role.PRACTITIONER}
    head = User.objects.get(email=rows[0]["email"])
    assert head.administers(partnership.pk)
    assert set(
        RoleHolder.objects.filter(partnership=partnership, user=head).values_list(
            "role_id", flat=True
        )
    ) == {"partnership-unit", "partnership-executive", "independent-advisor"}


def test_importing_the_same_file_again_changes_nothing(partnership, rows):
    import_file(partnership, as_csv(rows), by=None)
    people = list(User.objects.order_by("pk").values())
    grants = list(RoleGrant.objects.order_by("pk").values())
    plan = import_file(partnership, as_csv(rows), by=None)
    assert not plan.changes_anything
    assert plan.counts()["person"] == {"create": 0, "update": 0, "unchanged": 40}
    assert list(User.objects.order_by("pk").values()) == people
    assert list(RoleGrant.objects.order_by("pk").values()) == grants


def test_one_audit_event_per_import_holds_the_counts(partnership, rows):
    import_file(partnership, as_csv(rows), by=None, source="people.csv")
    import_file(partnership, as_csv(rows), by=None, source="people.csv")
    events = list(Event.objects.filter(action="people.imported").order_by("seq"))
    assert len(events) == 2
    assert events[0].data["people"] == {"create": 40, "update": 0, "unchanged": 0}
    assert events[0].data["source"] == "people.csv"
    assert events[0].partnership_id == partnership.pk
    assert events[1].data["people"] == {"create": 0, "update": 0, "unchanged": 40}


def test_a_dry_run_shows_the_changes_and_writes_nothing(partnership, rows):
    import_file(partnership, as_csv(rows), by=None)
    rows[5]["team"] = "Exploitation team"
    rows.append({**rows[-1], "email": "new.starter@police.example.org"})
    events = Event.objects.count()
    plan = import_file(partnership, as_csv(rows), by=None, dry_run=True)
    changed = [str(c) for c in plan.changes if c.action != "unchanged"]
    assert changed == [
        f"line 7: update person {rows[5]['email']} (team)",
        "line 42: create person new.starter@police.example.org",
    ]
    assert plan.counts()["person"] == {"create": 1, "update": 1, "unchanged": 39}
    assert not User.objects.filter(email="new.starter@police.example.org").exists()
    assert Event.objects.count() == events


def test_a_change_in_the_file_updates_the_person_it_names(partnership, rows):
    import_file(partnership, as_csv(rows), by=None)
    lead = next(r for r in rows if "safeguarding-lead" in r["roles"])
    lead["roles"] = "manager"
    lead["family_name"] = "Newname"
    plan = import_file(partnership, as_csv(rows), by=None)
    assert [c.fields for c in plan.changes if c.action == "update"] == [["last_name", "roles"]]
    person = User.objects.get(email=lead["email"])
    assert person.last_name == "Newname" and person.roles == {Role.MANAGER}


def test_a_new_title_takes_its_place_on_an_existing_ladder(partnership, rows):
    import_file(partnership, as_csv(rows), by=None)
    rows.append(
        {
            **rows[-1],
            "email": "pc.new@x.example.org",
            "rung_title": "Police Staff Investigator",
            "pathway_rung": "practitioner",
            "agency_code": "police-02",
            "line_manager_email": "",
        }
    )
    import_file(partnership, as_csv(rows), by=None)
    titles = list(
        Rung.objects.filter(agency__code="police-02")
        .order_by("position")
        .values_list("title", flat=True)
    )
    assert titles[:3] == ["Detective Constable", "Police Staff Investigator", "Detective Sergeant"]


def test_a_row_naming_an_agency_another_partnership_governs_is_refused(partnership, rows):
    other = Partnership.objects.create(name="Elsewhere", slug="elsewhere", pathway_id=PATHWAY)
    force = Agency.objects.create_in(other, name="Elsewhere Constabulary", type="police")
    at = [r["agency_code"] for r in rows].index("police-02")
    first = {**rows[at], "agency_code": force.code}  # names it as a new person's agency
    rows[at] = first

    problems = refused(partnership, rows)

    line = at + 2
    assert problems[0].startswith(f"line {line}, column agency_code (D): {force.code} is governed")
    # ... and renaming it through agency_name is named too, at its own column.
    assert f"line {line}, column agency_name (E): renames {force.code}" in problems[1]
    assert list(force.partnerships.all()) == [other]
    force.refresh_from_db()
    assert force.name == "Elsewhere Constabulary"


def test_an_agency_shared_with_this_partnership_is_still_its_owners_to_import(partnership, rows):
    # Accepted into this partnership, the force serves it; its people are still changed
    # only by the partnership that governs it.
    other = Partnership.objects.create(name="Elsewhere", slug="elsewhere", pathway_id=PATHWAY)
    force = Agency.objects.create_in(other, name="Shared Constabulary", type="police")
    Membership.objects.create(partnership=partnership, agency=force)
    at = [r["agency_code"] for r in rows].index("police-02")
    rows[at] = {**rows[at], "agency_code": force.code, "agency_name": "", "agency_type": ""}
    problems = refused(partnership, rows)
    assert problems[0].startswith(f"line {at + 2}, column agency_code (D): {force.code} is gov")


def test_the_template_is_the_partnerships_people_and_imports_unchanged(partnership, rows):
    rows[4]["given_name"] = '=HYPERLINK("http://example.org")'
    import_file(partnership, as_csv(rows), by=None)
    text = template(partnership)
    assert "'=HYPERLINK" in text and "'+44 1632 960" in text
    plan = import_file(partnership, text.encode(), by=None)
    assert not plan.changes_anything
    assert User.objects.get(email=rows[4]["email"]).first_name.startswith("=HYPERLINK")


def test_a_template_for_no_partnership_is_the_header_alone():
    assert template(None) == ",".join(csvformat.NAMES) + "\r\n"


def test_queries_do_not_grow_with_the_number_of_people(partnership):
    def queries(people):
        Partnership.objects.exclude(pk=partnership.pk).delete()
        data = as_csv(sample_rows(PATHWAY, agencies=4, people=people))
        with CaptureQueriesContext(connection) as captured:
            import_file(partnership, data, by=None)
        User.objects.filter(agency__partnerships=partnership).update(line_manager=None)
        return len(captured)

    small = queries(40)
    assert small < 60
    RoleGrant.objects.all().delete()
    RoleHolder.objects.all().delete()
    Notice.objects.all().delete()  # those telling the first file's leads of their role
    User.objects.all().delete()
    Membership.objects.all().delete()
    Rung.objects.all().delete()
    Agency.objects.all().delete()
    # Ten times the people: a few more batches (SQLite's bound on parameters), never a
    # query per row.
    assert queries(400) < small + 20


# -- Bad rows: each named by line and column, and nothing written ------------------------


def test_one_bad_row_among_many_names_its_line_and_column(partnership, rows):
    rows[20]["pathway_rung"] = "sergeant"
    rows[20]["rung_title"] = "Brand New Title"
    problems = refused(partnership, rows)
    assert problems == [
        "line 22, column pathway_rung (H): 'sergeant' is not a rung of the stoke-on-trent "
        "pathway (practitioner, line-manager, senior-manager, senior-leader)",
    ]


@pytest.mark.parametrize(
    "column, value, message",
    [
        ("email", "", "column email (A): is empty"),
        ("email", "not-an-address", "'not-an-address' is not an email address"),
        ("given_name", "", "column given_name (B): is empty"),
        ("given_name", "x" * 151, "is 151 characters long; the most is 150"),
        ("agency_code", "Police 02", "'Police 02' is not a code"),
        ("agency_type", "constabulary", "'constabulary' is not one of"),
        ("roles", "practitioner;wizard", "'wizard' is not a role"),
        ("pack_roles", "lead-professional", "'lead-professional' is not one of the stoke"),
        (
            "line_manager_email",
            "nobody@x.example.org",
            "nobody@x.example.org is neither in this file nor registered",
        ),
        ("phone", "0" * 41, "column phone (L): is 41 characters long; the most is 40"),
    ],
)
def test_a_bad_cell_is_named(partnership, rows, column, value, message):
    rows[10][column] = value
    problems = refused(partnership, rows)
    assert any(p.startswith("line 12") and message in p for p in problems), problems


def test_an_unknown_agency_code_needs_its_name_and_type(partnership, rows):
    rows[10]["agency_code"] = "polise-02"
    problems = refused(partnership, rows)
    assert (
        "line 12, column agency_name (E): polise-02 is a new agency code: give its name"
        in problems[0]
    )
    assert "column agency_type (F)" in problems[1]


def test_a_duplicate_email_names_both_lines(partnership, rows):
    rows[30]["email"] = rows[5]["email"].upper()
    problems = refused(partnership, rows)
    assert (
        f"line 32, column email (A): {rows[5]['email']} is also on line 7: one row per person"
        in problems
    )


def test_a_line_management_circle_names_every_row_in_it(partnership, rows):
    a, b = rows[10], rows[11]
    a["line_manager_email"], b["line_manager_email"] = b["email"], a["email"]
    problems = refused(partnership, rows)
    circle = [p for p in problems if "goes round in a circle" in p]
    assert [p.split(",")[0] for p in circle] == ["line 12", "line 13"]


def test_two_rows_giving_one_agency_different_details_are_named(partnership, rows):
    first = next(
        i for i, r in enumerate(rows) if r["agency_code"] == "health-03" and r["agency_name"]
    )
    rows[first + 2]["agency_type"] = "education"
    problems = refused(partnership, rows)
    assert (
        f"line {first + 4}, column agency_type (F): 'education' differs from 'health'"
        in problems[0]
    )


def test_someone_registered_in_another_partnership_is_not_taken_over(partnership, rows):
    other = Partnership.objects.create(name="Elsewhere", slug="elsewhere", pathway_id=PATHWAY)
    agency = Agency.objects.create_in(other, name="Elsewhere CSC", type="childrens-social-care")
    User.objects.create(username="x", email=rows[8]["email"], agency=agency)
    problems = refused(partnership, rows)
    assert "line 10, column email (A)" in problems[0] and "outside Testshire" in problems[0]


def test_someone_who_has_left_is_not_brought_back_by_a_file(partnership, rows):
    import_file(partnership, as_csv(rows), by=None)
    User.objects.filter(email=rows[8]["email"]).update(is_active=False)
    problems = refused(partnership, rows)
    assert "has left" in problems[0]


def test_every_bad_row_is_reported_not_just_the_first(partnership, rows):
    for index in (5, 15, 25):
        rows[index]["team"] = "x" * 201
        rows[index]["roles"] = "wizard"
    assert [p.split(",")[0] for p in refused(partnership, rows)] == [
        "line 7",
        "line 7",
        "line 17",
        "line 17",
        "line 27",
        "line 27",
    ]


def test_a_file_that_is_not_utf8_is_refused_whole(partnership, rows):
    rows[3]["given_name"] = "Zoë"
    with pytest.raises(csvformat.FileProblem, match="not UTF-8"):
        import_file(partnership, csvformat.write(rows).encode("cp1252"), by=None)
    assert not User.objects.exists()


def test_the_business_unit_is_a_partnership_agency(partnership, rows):
    import_file(partnership, as_csv(rows), by=None)
    assert Agency.objects.get(code=UNIT_CODE).type == AgencyType.PARTNERSHIP
    assert not Disagreement.objects.exists()


def test_a_chain_of_managers_longer_than_pythons_stack_imports(partnership, rows):
    unit = rows[:3]
    chain = [
        {
            **unit[2],
            "email": f"link{n}@unit.example.org",
            "line_manager_email": f"link{n - 1}@unit.example.org" if n else unit[0]["email"],
        }
        for n in range(1200)
    ]
    import_file(partnership, as_csv(unit + chain), by=None)
    last = User.objects.get(email="link1199@unit.example.org")
    assert len(last.managers()) == 1200  # 1,199 links above, then the head


def test_an_import_leaves_the_audit_chain_verifiable(partnership, rows):
    # Its event's data once held a count under "rows", the key verification reads as the
    # digests of evidence rows: `rpd audit verify` then said the chain was broken.
    from rpd.audit import log as audit

    import_file(partnership, as_csv(rows), by=None)
    assert audit.verify().ok, audit.verify().reason
