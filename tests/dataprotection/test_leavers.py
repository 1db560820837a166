"""Staff who have left are pseudonymised once no case that keeps its personal data names
them; the audit chain names actors by id, so nothing in it needs changing."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from rpd.audit import account_events
from rpd.audit.log import verify
from rpd.cli import main
from rpd.dataprotection import leavers, retention
from rpd.disagreements import transitions
from rpd.disagreements.models import Disagreement
from rpd.pathways.calendar import LONDON
from rpd.people.models import Role, RoleGrant, User

from ..disagreements.helpers import raise_data
from .test_retention import every_text_in_the_database

NAME = ("Ottoline", "Leavertest", "ottoline.leavertest@example.org")


@pytest.fixture
def leaver(region):
    demo = region["blackpool"]
    raiser = demo.ladder["csc"][0]
    person = User.objects.create_user(
        username=NAME[2],
        email=NAME[2],
        first_name=NAME[0],
        last_name=NAME[1],
        agency=raiser.agency,
        rung=raiser.rung,
        line_manager=raiser.line_manager,
        job_title="Social worker",
    )
    RoleGrant.objects.create(user=person, role=Role.PRACTITIONER)
    d = transitions.raise_disagreement(person, raise_data(demo, "police"))
    d = transitions.perform("withdraw", person, d.pk, d.version, {"reason": "Sorted by phone"})
    User.objects.filter(pk=person.pk).update(is_active=False)
    person.refresh_from_db()
    return person, d


def test_every_field_naming_a_person_has_a_way_to_its_case():
    relations = {(model.__name__, name) for model, name, _path in leavers.naming_relations()}
    assert {("Disagreement", "raised_by"), ("Record", "author"), ("Participant", "user")} <= (
        relations
    )


def test_a_leaver_named_in_a_kept_case_keeps_their_name(leaver):
    person, _d = leaver
    assert leavers.named_in_kept_cases(person)
    assert person not in leavers.due()


def test_a_leaver_is_pseudonymised_once_their_cases_are_erased(leaver):
    person, d = leaver
    # Their address in the account events, their own and a sign-in that failed.
    account_events.record("address_verified", person, None, address=NAME[2])
    account_events.throttled(None, NAME[2].upper())
    retention.erase(d)
    assert person in leavers.due()
    leavers.pseudonymise(person)
    person.refresh_from_db()
    assert person.display_name == f"Former staff member {person.pk}"
    assert not person.has_usable_password()
    text = every_text_in_the_database()
    for identifier in NAME:
        assert identifier not in text, identifier
    assert Disagreement.objects.get(pk=d.pk).raised_by_id == person.pk
    assert verify().ok


def test_someone_still_working_is_never_pseudonymised(region):
    with pytest.raises(ValueError, match="has not left"):
        leavers.pseudonymise(region["blackpool"].ladder["csc"][0])


def test_retention_apply_pseudonymises_the_leavers_its_erasures_free(leaver, capsys, settings):
    person, d = leaver
    retention.set_policy(d.partnership, None, years=1, child_age=18)
    with time_machine.travel(datetime.datetime(2038, 1, 5, 9, tzinfo=LONDON), tick=False):
        assert main(["retention", "--apply"]) == 0
    out = capsys.readouterr().out
    assert "pseudonymised 1 leavers" in out
    person.refresh_from_db()
    assert person.username == f"former-{person.pk}"
