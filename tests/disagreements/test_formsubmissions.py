"""The partnerships' forms: assembled from the record, completed by hand, kept as versions.

Each seed's form is listed here by hand from the seed's own text (not from the pack), and
the form assembled for a demo disagreement of that pathway must hold every one of them,
filled from the record or flagged missing.
"""

import pytest
import time_machine
from django.utils import timezone

from rpd.disagreements import formsubmissions, transitions
from rpd.disagreements.models import FormSubmission, FormSubmissionSensitive, SubjectSensitive
from rpd.notifications.models import Notice
from rpd.people.demo import build_partnership

from .helpers import agree_action, discuss, escalate, fresh, raise_data, send_forms

pytestmark = pytest.mark.django_db

MONDAY = "2026-03-02 10:00:00+00:00"

# Seed text -> the pack field that holds it, written from the seeds' forms.
HILLINGDON_SEED = {  # 000_5a8b0b72b8315471.txt, Request for Dispute Resolution: 14 boxes
    "Referrer": "referrer",
    "Agency": "agency",
    "Contact details": "contact-details",
    "Subject": "subject",
    "Dob": "date-of-birth",
    "Address": "address",
    "Ethnicity": "ethnicity",
    "Disability": "disability",
    "Gender": "gender",
    "Religion": "religion",
    "Family/carer details": "family-carer-details",
    "Case Summary": "case-summary",
    "Reason for Escalation": "reason-for-escalation",
    "Summary of actions taken (involved agencies/professionals, stages 1-3)": "summary-of-actions",
}
JERSEY_SEED = {  # 002_d94381b79fd6aaa8.txt, Appendix 3: seven bullets, ten items
    "Personal Details of Child/Adult": "personal-details",
    "case reference (where applicable)": "case-reference",
    "whether consent has been given": "consent-given",
    "Names of involved key practitioners": "key-practitioners",
    "plus any 'third party' agencies working with the family": "third-party-agencies",
    "Brief history of family/intervention": "brief-history",
    "Summary of the issue about which agencies/workers are in dispute": "dispute-summary",
    "Objective/Outcome sought from the resolution process": "outcome-sought",
    "Date of submission": "date-of-submission",
    "Next Steps": "next-steps",
}
STOKE_SEED = {  # 003_0e4c9dcdbc42f25d.txt, Appendix 2: twelve headings
    "Date": "date",
    "Name of Child": "child-name",
    "DOB": "date-of-birth",
    "NHS number": "nhs-number",
    "Practitioner": "practitioner",
    "Agency/Team": "agency-team",
    "Summary of Concerns": "summary-of-concerns",
    "Current Stage in the Escalation Process": "current-stage",
    "Requested Action": "requested-action",
    "Response": "response",
    "Resolution of Issues": "resolution",
    "Actions Taken to Resolve the Professional Disagreement": "actions-taken",
}
SEEDS = {
    "hillingdon": ("request-for-dispute-resolution", 4, HILLINGDON_SEED, 14),
    "jersey": ("stage-4-information", 4, JERSEY_SEED, 10),
    "stoke-on-trent": ("concerns-resolution-form", 3, STOKE_SEED, 12),
}


def at_form_stage(pathway):
    """A demo disagreement of `pathway` raised and climbed to the stage that sends its form."""
    demo = build_partnership(pathway)
    form_id, stage, _, _ = SEEDS[pathway]
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo, "police"))
    while fresh(d).stage < stage:
        actor = fresh(d).current_episode().raising_actor
        discuss(actor, d)
        d = escalate(actor, d)
    return demo, fresh(d), form_id


def submit(actor, d, **data):
    d = fresh(d)
    return transitions.perform("submit_form", actor, d.pk, d.version, data)


@pytest.mark.parametrize("pathway", sorted(SEEDS))
@time_machine.travel(MONDAY, tick=False)
def test_each_seed_form_holds_every_field_the_seed_lists_filled_or_flagged_missing(pathway):
    _, d, form_id = at_form_stage(pathway)
    _, _, seed, count = SEEDS[pathway]
    assembled = formsubmissions.assemble(d, form_id, at=timezone.now(), special=True)
    ids = [v.id for v in assembled.values]
    assert len(seed) == count
    assert sorted(ids) == sorted(seed.values())  # every seed field, and nothing else
    for value in assembled.values:
        assert value.value.strip() or value.asked, value.id  # filled, or asked for
    # The record fills what it holds: the subject, the agency, the outcome sought.
    filled = {v.id for v in assembled.values if not v.asked}
    expected = {
        "hillingdon": {"referrer", "agency", "subject", "date-of-birth", "case-summary"},
        "jersey": {"personal-details", "key-practitioners", "outcome-sought", "next-steps"},
        "stoke-on-trent": {"child-name", "nhs-number", "summary-of-concerns", "current-stage"},
    }[pathway]
    assert expected <= filled


@time_machine.travel(MONDAY, tick=False)
def test_hillingdon_asks_for_the_family_and_special_category_data_the_record_lacks():
    _, d, form_id = at_form_stage("hillingdon")
    assembled = formsubmissions.assemble(d, form_id, at=timezone.now(), special=True)
    asked = {v.id for v in assembled.asked}
    assert {"ethnicity", "disability", "gender", "religion", "family-carer-details"} <= asked
    assert [v.id for v in assembled.missing_required] == ["family-carer-details"]


@time_machine.travel(MONDAY, tick=False)
def test_submitting_is_refused_while_a_required_field_is_empty_naming_it():
    _, d, form_id = at_form_stage("jersey")
    actor = d.current_episode().raising_actor
    with pytest.raises(transitions.Invalid) as caught:
        submit(actor, d, form=form_id, **{"brief-history": "", "consent-given": "Yes"})
    assert caught.value.errors == {
        "brief-history": [
            "Brief history of family/intervention is required: the record does not hold it, "
            "so enter it here"
        ]
    }
    assert not FormSubmission.objects.exists()


@time_machine.travel(MONDAY, tick=False)
def test_a_form_the_stage_does_not_name_is_refused_by_field():
    _, d, _ = at_form_stage("jersey")
    with pytest.raises(transitions.Invalid) as caught:
        submit(d.current_episode().raising_actor, d, form="request-for-dispute-resolution")
    assert "form" in caught.value.errors


@time_machine.travel(MONDAY, tick=False)
def test_each_submission_is_a_new_version_kept_as_sent():
    _, d, form_id = at_form_stage("jersey")
    actor = d.current_episode().raising_actor
    first = {"brief-history": "Known to services since 2024.", "consent-given": "Yes"}
    submit(actor, d, form=form_id, **first)
    # The consent typed last time is offered again; only the history changes.
    submit(actor, d, form=form_id, **{"brief-history": "Known since 2024; moved in May."})
    versions = list(FormSubmission.objects.filter(disagreement=d).order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].values["brief-history"] == "Known to services since 2024."
    assert versions[1].values["brief-history"] == "Known since 2024; moved in May."
    assert versions[1].values["outcome-sought"] == d.outcome_sought
    assert versions[1].values["consent-given"] == "Yes"
    assert versions[1].submitted_by == actor


@time_machine.travel(MONDAY, tick=False)
def test_special_category_values_are_kept_apart_and_written_to_the_subject():
    _, d, form_id = at_form_stage("hillingdon")
    actor = d.current_episode().raising_actor
    submit(actor, d, form=form_id, ethnicity="Pictish heritage", religion="Quietist Order",
           **{"family-carer-details": "Lives with a grandparent"})  # fmt: skip
    submission = FormSubmission.objects.get(disagreement=d)
    assert "ethnicity" not in submission.values and "religion" not in submission.values
    kept = FormSubmissionSensitive.objects.get(submission=submission).values
    assert kept["ethnicity"] == "Pictish heritage" and kept["religion"] == "Quietist Order"
    sensitive = SubjectSensitive.objects.get(subject=d.subject)
    assert (sensitive.ethnicity, sensitive.religion) == ("Pictish heritage", "Quietist Order")
    assert fresh(d).subject.family_details == "Lives with a grandparent"
    for notice in Notice.objects.all():
        assert "Pictish" not in notice.body_text + notice.body_html
    # Read without whole-case sight: withheld, never read.
    without = formsubmissions.assemble(fresh(d), form_id, at=timezone.now(), special=False)
    assert without.value("ethnicity").withheld and without.value("ethnicity").value == ""


@time_machine.travel(MONDAY, tick=False)
def test_a_special_category_answer_longer_than_its_column_is_refused_naming_the_field():
    _, d, form_id = at_form_stage("hillingdon")
    actor = d.current_episode().raising_actor
    with pytest.raises(transitions.Invalid) as caught:
        submit(actor, d, form=form_id, gender="x" * 51, **{"family-carer-details": "Lives alone"})
    assert list(caught.value.errors) == ["gender"]
    assert "50 characters or fewer" in caught.value.errors["gender"][0]
    assert not FormSubmission.objects.filter(disagreement=d).exists()


@time_machine.travel(MONDAY, tick=False)
def test_a_stage_cannot_close_until_its_required_form_is_sent():
    _, d, form_id = at_form_stage("stoke-on-trent")
    actor = d.current_episode().raising_actor
    discuss(actor, d)
    with pytest.raises(transitions.NotAllowed) as caught:
        transitions.perform("escalate", actor, d.pk, fresh(d).version, {"reason": "No agreement"})
    assert "first submit the Professionals Concerns Resolutions" in str(caught.value)
    submit(actor, d, **formsubmissions.sample_answers(fresh(d), form_id, timezone.now()))
    d = escalate(actor, d)
    assert d.stage == 4


@time_machine.travel(MONDAY, tick=False)
def test_the_form_page_shows_the_assembled_form_and_a_bad_post_shows_the_error_summary(client):
    _, d, form_id = at_form_stage("jersey")
    actor = d.current_episode().raising_actor
    client.force_login(actor)
    url = f"/disagreements/{d.pk}/forms/{form_id}/"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "govuk-summary-list" in html and "Missing" in html
    assert d.outcome_sought in html
    bad = client.post(url, {"version": fresh(d).version, "brief-history": ""})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "govuk-error-summary" in html
    assert "Brief history of family/intervention is required" in html
    good = client.post(
        url,
        {
            "version": fresh(d).version,
            "brief-history": "Known to services since 2024.",
            "consent-given": "Yes",
        },
    )
    assert good.status_code == 302
    assert "Version 1" in client.get(url).content.decode()


@time_machine.travel(MONDAY, tick=False)
def test_someone_without_sight_of_the_case_gets_not_found(client):
    demo, d, form_id = at_form_stage("jersey")
    client.force_login(demo.outsider)
    assert client.get(f"/disagreements/{d.pk}/forms/{form_id}/").status_code == 404


RESOLVED = {
    "agreed_outcome": "A joint home visit this week, then a strategy discussion.",
    "next_steps": "Both agencies attend the strategy discussion.",
    "written_confirmation": "Emailed to both agencies the same day.",
    "feedback_to_raiser": "Told the social worker what was agreed.",
}


def resolve_at_stage(d):
    """Resolve at the current stage, the stage's form sent first as the pathway requires,
    with an action agreed on the way."""
    episode = d.current_episode()
    actor, other = episode.raising_actor, episode.receiving_actor
    agree_action(actor, d, other, other, due="2026-03-06")
    discuss(actor, d, outcome="resolved")
    d = send_forms(actor, d)
    return transitions.perform("resolve", actor, d.pk, d.version, RESOLVED)


@pytest.mark.parametrize("stage", [3, 4, 5])
@time_machine.travel(MONDAY, tick=False)
def test_stoke_on_trent_the_partnership_gets_the_outcome_on_its_form_when_a_stage_3_to_5_case_is_resolved(  # noqa: E501
    stage,
):
    demo, d, form_id = at_form_stage("stoke-on-trent")
    while fresh(d).stage < stage:
        actor = fresh(d).current_episode().raising_actor
        discuss(actor, d)
        d = escalate(actor, d)
    before = FormSubmission.objects.filter(disagreement=d, form_id=form_id).count()

    d = resolve_at_stage(fresh(d))

    versions = FormSubmission.objects.filter(disagreement=d, form_id=form_id).order_by("version")
    assert versions.count() == before + 2  # the stage's own, then the outcome on it
    sent, outcome = versions[before], versions[before + 1]
    assert outcome.stage == stage and outcome.submitted_at >= sent.submitted_at
    assert outcome.values["resolution"] == RESOLVED["agreed_outcome"]
    assert "Check at the next visit" in outcome.values["actions-taken"]
    # Everything else as last sent: the answers typed then stand, the record as it is now.
    assert outcome.values["child-name"] == sent.values["child-name"]
    assert outcome.values["current-stage"].startswith(f"Stage {stage}:")
    # The Partnership's notice of the outcome links to the form, with nothing written in it.
    [told] = Notice.objects.filter(disagreement=d, subject__contains="told the outcome")
    assert told.recipient == demo.unit
    assert f"/disagreements/{d.pk}/forms/{form_id}/" in told.body_text
    assert RESOLVED["agreed_outcome"] not in told.body_text + told.body_html


@time_machine.travel(MONDAY, tick=False)
def test_stoke_on_trent_a_case_resolved_before_the_partnership_was_told_puts_no_outcome_on_a_form():
    demo = build_partnership("stoke-on-trent")
    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo, "police"))
    resolve_at_stage(d)
    assert not FormSubmission.objects.filter(disagreement=d).exists()


@time_machine.travel(MONDAY, tick=False)
def test_the_outcome_version_of_a_form_shows_on_its_page_to_the_partnership(client):
    demo, d, form_id = at_form_stage("stoke-on-trent")
    d = resolve_at_stage(d)
    client.force_login(demo.unit)
    page = client.get(f"/disagreements/{d.pk}/forms/{form_id}/")
    assert page.status_code == 200
    assert "Version 2" in page.content.decode()
    assert RESOLVED["agreed_outcome"] in page.content.decode()


@pytest.mark.parametrize("pathway", sorted(SEEDS))
def test_each_seed_form_for_an_rpd_demo_disagreement_holds_every_field_of_the_seeds_list(pathway):
    # The cases `rpd demo` builds, as a partnership manager would open them: every live
    # case at or past the stage that sends the form has it, field by field as the seed
    # lists it, each filled from the record or flagged missing (asked for on its page).
    from rpd.disagreements.demo import build

    form_id, stage, seed, _ = SEEDS[pathway]
    _, made = build(pathway)
    at_form = [d for d in made if d.stage >= stage and form_id in d.pack.stage(d.stage).forms]
    assert at_form, "the demo has a case at the form's stage"
    for d in at_form:
        assembled = formsubmissions.assemble(d, form_id, at=timezone.now(), special=True)
        by_id = {v.id: v for v in assembled.values}
        for heading, field_id in seed.items():
            value = by_id.pop(field_id)  # every heading of the seed's form has its field
            assert value.value.strip() or value.asked, (d.reference, heading)
        assert by_id == {}, "and the form holds nothing the seed does not list"
