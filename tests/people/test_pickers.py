"""A person picker's list is kept between requests until a row it reads changes: every
change, by whatever path (a form, a bulk import, a queryset update, raw SQL), shows in
the next list at once; nothing else empties it (rpd/people/pickers.py)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from rpd.disagreements.fields import people_choices
from rpd.people import pickers
from rpd.people.demo import build_partnership
from rpd.people.models import Agency, PickerToken, StandIn, User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo():
    # A transactional test's database is emptied after it, its token too: as migrated.
    pickers.forget()
    PickerToken.objects.get_or_create(pk=PickerToken.ONLY, defaults={"token": "first"})
    return build_partnership("stoke-on-trent")


def listed(agency) -> dict[int, str]:
    """The agency's people as a picker lists them (`people_choices`), by id."""
    return dict(people_choices(User.objects.filter(agency=agency).order_by("last_name", "pk")))


def test_a_list_read_again_with_nothing_changed_is_kept_and_reads_only_the_token(demo):
    police = demo.agencies["police"]
    first = listed(police)
    with CaptureQueriesContext(connection) as read:
        assert listed(police) == first
    assert len(read) == 1 and "people_pickertoken" in read[0]["sql"]


@pytest.mark.parametrize(
    "change",
    ["form", "queryset update", "raw SQL", "bulk import", "leaver", "stand-in", "agency renamed"],
)
def test_every_kind_of_change_shows_in_the_next_list(demo, change):
    police = demo.agencies["police"]
    officer = demo.ladder["police"][0]
    before = listed(police)
    if change == "form":
        officer.job_title = "Acting Sergeant"
        officer.save()
        assert "Acting Sergeant" in listed(police)[officer.pk]
    elif change == "queryset update":
        User.objects.filter(pk=officer.pk).update(team="Night shift")
        assert "Night shift" in listed(police)[officer.pk]
    elif change == "raw SQL":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE people_user SET last_name = 'Renamedfield' WHERE id = %s", [officer.pk]
            )
        assert "Renamedfield" in listed(police)[officer.pk]
    elif change == "bulk import":
        [new] = User.objects.bulk_create(
            [User(username="imported-1", first_name="Ima", last_name="Ported", agency=police)]
        )
        assert listed(police)[new.pk].startswith("Ima Ported")
    elif change == "leaver":
        active = User.objects.filter(agency=police, is_active=True)
        assert officer.pk in dict(people_choices(active))  # read, and kept
        User.objects.filter(pk=officer.pk).update(is_active=False)
        assert officer.pk not in dict(people_choices(active))
    elif change == "stand-in":
        gp = demo.ladder["csc"][0]
        stands_in = User.objects.filter(stands_in_for__agency=police)
        assert gp.pk not in dict(people_choices(stands_in))  # read, and kept
        StandIn.objects.create(agency=police, pathway_rung="x-test", person=gp)
        assert gp.pk in dict(people_choices(stands_in))
    elif change == "agency renamed":
        Agency.objects.filter(pk=police.pk).update(name="Constabulary Renamed")
        assert listed(police)[officer.pk].endswith("Constabulary Renamed")
    assert change in ("leaver", "stand-in") or listed(police) != before


def test_signing_in_does_not_empty_the_kept_lists(demo):
    # A sign-in writes the person's last_login: not a column any picker shows.
    police = demo.agencies["police"]
    listed(police)
    token = PickerToken.objects.get().token
    officer = demo.ladder["police"][0]
    User.objects.filter(pk=officer.pk).update(last_login="2026-12-07T09:00:00Z")
    officer.set_password("a new one for the test")
    officer.save(update_fields=["password"])
    assert PickerToken.objects.get().token == token


def test_no_two_states_share_a_token_even_after_a_change_rolled_back(demo):
    officer = demo.ladder["police"][0]
    seen = {PickerToken.objects.get().token}
    for title in ("One", "Two", "Three"):
        try:
            with transaction.atomic():
                User.objects.filter(pk=officer.pk).update(job_title=title)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
        User.objects.filter(pk=officer.pk).update(job_title=title)
        token = PickerToken.objects.get().token
        assert token not in seen
        seen.add(token)


def test_inside_a_transaction_its_own_change_is_read_not_a_kept_list(demo):
    police = demo.agencies["police"]
    officer = demo.ladder["police"][0]
    listed(police)
    with transaction.atomic():
        User.objects.filter(pk=officer.pk).update(job_title="Seen at once")
        assert "Seen at once" in listed(police)[officer.pk]
        transaction.set_rollback(True)
    assert "Seen at once" not in listed(police)[officer.pk]


def test_a_query_reading_a_table_without_the_triggers_is_never_kept(demo):
    # Whoever has an open invitation: invitations change without a new token.
    people = User.objects.filter(invitations__isnull=False).distinct()
    people_choices(people)
    with CaptureQueriesContext(connection) as read:
        people_choices(people)
    assert len(read) == 1 and "people_pickertoken" not in read[0]["sql"]


def test_each_watched_table_has_its_triggers():
    # Checked against the database itself, so a table added to WATCHED without a
    # migration that installs its triggers fails here.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute(
                "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
                " WHERE t.tgname LIKE '%%_picker'"
            )
        tables = {row[0] for row in cursor.fetchall()}
    assert set(pickers.WATCHED) <= tables
