"""Retention and erasure: a closed case's personal data goes once its partnership's
retention period has passed, unless a legal hold keeps it; what goes is gone from every
table, while the figures stay as they were and the audit chain still verifies."""

from __future__ import annotations

import datetime
import html
import logging

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse

from rpd.audit.log import verify
from rpd.cli import main
from rpd.dataprotection import retention
from rpd.dataprotection.models import Erasure
from rpd.disagreements import transitions
from rpd.disagreements.models import Disagreement, Subject
from rpd.disagreements.nhs_number import synthetic
from rpd.pathways.calendar import LONDON

from ..disagreements.helpers import discuss, raise_data

QUILLON = {
    "subject_given_name": "Quillon",
    "subject_family_name": "Erasetestchild",
    "subject_date_of_birth": "2019-05-23",
    "subject_nhs_number": synthetic(313),
    "subject_address": "7 Forgotten Lane, Testtown",
}
IDENTIFIERS = ("Quillon", "Erasetestchild", synthetic(313), "Forgotten Lane", "2019-05-23")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def closed(region, clock):
    """Quillon's case in Blackpool, discussed and then withdrawn in November 2026."""
    demo = region["blackpool"]
    raiser = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(raiser, raise_data(demo, "police", **QUILLON))
    d = discuss(raiser, d)
    d = transitions.perform(
        "withdraw", raiser, d.pk, d.version, {"reason": "Quillon is safe now; agreed by phone"}
    )
    retention.set_policy(demo.partnership, region["officer"], years=3, child_age=18)
    return d


def register(partnership_id):
    """What the figures are counted from: each case's register line."""
    return sorted(
        Disagreement.objects.filter(partnership_id=partnership_id)
        .values_list("pk", "status", "stage", "raising_agency", "receiving_agency", "closed_at")
        .order_by("pk")
    )


def every_text_in_the_database() -> str:
    """Every column of every row of every table, as text."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            found.extend(" | ".join(map(str, row)) for row in cursor.fetchall())
    return "\n".join(found)


def test_a_case_is_not_due_until_its_period_has_passed_and_the_child_has_grown_up(closed):
    policy = retention.policy_of(closed.partnership)
    assert retention.keep_until(closed, policy) == datetime.date(2037, 5, 23)  # 18th birthday
    assert not retention.due([closed.partnership], datetime.date(2037, 5, 22))
    due = retention.due([closed.partnership], datetime.date(2037, 5, 23))
    assert [item.disagreement.pk for item in due] == [closed.pk]


def test_an_open_case_is_never_due(region, closed):
    still_open = region["sky"]
    due = retention.due([still_open.partnership], datetime.date(2090, 1, 1))
    assert still_open.pk not in {item.disagreement.pk for item in due}


def test_a_legal_hold_keeps_a_case_until_it_is_lifted(region, closed):
    hold = retention.place_hold(closed, region["officer"], "Safeguarding practice review")
    assert not retention.due([closed.partnership], datetime.date(2090, 1, 1))
    with pytest.raises(retention.Refused, match="legal hold"):
        retention.erase(closed)
    retention.lift_hold(hold, region["officer"])
    assert retention.due([closed.partnership], datetime.date(2090, 1, 1))


def test_erasure_leaves_no_identifier_in_any_table_or_log_and_the_figures_and_audit_stand(
    region, closed, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    client_for(region["blackpool"].ladder["csc"][0]).get(
        reverse("disagreements:detail", args=[closed.pk])
    )
    assert all(i in every_text_in_the_database() for i in IDENTIFIERS)
    before = register(closed.partnership_id)
    with time_machine.travel(datetime.datetime(2037, 5, 24, 9, tzinfo=LONDON), tick=False):
        assert main(["retention", "--partnership", "blackpool"]) == 0
        assert "1 cases past their retention period and 0 leavers" in capsys.readouterr().out
        assert Subject.objects.get(pk=closed.subject_id).given_name == "Quillon"  # listed only
        assert main(["retention", "--partnership", "blackpool", "--apply"]) == 0
    assert (
        "Erased the personal data of 1 cases and pseudonymised 0 leavers."
        in capsys.readouterr().out
    )
    text = every_text_in_the_database()
    for identifier in IDENTIFIERS:
        assert identifier not in text, identifier
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for identifier in IDENTIFIERS:
        assert identifier not in logged
    assert register(closed.partnership_id) == before
    assert Erasure.objects.filter(disagreement=closed).exists()
    assert verify().ok
    # The erasure vouches for the rows as erased: restoring a name by hand is caught.
    Subject.objects.filter(pk=closed.subject_id).update(given_name="Quillon")
    assert not verify().ok


def test_the_other_cases_keep_their_data(region, closed):
    retention.erase(closed)
    sky = Subject.objects.get(pk=region["sky"].subject_id)
    assert sky.given_name == "Skylar"
    assert verify().ok


def test_an_erased_case_is_erased_once(closed):
    retention.erase(closed)
    with pytest.raises(retention.Refused, match="already been erased"):
        retention.erase(closed)


def test_retention_names_an_unknown_partnership_in_one_line(region, capsys):
    assert main(["retention", "--partnership", "nowhere"]) == 2
    assert capsys.readouterr().err.strip() == "rpd: error: no partnership 'nowhere'"


def test_the_information_governance_role_erases_from_its_page_after_confirming(region, closed):
    with time_machine.travel(datetime.datetime(2037, 5, 24, 9, tzinfo=LONDON), tick=False):
        client = client_for(region["officer"])  # a session begun in 2026 has expired
        page = client.get(reverse("dataprotection:retention")).content.decode()
        assert closed.reference in page
        url = reverse("dataprotection:erase", args=["blackpool"])
        assert "Erase 1 case?" in client.get(url).content.decode()
        assert client.post(url).status_code == 302
    assert retention.erased(closed)


@pytest.mark.parametrize(
    "answers, message",
    [
        ({"years_after_closure": "", "child_until_age": "25"}, "Enter how many years"),
        ({"years_after_closure": "six", "child_until_age": "25"}, "must be a whole number"),
        ({"years_after_closure": "0", "child_until_age": "25"}, "must be 1 or more"),
        ({"years_after_closure": "9" * 30, "child_until_age": "25"}, "100 or fewer"),
        ({"years_after_closure": "6", "child_until_age": "12"}, "must be 18 or more"),
    ],
)
def test_bad_retention_periods_are_named(region, answers, message):
    response = client_for(region["officer"]).post(
        reverse("dataprotection:retention-policy", args=["blackpool"]), answers
    )
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


def test_a_hold_needs_a_reason(region, closed):
    response = client_for(region["officer"]).post(
        reverse("dataprotection:hold", args=[closed.pk]), {"reason": ""}
    )
    assert response.status_code == 400
    assert "Enter why the case must be kept" in response.content.decode()


def test_retention_pages_are_not_found_without_the_role(region, closed):
    client = client_for(region["blackpool"].admin)
    for url in (
        reverse("dataprotection:retention"),
        reverse("dataprotection:retention-policy", args=["blackpool"]),
        reverse("dataprotection:erase", args=["blackpool"]),
        reverse("dataprotection:hold", args=[closed.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert not retention.erased(closed)
