"""Learning tracked to done: suggested by what cases record, told to the oversight roles
without case text, tracked by overseers, shown on the case page."""

import datetime
import re

import pytest

from rpd.audit.models import Event
from rpd.disagreements import demo as case_demo
from rpd.disagreements import transitions
from rpd.notifications.models import Notice
from rpd.oversight.models import LearningItem, LearningKind, LearningSource, LearningStatus
from tests.disagreements.helpers import HOSTILE, discuss, fresh

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def jersey(django_db_setup, django_db_blocker):
    """The Jersey demo: resolutions with learning flags, stage 4 records of wider lessons."""
    with django_db_blocker.unblock():
        demo, cases = case_demo.build("jersey", "jersey-learning")
        yield demo, cases
        from django.core.management import call_command

        call_command("flush", "--no-input", verbosity=0)


def test_the_resolutions_learning_flags_and_jerseys_wider_lessons_suggest_learning(jersey):
    demo, cases = jersey
    items = LearningItem.objects.filter(partnership=demo.partnership)
    audit = items.get(kind=LearningKind.MULTI_AGENCY_AUDIT)
    [case] = audit.cases.all()
    assert case.resolution.learning_multi_agency_audit
    assert audit.source == LearningSource.RESOLUTION and audit.status == LearningStatus.SUGGESTED
    assert not items.filter(kind=LearningKind.WIDER_LESSONS).exists()
    at_4 = next(d for d in cases if fresh(d).stage == 4 and fresh(d).status == "open")
    d = discuss(fresh(at_4).current_episode().raising_actor, at_4, outcome="ongoing",
                covers=["wider-lessons"], approve=False)  # fmt: skip
    wider = items.get(kind=LearningKind.WIDER_LESSONS)
    assert list(wider.cases.all()) == [d] and wider.source == LearningSource.RECORD
    # One item per case and kind, however many records tick it.
    discuss(fresh(d).current_episode().raising_actor, d, outcome="ongoing",
            covers=["wider-lessons"], approve=False)  # fmt: skip
    assert items.filter(kind=LearningKind.WIDER_LESSONS).count() == 1


def test_the_oversight_roles_are_told_of_a_suggestion_without_any_case_text(jersey):
    demo, cases = jersey
    item = LearningItem.objects.filter(partnership=demo.partnership).first()
    [case] = item.cases.all()
    notices = Notice.objects.filter(dedupe_key__startswith=f"learning:{item.pk}:")
    assert {n.recipient_id for n in notices} == {demo.unit.pk, demo.chair.pk}
    for notice in notices:
        assert case.reference in notice.subject and "/learning/" in notice.body_text
        for text in (case.summary, case.subject.family_name, case.challenged_description):
            assert text not in notice.body_text and text not in notice.body_html


def test_cambridgeshires_referral_to_a_learning_activity_suggests_learning(django_db_blocker):
    from tests.disagreements.helpers import escalate, raise_data
    from tests.disagreements.pages import partnership_with_case

    demo, raiser, d = partnership_with_case("cambridgeshire")
    d = transitions.raise_disagreement(raiser, raise_data(demo, fast_track_reason=""))
    pack = d.pack
    while d.stage < pack.last_stage.number:
        d = discuss(fresh(d).current_episode().raising_actor, d)
        d = escalate(fresh(d).current_episode().raising_actor, d)
    d = discuss(fresh(d).current_episode().raising_actor, d)
    option = next(n for n in pack.last_stage.referral_names if "Learning" in n)
    assert "QEG" in option
    d = fresh(d)
    d = transitions.perform(
        "refer", demo.unit, d.pk, d.version, {"referred_to": option, "recommendation": "QEG"}
    )
    item = LearningItem.objects.get(cases=d)
    assert item.kind == LearningKind.IMPROVEMENT_ACTIVITY and item.source == LearningSource.REFERRAL


def test_an_overseer_adds_learning_and_tracks_it_to_done(client, jersey):
    demo, cases = jersey
    slug = demo.partnership.slug
    client.force_login(demo.unit)
    owner = demo.lead["police"]
    response = client.post(
        f"/partnerships/{slug}/learning/add/",
        {
            "title": "Thresholds at the front door",
            "kind": LearningKind.OTHER,
            "cases": f"{cases[0].reference}, {cases[1].reference}",
            "status": LearningStatus.AGREED,
            "owner": owner.pk,
            "due": "2027-03-31",
            "notes": "Audit ten refused referrals",
        },
    )
    assert response.status_code == 302
    item = LearningItem.objects.get(title="Thresholds at the front door")
    assert item.owner == owner and item.due == datetime.date(2027, 3, 31)
    assert set(item.cases.all()) == {cases[0], cases[1]}
    response = client.post(
        f"/partnerships/{slug}/learning/{item.pk}/",
        {"status": LearningStatus.DONE, "owner": owner.pk, "notes": "Done: procedure amended"},
    )
    item.refresh_from_db()
    assert item.status == LearningStatus.DONE and item.done_at is not None
    assert Event.objects.filter(target=f"learning:{item.pk}").count() == 2
    page = client.get(f"/partnerships/{slug}/learning/").text
    assert "Thresholds at the front door" in page and "Done" in page
    # The case page lists it for whoever sees the case whole.
    client.force_login(cases[0].raised_by)
    page = client.get(f"/disagreements/{cases[0].pk}/").text
    assert 'id="learning"' in page and "Other learning: done" in page
    client.force_login(demo.ladder["csc"][0])
    assert client.get(f"/partnerships/{slug}/learning/").status_code == 404
    assert client.get(f"/partnerships/{slug}/learning/{item.pk}/").status_code == 404
    item.delete()


def test_every_learning_field_takes_hostile_input_with_a_named_error(client, jersey):
    demo, _ = jersey
    client.force_login(demo.unit)
    url = f"/partnerships/{demo.partnership.slug}/learning/add/"
    valid = {"title": "T", "kind": "other", "status": "suggested"}
    for field in ("title", "kind", "cases", "status", "owner", "due", "due_year", "notes"):
        for name, value in HOSTILE.items():
            response = client.post(url, {**valid, field: value})
            assert response.status_code in (200, 302), (field, name)
    page = client.post(url, {**valid, "cases": "NOPE-1"}).text
    assert "No case of this partnership has the reference NOPE-1" in page
    page = client.post(url, {**valid, "title": "a\x00b"}).text
    assert "There is a problem" in page and "must not contain a NUL character" in page
    LearningItem.objects.filter(source=LearningSource.OVERSEER).delete()


def test_the_resolve_page_asks_what_to_learn_as_one_question_and_the_choice_suggests_it(client):
    # Three boxes, each "Suggest a ...", with no question read as three things to do
    # (found by a try-out): one question, its answers the three kinds of learning.
    from rpd.people.demo import build_partnership
    from tests.disagreements.helpers import raise_data

    demo = build_partnership("stoke-on-trent")
    social_worker = demo.ladder["csc"][0]
    d = transitions.raise_disagreement(social_worker, raise_data(demo, "police"))
    d = discuss(social_worker, d, outcome="resolved")
    client.force_login(social_worker)
    page = client.get(f"/disagreements/{d.pk}/resolve/").text
    fieldset = page.split("Should the partnership consider learning from it?")
    assert len(fieldset) == 2
    assert fieldset[0].rstrip().endswith('<legend class="govuk-fieldset__legend">')
    boxes = re.findall(r"<input[^>]*value=\"(\w+)\"", fieldset[1].split("</fieldset>")[0])
    assert boxes == ["learning_multi_agency_audit", "learning_case_review",
                     "learning_procedure_amendment"]  # fmt: skip
    assert "Suggest a" not in page
    sent = client.post(
        f"/disagreements/{d.pk}/resolve/",
        {
            "version": fresh(d).version,
            "agreed_outcome": "A joint visit and a plan.",
            "next_steps": "Both agencies attend the review.",
            "written_confirmation": "Confirmed by email to both agencies the same day.",
            "feedback_to_raiser": "Thank you: the challenge changed the plan.",
            "learning": ["learning_case_review"],
        },
    )
    assert sent.status_code == 302, sent.text
    resolution = fresh(d).resolution
    assert resolution.learning_case_review
    assert not (resolution.learning_multi_agency_audit or resolution.learning_procedure_amendment)
    assert LearningItem.objects.filter(cases=d, kind=LearningKind.CASE_REVIEW).exists()
    # A choice the question does not offer is named, not ignored.
    d2 = transitions.raise_disagreement(social_worker, raise_data(demo, "police"))
    d2 = discuss(social_worker, d2, outcome="resolved")
    wrong = client.post(
        f"/disagreements/{d2.pk}/resolve/",
        {"version": fresh(d2).version, "learning": ["a-party"], "agreed_outcome": "x"},
    )
    assert wrong.status_code == 400 and "govuk-error-summary" in wrong.text
