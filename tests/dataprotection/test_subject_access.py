"""Subject access (UK GDPR Article 15), restriction (18) and rectification (16), for the
partnership's information governance role."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from rpd.audit.log import verify
from rpd.audit.models import Event
from rpd.dataprotection import subject_access as sar
from rpd.dataprotection.models import Read, Reading
from rpd.disagreements.models import Subject
from rpd.people.models import Role, RoleGrant

from .conftest import ROBIN, SKY


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def search(client, **answers):
    return client.post(reverse("dataprotection:search"), answers)


def by_nhs_number():
    return {"nhs_number": ROBIN["subject_nhs_number"]}


def by_name():
    year, month, day = ROBIN["subject_date_of_birth"].split("-")
    return {
        "given_name": "robin",  # as a request letter might spell it
        "family_name": "TESTCHILD",
        "date_of_birth_day": day,
        "date_of_birth_month": month,
        "date_of_birth_year": year,
    }


def test_an_nhs_number_finds_the_cases_that_recorded_it(region):
    found = sar.find(region["officer"], sar.Criteria(nhs_number=ROBIN["subject_nhs_number"]))
    assert [d.pk for d in found] == [region["robin"][0].pk]


def test_name_and_date_of_birth_find_the_cases_raised_without_an_nhs_number_in_both_partnerships(
    region,
):
    criteria = sar.Criteria(
        given_name="ROBIN",
        family_name="testchild",
        date_of_birth=Subject.objects.get(pk=region["robin"][0].subject_id).date_of_birth,
    )
    assert {d.pk for d in sar.find(region["officer"], criteria)} == {d.pk for d in region["robin"]}


def test_the_role_in_one_partnership_finds_nothing_in_another(region):
    RoleGrant.objects.filter(
        user=region["officer"], partnership=region["stoke"].partnership
    ).delete()
    officer = type(region["officer"]).objects.get(pk=region["officer"].pk)
    response = search(client_for(officer), **by_name())
    assert response.status_code == 200
    assert region["robin"][0].reference in response.content.decode()
    found = response.context["cases"]
    assert [d.partnership_id for d in found] == [region["blackpool"].partnership.pk]


def test_a_search_is_audited_by_what_was_asked_never_by_the_identifiers(region):
    search(client_for(region["officer"]), **by_nhs_number(), **by_name())
    events = list(Event.objects.filter(action="subject_access.searched"))
    assert {e.partnership_id for e in events} == {
        region["blackpool"].partnership.pk,
        region["stoke"].partnership.pk,
    }
    assert all(e.data["by"] == ["nhs-number", "name-and-date-of-birth"] for e in events)
    text = json.dumps([e.data for e in events]) + "".join(e.target for e in events)
    for identifier in ("Robin", "Testchild", ROBIN["subject_nhs_number"], "2019-03-14"):
        assert identifier.lower() not in text.lower()
    assert verify().ok


def test_the_export_holds_every_case_record_and_read_of_the_person_and_nothing_of_anyone_else(
    region,
):
    practitioner = region["blackpool"].ladder["csc"][0]
    reader = client_for(practitioner)
    assert (
        reader.get(reverse("disagreements:detail", args=[region["robin"][0].pk])).status_code == 200
    )
    assert reader.get(reverse("disagreements:detail", args=[region["sky"].pk])).status_code == 200

    response = client_for(region["officer"]).post(
        reverse("dataprotection:export"), {**by_nhs_number(), **by_name()}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="subject-access.json"'
    document = json.loads(response.content)
    # References are numbered per partnership: both may be RPD-2026-0001.
    cases = {(c["partnership"], c["reference"]): c for c in document["cases"]}
    assert set(cases) == {(d.partnership.name, d.reference) for d in region["robin"]}
    first = cases[(region["robin"][0].partnership.name, region["robin"][0].reference)]
    assert first["subject"]["nhs_number"] == ROBIN["subject_nhs_number"]
    assert first["subject"]["given_name"] == "Robin"
    records = first["disagreements.record"]
    assert records and records[0]["summary"].startswith("Stage 1 discussion")
    assert [r["who"] for r in first["who_read_it"]] == [practitioner.display_name]
    assert [e["action"] for e in first["history"]][0] == "disagreement.raised"
    assert first["notifications.notice"], "the notices sent about the case are held too"
    text = response.content.decode()
    for identifier in (SKY["subject_given_name"], SKY["subject_nhs_number"], "Elsewhere Close"):
        assert identifier not in text
    assert {c["id"] for c in document["cases"]} == {d.pk for d in region["robin"]}


def test_an_export_is_audited_and_is_itself_a_read_of_each_case(region):
    client_for(region["officer"]).post(reverse("dataprotection:export"), by_name())
    exported = Event.objects.filter(action="subject_access.exported")
    assert sorted(pk for e in exported for pk in e.data["cases"]) == sorted(
        d.pk for d in region["robin"]
    )
    assert set(
        Reading.objects.filter(what=Read.SUBJECT_ACCESS).values_list("disagreement", flat=True)
    ) == {d.pk for d in region["robin"]}


def test_a_restriction_is_recorded_with_its_reason_outside_the_audit_chain(region):
    d = region["robin"][0]
    client = client_for(region["officer"])
    url = reverse("dataprotection:restrict", args=[d.pk])
    response = client.post(url, {"reason": "Parent objects to sharing with the school"})
    assert response.status_code == 302
    assert sar.restricted(d)
    event = Event.objects.get(action="subject.restricted")
    assert "school" not in json.dumps(event.data)
    page = client.get(reverse("dataprotection:case", args=[d.pk])).content.decode()
    assert "Processing of this person" in page and "Parent objects" in page
    lifted = d.subject_requests.get()
    client.post(reverse("dataprotection:lift", args=[d.pk, lifted.pk]))
    assert not sar.restricted(d)
    assert Event.objects.filter(action="subject.restriction_lifted").count() == 1


def test_a_correction_changes_the_subject_and_the_audit_names_the_fields_not_the_values(region):
    d = region["robin"][1]
    response = client_for(region["officer"]).post(
        reverse("dataprotection:rectify", args=[d.pk]),
        {"nhs_number": ROBIN["subject_nhs_number"], "reason": "GP letter gives the NHS number"},
    )
    assert response.status_code == 302
    assert Subject.objects.get(pk=d.subject_id).nhs_number == ROBIN["subject_nhs_number"]
    event = Event.objects.get(action="subject.rectified")
    assert event.data["fields"] == ["nhs_number"]
    assert ROBIN["subject_nhs_number"] not in json.dumps(event.data)
    assert verify().ok


@pytest.mark.parametrize(
    "answers, field, message",
    [
        ({}, "__all__", "Enter an NHS number, or a first name, last name and date of birth"),
        ({"nhs_number": "123"}, "nhs_number", "Enter a valid NHS number"),
        ({"nhs_number": "9990000001"}, "nhs_number", "Enter a valid NHS number"),
        ({"given_name": "Robin"}, "family_name", "Enter the person's last name"),
        (
            {
                "given_name": "Robin",
                "family_name": "Testchild",
                "date_of_birth_day": "31",
                "date_of_birth_month": "2",
                "date_of_birth_year": "2019",
            },
            "date_of_birth",
            "",
        ),
        (
            {
                "given_name": "R" * 5000,
                "family_name": "Testchild",
                "date_of_birth_day": "1",
                "date_of_birth_month": "1",
                "date_of_birth_year": "3000",
            },
            "given_name",
            "",
        ),
        ({"given_name": "\ufffd", "family_name": "Testchild"}, "given_name", ""),
    ],
    ids=[
        "nothing",
        "short",
        "check-digit",
        "half-a-name",
        "no-such-day",
        "huge-and-future",
        "surrogate",
    ],
)
def test_bad_answers_to_the_search_get_a_named_error_never_a_500(region, answers, field, message):
    response = search(client_for(region["officer"]), **answers)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert "govuk-error-summary" in response.content.decode()
    assert not Event.objects.filter(action="subject_access.searched").exists()


def test_bad_answers_to_restriction_and_correction_are_named(region):
    d = region["robin"][0]
    client = client_for(region["officer"])
    restrict = client.post(reverse("dataprotection:restrict", args=[d.pk]), {"reason": " "})
    assert restrict.status_code == 400
    assert "Enter why processing is restricted" in restrict.content.decode()
    same = client.post(
        reverse("dataprotection:rectify", args=[d.pk]),
        {"given_name": "Robin", "reason": "Checked against the school roll"},
    )
    assert same.status_code == 400
    assert "Enter a corrected value that differs" in same.content.decode()
    bad = client.post(
        reverse("dataprotection:rectify", args=[d.pk]), {"nhs_number": "12", "reason": ""}
    )
    assert bad.status_code == 400
    assert "Enter why the data is being corrected" in bad.content.decode()


@pytest.mark.parametrize("who", ["unit", "admin", "chair", "practitioner"])
def test_every_information_governance_page_is_not_found_without_the_role(region, who):
    demo = region["blackpool"]
    person = demo.ladder["csc"][0] if who == "practitioner" else getattr(demo, who)
    assert not person.role_grants.filter(role=Role.INFORMATION_GOVERNANCE).exists()
    client = client_for(person)
    d = region["robin"][0]
    for name, args in [
        ("search", []),
        ("export", []),
        ("case", [d.pk]),
        ("restrict", [d.pk]),
        ("rectify", [d.pk]),
        ("reader", []),
    ]:
        url = reverse(f"dataprotection:{name}", args=args)
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, by_nhs_number()).status_code == 404, url


def test_a_case_of_a_partnership_not_governed_is_not_found(region):
    RoleGrant.objects.filter(
        user=region["officer"], partnership=region["stoke"].partnership
    ).delete()
    officer = type(region["officer"]).objects.get(pk=region["officer"].pk)
    url = reverse("dataprotection:case", args=[region["robin"][1].pk])
    assert client_for(officer).get(url).status_code == 404


def test_the_export_as_pdf_holds_the_same_cases_and_nobody_else(region):
    from rpd.oversight import pdf

    if not pdf.available():
        pytest.skip("WeasyPrint's system libraries are missing (CI installs them)")
    import io

    from pypdf import PdfReader

    response = client_for(region["officer"]).post(
        reverse("dataprotection:export"), {**by_nhs_number(), **by_name(), "format": "pdf"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    for d in region["robin"]:
        assert f"{d.reference} ({d.partnership.name})" in " ".join(text.split())
    assert ROBIN["subject_nhs_number"] in text
    assert SKY["subject_given_name"] not in text and SKY["subject_nhs_number"] not in text
