"""Check your answers says what the raise will store: every answer type read from the
field definitions (yes/no/not known, dates, choices by their labels, optional answers left
empty), only the questions that were asked, and "Change" links named by the question."""

import datetime
import html
import re
import zoneinfo

import pytest
import time_machine

from rpd.disagreements.models import Disagreement
from rpd.disagreements.nhs_number import spaced, synthetic
from rpd.people.demo import build_partnership

pytestmark = pytest.mark.django_db

ROW = re.compile(
    r'<dt class="govuk-summary-list__key">(.*?)</dt><dd class="govuk-summary-list__value">'
    r"(.*?)</dd>(?:<dd class=\"govuk-summary-list__actions\">(.*?)</dd>)?",
    re.S,
)


def rows(page: str) -> dict[str, tuple[str, str]]:
    """Each row's question: (answer, the Change link's hidden words)."""
    found = {}
    for key, value, action in ROW.findall(page):
        hidden = re.search(r'govuk-visually-hidden">\s*(.*?)</span>', action or "")
        found[html.unescape(key)] = (
            html.unescape(value.replace("<br>", "\n")),
            html.unescape(hidden.group(1)) if hidden else "",
        )
    return found


@pytest.fixture
def demo():
    return build_partnership("stoke-on-trent")


def journey(client, demo, subject: dict) -> tuple[dict, Disagreement]:
    """Every question of Stoke-on-Trent's raise, answered; the check page's rows and the
    disagreement it raised."""
    page = answered(client, demo, subject)
    raised = client.post("/disagreements/new/check/")
    assert raised.status_code == 302
    return rows(page.text), Disagreement.objects.select_related("subject").get(
        pk=int(re.search(r"\d+", raised["Location"]).group())
    )


def answered(client, demo, subject: dict):
    """Every question of Stoke-on-Trent's raise answered (a decision of 1 December 2026):
    the check page."""
    pack = demo.partnership.pathway_entry().pack
    client.force_login(demo.ladder["csc"][0])
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    client.post("/disagreements/new/practice/", {"about_practice": "no"})
    steps = [
        ("subject", {"subject_given_name": "Robin", "subject_family_name": "Testchild", **subject}),
        (
            "agency",
            {
                "receiving_agency": demo.agencies["police"].pk,
                "copied_agencies": [demo.agencies["health"].pk, demo.agencies["school"].pk],
            },
        ),
        ("professional", {"receiving_professional": demo.ladder["police"][0].pk}),
        (
            "challenged",
            {
                "challenged": "inaction",
                "challenged_on_day": "1",
                "challenged_on_month": "12",
                "challenged_on_year": "2026",
            },
        ),
        ("categories", {"categories": [pack.categories[1].id, pack.categories[0].id]}),
        ("summary", {"summary": "Three bruises in four weeks", "outcome_sought": "A visit"}),
        ("risk", {"risk": "immediate", "urgent": "on"}),
        ("tried", {"pre_escalation": [pack.pre_escalation[0].id]}),
        ("start", {"start_stage": "", "fast_track_reason": ""}),
    ]
    for step, data in steps:
        response = client.post(f"/disagreements/new/{step}/", data)
        assert response.status_code == 302, (step, response.text)
    page = client.get("/disagreements/new/check/")
    assert page.status_code == 200
    return page


LONDON = zoneinfo.ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "today, warned",
    [
        (datetime.datetime(2026, 12, 1, 15, tzinfo=LONDON), False),  # the decision's day
        (datetime.datetime(2026, 12, 2, 15, tzinfo=LONDON), False),  # one working day on
        (datetime.datetime(2026, 12, 3, 15, tzinfo=LONDON), True),  # two: late
    ],
)
def test_check_your_answers_says_when_raising_meets_stoke_on_trents_first_step_late(
    client, demo, today, warned
):
    # §5 Stage 1: "raise the matter with the other practitioner ... within a maximum of one
    # working day of the disagreement or on receipt of the disputed decision". Raising it
    # here is raising the matter: said before it is sent, not found on the case after.
    with time_machine.travel(today, tick=False):
        page = answered(client, demo, {}).text
        warning = re.search(r'id="met-late".*?Warning</span>(.*?)</strong>', page, re.S)
        assert bool(warning) is warned
        if warned:
            text = " ".join(html.unescape(warning.group(1)).split())
            due = "“Raise the matter with the other practitioner” was due by Wednesday 2 December"
            assert text.startswith(due)
            assert text.endswith("Raising it now meets it late, and the case will say so.")
        raised = client.post("/disagreements/new/check/")
        d = Disagreement.objects.get(pk=int(re.search(r"\d+", raised["Location"]).group()))
        [milestone] = d.current_episode().milestones.filter(key="raise-with-practitioner")
        assert milestone.met_at is not None and (milestone.met_at.date() > milestone.due) is warned


@pytest.mark.parametrize(
    "given, shown, stored",
    [
        ({"subject_consent_given": "true"}, "Yes", True),
        ({"subject_consent_given": "false"}, "No", False),
        ({"subject_consent_given": "unknown"}, "Not known", None),
        ({}, "Not given", None),
    ],
    ids=["yes", "no", "not known", "unanswered"],
)
def test_check_your_answers_shows_consent_as_it_is_stored(client, demo, given, shown, stored):
    answers, d = journey(client, demo, given)
    assert answers["Has consent been given to share their details?"][0] == shown
    assert d.subject.consent_given is stored


def test_check_your_answers_and_the_stored_disagreement_say_the_same(client, demo):
    pack = demo.partnership.pathway_entry().pack
    answers, d = journey(
        client,
        demo,
        {
            "subject_date_of_birth_day": "27",
            "subject_date_of_birth_month": "3",
            "subject_date_of_birth_year": "2019",
            "subject_nhs_number": synthetic(7),
        },
    )
    said = {key: value for key, (value, _) in answers.items()}
    # Stoke-on-Trent's pathway is for children: it answers that question itself.
    assert "Is the concern about a child or an adult at risk?" not in said
    assert d.subject.kind == "child"
    assert said["Date of birth"] == "27 March 2019"
    assert d.subject.date_of_birth == datetime.date(2019, 3, 27)
    assert said["NHS number"] == spaced(synthetic(7))
    assert d.subject.nhs_number == synthetic(7)
    assert said["Address"] == "Not given" and d.subject.address == ""
    assert said["When was it?"] == "1 December 2026"
    assert d.challenged_on == datetime.date(2026, 12, 1)
    assert said["What do you disagree with?"] == "Inaction" and d.challenged == "inaction"
    assert said["What is the disagreement about?"] == "\n".join(
        c.name for c in pack.categories if c.id in d.categories
    )
    assert said["How serious is the risk to the child?"] == (
        "Risk of immediate or significant harm"
    )
    assert said["This is urgent"] == "Yes" and d.urgent is True
    assert said["What have you already done?"] == pack.pre_escalation[0].name
    assert said["Which agency do you disagree with?"] == d.receiving_agency.name
    copied = {demo.agencies["health"].name, demo.agencies["school"].name}
    assert set(said["Other agencies involved"].split("\n")) == copied
    assert {c.agency.name for c in d.copied_agencies.all()} == copied
    assert said["Lead Professional, IRO or meeting chair"] == "Not given"
    assert d.lead_professional is None
    # "Who ... holds the case?" answered with a name; the box beside it is no question of
    # its own, so no "I do not know who: No" (found by a try-out).
    who = "Who in that agency made the decision or holds the case?"
    assert said[who].startswith(demo.ladder["police"][0].display_name)
    assert "I do not know who" not in said
    # Check your answers asks as the pages do, without their "(optional)".
    assert not [key for key in said if "(optional)" in key]
    assert said["Which stage should it start at?"].startswith("Stage 1") and d.stage == 1
    # Asked only of a case starting above stage 1: it did not apply, so is not shown.
    assert "Why must it start above stage 1?" not in said and not d.fast_track_reason
    # Stoke-on-Trent has no same-day rules: the question was never asked, so is not shown.
    assert "Does one of these apply?" not in said
    assert not any("['" in value for value in said.values())


def test_an_empty_date_of_birth_is_not_given_and_change_links_keep_the_questions_words(
    client, demo
):
    answers, d = journey(
        client,
        demo,
        {
            "subject_date_of_birth_day": "",
            "subject_date_of_birth_month": "",
            "subject_date_of_birth_year": "",
        },
    )
    assert answers["Date of birth"][0] == "Not given"
    assert d.subject.date_of_birth is None
    assert answers["NHS number"][1] == "NHS number"
    assert answers["Date of birth"][1] == "date of birth"


def test_an_optional_list_left_empty_is_not_given_not_a_blank():
    """Other agencies involved, none chosen: the form cleans it to an empty query set."""
    from django import forms

    from rpd.disagreements.presenters import answer_in_words
    from rpd.people.models import Agency

    field = forms.ModelMultipleChoiceField(queryset=Agency.objects.none(), required=False)
    assert answer_in_words(field, Agency.objects.none(), []) == "Not given"
    several = forms.MultipleChoiceField(choices=[("a", "A")], required=False)
    assert answer_in_words(several, [], []) == "Not given"


def test_changing_the_agency_drops_the_person_chosen_in_the_old_one_and_asks_again(client, demo):
    """An answer chosen from the list an earlier answer made (the person, from the agency's
    people) goes when that answer changes: the journey asks for it again, and check your
    answers never reads a stale choice."""
    journey_to_check = [
        ("subject", {"subject_given_name": "Robin", "subject_family_name": "Testchild"}),
        ("agency", {"receiving_agency": demo.agencies["health"].pk}),
        ("professional", {"receiving_professional": demo.ladder["health"][0].pk}),
    ]
    client.force_login(demo.ladder["csc"][0])
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    client.post("/disagreements/new/practice/", {"about_practice": "no"})
    for step, data in journey_to_check:
        assert client.post(f"/disagreements/new/{step}/", data).status_code == 302
    changed = client.post(
        "/disagreements/new/agency/?change=1", {"receiving_agency": demo.agencies["police"].pk}
    )
    assert changed.status_code == 302
    assert changed["Location"] == "/disagreements/new/professional/?change=1"
    asked = client.get(changed["Location"])
    assert demo.ladder["health"][0].display_name not in asked.text
    assert demo.ladder["police"][0].display_name in asked.text
    # Even reached directly, check your answers says the person is not given.
    page = client.get("/disagreements/new/check/")
    assert page.status_code == 200
    assert rows(page.text)["Who in that agency made the decision or holds the case?"][0] == (
        "Not given"
    )


def test_the_pathways_timescales_are_the_policys_own_not_fixed_only_where_it_sets_none(
    client, demo
):
    # Stoke-on-Trent §5: one working day to raise it (stage 1) and for contact between the
    # agencies (stage 2), five to raise it at senior leader level (stage 4), two to refer it
    # to the Partnership (stage 5): none of those stages is "not fixed by the policy".
    journey_to_check = [
        ("subject", {"subject_given_name": "Robin", "subject_family_name": "Testchild"}),
        ("agency", {"receiving_agency": demo.agencies["police"].pk}),
        ("professional", {"receiving_professional": demo.ladder["police"][0].pk}),
    ]
    client.force_login(demo.ladder["csc"][0])
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    client.post("/disagreements/new/practice/", {"about_practice": "no"})
    for step, data in journey_to_check:
        client.post(f"/disagreements/new/{step}/", data)
    page = html.unescape(client.get("/disagreements/new/check/").text)
    stages = re.search(r'<ol class="govuk-list govuk-list--number">(.*?)</ol>', page, re.S)
    items = re.findall(r"<li>(.*?)</li>", stages.group(1), re.S)
    assert len(items) == 5
    assert not any("not fixed by the policy" in item for item in items)
    for number, days in ((1, "within 1 working day"), (2, "within 1 working day"),
                         (4, "within 5 working days"), (5, "within 2 working days")):  # fmt: skip
        assert days in items[number - 1], items[number - 1]


def test_stoke_on_trents_stage_1_date_is_a_review_date_before_and_after_raising(client, demo):
    # §5 sets stage 1 no limit: Check your answers, the page after raising and the case
    # word its date alike, as a date to review the case by, never as a deadline.
    with time_machine.travel(datetime.datetime(2026, 12, 2, 10, tzinfo=LONDON), tick=False):
        page = answered(client, demo, {}).text
        [said] = re.findall(r'<p class="govuk-body" id="first-deadline">(.*?)</p>', page, re.S)
        said = " ".join(re.sub(r"<[^>]+>", "", html.unescape(said)).split())
        assert said.startswith("It is to be reviewed by ") and "deadline" not in said, said
        assert "((" not in said and "))" not in said, said  # no brackets within brackets
        raised = client.post("/disagreements/new/check/")
        done = client.get(raised["Location"]).text
        [next_date] = re.findall(r'<p class="govuk-body" id="next-date">(.*?)</p>', done, re.S)
        assert next_date.startswith("It is to be reviewed by "), next_date
        pk = re.search(r"\d+", raised["Location"]).group()
        case = client.get(f"/disagreements/{pk}/")
        assert next_date.removeprefix("It is to be reviewed by ").rstrip(".") in case.text


def test_check_your_answers_leaves_out_a_question_that_did_not_apply(client, demo):
    # "Why must it start above stage 1?" is asked beside the stage; a case starting at
    # stage 1 has no answer to it, and Check your answers does not list it as "Not given".
    page = answered(client, demo, {}).text
    keys = rows(page)
    assert not any(key.startswith("Why must it start above stage 1") for key in keys), keys
    assert any(key.startswith("Which stage") for key in keys), keys
    # A case started at stage 3 shows its reason.
    client.post("/disagreements/new/start/", {"start_stage": "3", "fast_track_reason": "Harm"})
    said = rows(client.get("/disagreements/new/check/").text)
    assert said["Why must it start above stage 1?"][0] == "Harm", said


def test_i_do_not_know_who_reads_as_the_answer_to_who(client, demo):
    page = answered(client, demo, {})
    client.post(
        "/disagreements/new/professional/?change=1",
        {"receiving_professional": "", "receiver_unknown": "on"},
    )
    said = {
        key: value for key, (value, _) in rows(client.get("/disagreements/new/check/").text).items()
    }
    assert page.status_code == 200
    assert said["Who in that agency made the decision or holds the case?"] == "I do not know who"
    assert "I do not know who" not in said
