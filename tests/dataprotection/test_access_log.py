"""The access log: who was shown which case's personal data, when and on what page,
kept cheaply (one insert a request) and queryable by the information governance role."""

from __future__ import annotations

import datetime
import html

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rpd.cli import main
from rpd.dataprotection.models import Read, Reading


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def inserts(queries) -> int:
    return sum('INSERT INTO "dataprotection_reading"' in q["sql"] for q in queries)


def test_a_case_page_shown_records_who_read_it_and_when(region, clock):
    reader = region["blackpool"].ladder["csc"][0]
    d = region["robin"][0]
    assert client_for(reader).get(reverse("disagreements:detail", args=[d.pk])).status_code == 200
    reading = Reading.objects.get()
    assert (reading.user_id, reading.disagreement_id, reading.what) == (reader.pk, d.pk, Read.CASE)
    assert reading.partnership_id == d.partnership_id
    assert reading.at == timezone.now()


def test_an_action_page_is_a_read_named_by_its_action(region):
    reader = region["blackpool"].ladder["csc"][0]
    d = region["robin"][0]
    client_for(reader).get(reverse("disagreements:act", args=[d.pk, "record"]))
    assert list(Reading.objects.values_list("what", "detail")) == [(Read.ACTION, "record")]


def test_a_case_not_shown_is_not_a_read(region):
    stranger = region["stoke"].ladder["health"][0]  # in Stoke, not in Blackpool's case
    d = region["robin"][0]
    assert client_for(stranger).get(reverse("disagreements:detail", args=[d.pk])).status_code == 404
    assert not Reading.objects.exists()


def test_the_register_line_alone_is_not_a_read_of_personal_data(region):
    # Blackpool's unit sees a stage 1 case's register line only, until the partnership
    # is told: no subject, no records, so nothing of the person was read.
    unit = region["blackpool"].unit
    d = region["robin"][0]
    client_for(unit).get(reverse("disagreements:detail", args=[d.pk]))
    client_for(unit).get(reverse("disagreements:oversight"))
    assert not Reading.objects.exists()


def test_lists_show_no_subject_so_they_are_no_read(region):
    # My work and the oversight list show register lines (reference, agencies, stage,
    # dates): nothing of the child or adult, so nothing to log.
    raiser = region["blackpool"].ladder["csc"][0]
    with CaptureQueriesContext(connection) as queries:
        assert client_for(raiser).get(reverse("home")).status_code == 200
    assert inserts(queries) == 0
    assert b"Testchild" not in client_for(raiser).get(reverse("home")).content


def test_the_readings_of_one_request_are_written_in_one_insert(region):
    from rpd.dataprotection import readings

    class Request:
        user = region["blackpool"].ladder["csc"][0]

    request = Request()
    readings.note_many(request, [(d.pk, d.partnership_id) for d in region["robin"]], Read.EXPORT)
    readings.note(request, region["sky"], Read.EXPORT)
    readings.note(request, region["sky"], Read.EXPORT)  # the same read, once
    with CaptureQueriesContext(connection) as queries:
        assert readings.write(request) == 3
    assert inserts(queries) == 1


def test_the_information_governance_role_reads_the_log_by_case_and_by_person(region):
    reader = region["blackpool"].ladder["csc"][0]
    d = region["robin"][0]
    client_for(reader).get(reverse("disagreements:detail", args=[d.pk]))
    officer = client_for(region["officer"])
    by_case = officer.get(reverse("dataprotection:case", args=[d.pk])).content.decode()
    assert reader.display_name in by_case and "Case page" in by_case
    by_person = officer.get(reverse("dataprotection:reader"), {"email": reader.email.upper()})
    assert by_person.status_code == 200
    assert d.reference in by_person.content.decode()


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter the person's email address"),
        ("not-an-address", "Enter an email address in the correct format"),
        ("nobody@example.org", "No one with this email address has an account"),
        ("x" * 300 + "@example.org", ""),
    ],
)
def test_bad_addresses_on_the_reader_page_are_named(region, email, message):
    response = client_for(region["officer"]).get(reverse("dataprotection:reader"), {"email": email})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
    assert message in html.unescape(response.content.decode())


def test_prune_deletes_only_readings_past_the_retention_period(region, settings, capsys):
    settings.RPD_ACCESS_LOG_DAYS = 30
    reader = region["blackpool"].ladder["csc"][0]
    d = region["robin"][0]
    now = timezone.now()
    for days in (45, 31, 29, 0):
        Reading.objects.create(
            at=now - datetime.timedelta(days=days),
            user=reader,
            disagreement=d,
            partnership_id=d.partnership_id,
            what=Read.CASE,
        )
    assert main(["access-log", "prune"]) == 0
    assert "Deleted 2 readings." in capsys.readouterr().out
    kept = sorted((now - r.at).days for r in Reading.objects.all())
    assert kept == [0, 29]


def test_prune_refuses_a_day_in_the_future_in_one_line(region, capsys):
    assert main(["access-log", "prune", "--before", "2099-01-01"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "rpd: error: --before 2099-01-01 is in the future"


def test_a_web_process_gathers_reads_and_writes_them_in_one_insert_per_batch(region, settings):
    settings.RPD_ACCESS_LOG_FLUSH_SECONDS, settings.RPD_ACCESS_LOG_BATCH = 3600, 3
    reader = region["blackpool"].ladder["csc"][0]
    client = client_for(reader)
    url = reverse("disagreements:detail", args=[region["robin"][0].pk])
    with CaptureQueriesContext(connection) as first_two:
        client.get(url), client.get(url)
    assert inserts(first_two) == 0 and not Reading.objects.exists()
    with CaptureQueriesContext(connection) as third:
        client.get(url)
    assert inserts(third) == 1
    assert Reading.objects.count() == 3


def test_a_case_document_taken_for_an_agencys_file_is_a_read(region):
    reader = region["blackpool"].ladder["csc"][0]
    d = region["robin"][0]
    url = reverse("oversight:case-copy", args=["blackpool", d.pk, d.raising_agency_id])
    assert client_for(reader).get(url).status_code == 200
    assert list(Reading.objects.values_list("what", "disagreement")) == [(Read.DOCUMENT, d.pk)]


def test_the_register_shows_no_subject_before_the_partnership_is_told_so_reads_nothing(region):
    response = client_for(region["blackpool"].unit).get(
        reverse("oversight:register", args=["blackpool"])
    )
    assert response.status_code == 200
    assert not Reading.objects.exists()
