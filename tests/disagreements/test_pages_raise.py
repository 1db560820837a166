"""Raising a disagreement: immediate risk first, then the allegations route, one question
per page, check your answers with the first deadline, and a confirmation."""

import re

import pytest

from rpd.disagreements.models import Disagreement
from rpd.people.demo import build_partnership

from .helpers import HOSTILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return build_partnership("stoke-on-trent")


def test_immediate_risk_shows_urgent_contacts_and_protection_first(client, demo):
    client.force_login(demo.ladder["csc"][0])
    response = client.post("/disagreements/new/", {"immediate_risk": "yes"})
    page = client.get(response["Location"]).text
    assert "Integrated Front Door 01782 235100" in page
    assert "Take protective action now" in page


def test_unsafe_practice_points_to_the_allegations_route(client, demo):
    client.force_login(demo.ladder["csc"][0])
    response = client.post("/disagreements/new/practice/", {"about_practice": "yes"})
    page = client.get(response["Location"]).text
    assert "Use the allegations route instead" in page
    # Stoke-on-Trent names the whistleblowing helpline, not the LADO's contact: the page
    # still says where an allegation goes, under its own heading, before the helpline.
    allegation = page.index("A person's unsafe practice</h2>")
    assert "Local Authority Designated Officer (LADO)" in page[allegation:]
    assert allegation < page.index("Whistleblowing</h2>") < page.index("0800 028 0285")


def test_jersey_points_unsafe_practice_to_its_allegations_framework(client):
    jersey = build_partnership("jersey")
    client.force_login(jersey.ladder[next(iter(jersey.ladder))][0])
    page = client.get("/disagreements/new/elsewhere/").text
    assert "SPB Managing Allegations Framework" in page
    assert "Local Authority Designated Officer" not in page  # its own route, not ours
    assert "Government of Jersey Whistleblowing Policy" in page


def test_whether_it_is_unsafe_practice_is_answered_in_words_not_yes_or_no(client, demo):
    # "Is it unsafe practice, or is it whistleblowing?" answered "Yes" says neither.
    client.force_login(demo.ladder["csc"][0])
    page = client.get("/disagreements/new/practice/").text
    assert "What is your concern about?" in page
    for answer in (
        "A person&#x27;s unsafe practice, or whistleblowing",
        "Another agency&#x27;s decision, action or inaction about a child",
    ):
        assert answer in page, answer
    assert ">Yes<" not in page and ">No<" not in page
    response = client.post("/disagreements/new/practice/", {})
    assert "Select what your concern is about" in response.text


def test_an_unanswered_question_is_named_in_the_error_summary(client, demo):
    client.force_login(demo.ladder["csc"][0])
    response = client.post("/disagreements/new/", {})
    assert response.status_code == 400
    assert "There is a problem" in response.text


def answer(client, step, data):
    return client.post(f"/disagreements/new/{step}/", data)


def test_the_whole_journey_raises_it_and_acknowledges_the_raiser(client, demo):
    raiser = demo.ladder["csc"][0]
    client.force_login(raiser)
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    response = client.post("/disagreements/new/practice/", {"about_practice": "no"})
    # Stoke-on-Trent's pathway is for children: it does not ask whom the concern is about.
    assert response["Location"] == "/disagreements/new/subject/"
    pack = demo.partnership.pathway_entry().pack
    steps = [
        ("subject", {"subject_given_name": "Robin", "subject_family_name": "Testchild"}),
        ("agency", {"receiving_agency": demo.agencies["police"].pk}),
        ("professional", {"receiving_professional": demo.ladder["police"][0].pk}),
        (
            "challenged",
            {
                "challenged": "decision",
                "challenged_on": "5/1/2026",
            },
        ),
        ("categories", {"categories": [pack.categories[0].id]}),
        ("summary", {"summary": "Three bruises in four weeks", "outcome_sought": "A visit"}),
        ("risk", {"risk": "high"}),
    ]
    for step, data in steps:
        response = answer(client, step, data)
        assert response.status_code == 302, (step, response.text)
    # A bad answer keeps what was typed and names the field.
    bad = answer(client, "subject", {"subject_given_name": "Kept-Name", "subject_family_name": ""})
    assert bad.status_code == 400 and "Kept-Name" in bad.text
    assert 'href="#id_subject_family_name">Enter their family name</a>' in bad.text
    check = client.get("/disagreements/new/check/")
    assert "Check your answers" in check.text
    assert "Robin" in check.text and "Change" in check.text
    assert "It is to be reviewed by" in check.text  # stage 1 has no limit in the policy
    done = client.post("/disagreements/new/check/")
    assert done.status_code == 302
    page = client.get(done["Location"]).text
    d = Disagreement.objects.get()
    assert "Disagreement raised" in page and d.reference in page
    assert d.raised_by == raiser
    # The confirmation is the raiser's alone.
    client.force_login(demo.ladder["police"][0])
    assert client.get(done["Location"]).status_code == 404


def test_the_person_disagreed_with_is_chosen_from_the_agency_chosen_before(client, demo):
    # A partnership has thousands of people: once the agency is known, the list is its own.
    client.force_login(demo.ladder["csc"][0])
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    client.post("/disagreements/new/practice/", {"about_practice": "no"})
    answer(client, "agency", {"receiving_agency": demo.agencies["police"].pk})
    page = client.get("/disagreements/new/professional/").text
    choose = page[page.index('name="receiving_professional"') : page.index("</select>")]
    assert demo.ladder["police"][0].display_name in choose
    for elsewhere in (demo.ladder["health"][0], demo.ladder["school"][1], demo.unit):
        assert elsewhere.display_name not in choose
    # Someone in another agency is refused by name, and nothing else is lost.
    wrong = answer(client, "professional", {"receiving_professional": demo.ladder["health"][0].pk})
    assert wrong.status_code == 400
    assert "is not in Police Public Protection Unit" in wrong.text


def test_the_people_involved_are_not_asked_before_the_agency_whoever_opens_the_page(client, demo):
    """Opened directly (a bookmark, the browser's history), the people page would list
    the whole partnership: the agency's page comes first."""
    client.force_login(demo.ladder["csc"][0])
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    client.post("/disagreements/new/practice/", {"about_practice": "no"})
    for method in (client.get, client.post):
        response = method("/disagreements/new/professional/")
        assert response.status_code == 302
        assert response["Location"] == "/disagreements/new/agency/"
    answer(client, "agency", {"receiving_agency": demo.agencies["police"].pk})
    assert client.get("/disagreements/new/professional/").status_code == 200


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_values_in_every_raise_question_get_the_error_summary_never_a_500(
    client, demo, kind
):
    from rpd.disagreements.forms import Context
    from rpd.disagreements.views.raise_ import _steps

    raiser = demo.ladder["csc"][0]
    steps = _steps(Context(None, demo.partnership, demo.partnership.pathway_entry().pack, raiser))
    value = HOSTILE[kind]
    client.force_login(demo.ladder["csc"][0])
    for question, name in (("", "immediate_risk"), ("practice/", "about_practice")):
        response = client.post(f"/disagreements/new/{question}", {name: value})
        assert response.status_code == 400 and "There is a problem" in response.text
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    for step in steps:
        # The megabyte in one field at a time keeps the request under Django's limit.
        data = {
            name: value if kind != "1mb" or i == 0 else "x" for i, name in enumerate(step.fields)
        }
        response = answer(client, step.slug, data)
        assert response.status_code in (302, 400), (step.slug, response.status_code)
        if response.status_code == 400:
            assert "There is a problem" in response.text, step.slug
        assert "<script>alert(1)</script>" not in response.text
    # Whatever was kept, raising it names what is wrong rather than failing.
    check = client.post("/disagreements/new/check/")
    assert check.status_code in (200, 302)
    assert not Disagreement.objects.exists() or kind == "script"


def test_lone_surrogates_in_a_raise_question_are_refused_by_field(client, demo):
    client.force_login(demo.ladder["csc"][0])
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    body = b"subject_given_name=%ED%A0%80&subject_family_name=%ED%A0%80"
    response = client.post(
        "/disagreements/new/subject/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text


def test_the_raise_offers_neither_the_raisers_own_agency_nor_whom_the_pathway_does_not_cover(
    client, demo
):
    raiser = demo.ladder["csc"][0]
    client.force_login(raiser)
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    page = client.get("/disagreements/new/agency/").text
    own = f'value="{raiser.agency_id}"'
    assert f'value="{demo.agencies["police"].pk}"' in page and own not in page
    # Sent anyway, each is refused by name.
    mine = answer(client, "agency", {"receiving_agency": raiser.agency_id})
    assert mine.status_code == 400 and "is your own agency" in mine.text
    assert client.get("/disagreements/new/about/").status_code == 404
    adult = answer(client, "subject", {"subject_given_name": "A", "subject_family_name": "B"})
    assert adult.status_code == 302
    check = client.post("/disagreements/new/check/")
    assert "Adult at risk" not in check.text


def test_after_no_immediate_risk_the_raise_does_not_offer_immediate_harm(client, demo):
    client.force_login(demo.ladder["csc"][0])
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    page = client.get("/disagreements/new/risk/").text
    assert 'value="high"' in page and 'value="immediate"' not in page


def test_i_do_not_know_who_routes_it_to_the_agencys_lead_who_names_the_person(client, demo):
    from rpd.audit.models import Event
    from rpd.notifications.models import Notice

    raiser = demo.ladder["csc"][0]
    police, lead, officer = demo.agencies["police"], demo.lead["police"], demo.ladder["police"][0]
    client.force_login(raiser)
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    answer(client, "agency", {"receiving_agency": police.pk})
    # Neither a person nor "I do not know who": named.
    neither = answer(client, "professional", {"receiving_professional": ""})
    assert neither.status_code == 400 and "or say you do not know who" in neither.text
    assert answer(client, "professional", {"receiver_unknown": "on"}).status_code == 302
    pack = demo.partnership.pathway_entry().pack
    for step, data in [
        ("subject", {"subject_given_name": "Robin", "subject_family_name": "Testchild"}),
        ("challenged", {"challenged": "decision", "challenged_on": "5/1/2026"}),
        ("categories", {"categories": [pack.categories[0].id]}),
        ("summary", {"summary": "Three bruises", "outcome_sought": "A visit"}),
        ("risk", {"risk": "high"}),
    ]:
        assert answer(client, step, data).status_code == 302, step
    assert client.post("/disagreements/new/check/").status_code == 302
    d = Disagreement.objects.get()
    assert d.receiver_to_name and d.receiving_professional == lead
    assert d.current_episode().receiving_actor == lead
    # Only the agency's lead is offered the step, and names someone in the agency.
    page = f"/disagreements/{d.pk}/name-receiver/"
    assert client.get(page).status_code == 404
    client.force_login(lead)
    form = client.get(page)
    assert form.status_code == 200 and officer.display_name in form.text
    assert demo.ladder["health"][0].display_name not in form.text
    nobody = client.post(page, {"version": d.version, "to_user": ""})
    assert nobody.status_code == 400 and "Select who holds the case" in nobody.text
    before = Notice.objects.count()
    done = client.post(page, {"version": d.version, "to_user": officer.pk})
    assert done.status_code == 302, done.text
    d.refresh_from_db()
    assert not d.receiver_to_name and d.receiving_professional == officer
    assert d.current_episode().receiving_actor == officer
    assert Event.objects.filter(action__contains="name_receiver").exists()
    assert Notice.objects.count() > before
    assert client.get(page).status_code == 404  # named once


def test_a_field_the_form_requires_unless_another_answer_is_not_called_optional(client, demo):
    client.force_login(demo.ladder["csc"][0])
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    client.post("/disagreements/new/practice/", {"about_practice": "no"})
    client.post("/disagreements/new/agency/", {"receiving_agency": demo.agencies["police"].pk})
    response = client.get("/disagreements/new/professional/")
    assert response.status_code == 200, response
    page = response.text.replace("&#x27;", "'")
    assert "Who in that agency made the decision or holds the case?" in page
    assert "holds the case? (optional)" not in page
    assert "Lead Professional, IRO or meeting chair (optional)" in page  # truly optional


def test_a_wrong_date_of_birth_is_named_in_a_whole_sentence(client, demo):
    client.force_login(demo.ladder["csc"][0])
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    client.post("/disagreements/new/practice/", {"about_practice": "no"})
    response = client.post(
        "/disagreements/new/subject/",
        {
            "subject_given_name": "Robin",
            "subject_family_name": "Testchild",
            "subject_date_of_birth_day": "31",
            "subject_date_of_birth_month": "2",
            "subject_date_of_birth_year": "2019",
        },
    )
    assert response.status_code == 400
    assert response.text.count("Date of birth must be a real date") == 2
    assert "(optional): " not in response.text and ": must" not in response.text
    # A box left empty is named (it said "a day, a month and a year of 4 numbers").
    response = answer(
        client,
        "challenged",
        {"challenged": "decision", "challenged_on_day": "3", "challenged_on_year": "2026"},
    )
    assert response.status_code == 400 and "must include a month" in response.text


def test_raised_with_i_do_not_know_who_the_leads_next_step_is_to_name_the_person(client, demo):
    # The hint promises the agency's safeguarding lead "names the person": that is what the
    # lead is asked to do first, by the rule that lets them (name_receiver).
    from rpd.disagreements import transitions

    from .helpers import raise_data

    lead = demo.lead["police"]
    data = raise_data(demo, "police", receiving_professional=None, receiver_unknown=True)
    d = transitions.raise_disagreement(demo.ladder["csc"][0], data)
    [step] = transitions.steps_for(d)
    assert step.name == "name_receiver" and step.people == (lead.pk,)
    assert step.what == "name who holds the case"
    client.force_login(lead)
    page = client.get(f"/disagreements/{d.pk}/").text.replace("&#x27;", "'")
    assert "You must name who holds the case" in page
    assert "You must record the stage 1 discussion" not in page


def test_the_hand_over_page_offers_only_the_side_and_people_the_rule_accepts(client, demo):
    # The police's lead hands over who acts for the police, never for the raising agency
    # (`_may_hand_over` refuses that): neither the side nor its people are offered.
    from rpd.disagreements import transitions

    from .helpers import raise_data

    d = transitions.raise_disagreement(demo.ladder["csc"][0], raise_data(demo, "police"))
    client.force_login(demo.lead["police"])
    page = client.get(f"/disagreements/{d.pk}/hand-over/").text
    assert 'value="receiving"' in page and 'value="raising"' not in page
    assert demo.ladder["police"][1].display_name in page
    assert demo.ladder["csc"][1].display_name not in page


def test_check_your_answers_sent_twice_at_once_raises_one_disagreement(client, demo):
    # A double click before the page's script has loaded, or a slow connection: the second
    # send arrives while the first is being raised, and raises nothing more.
    from rpd.disagreements import sends
    from rpd.disagreements.views import raise_

    client.force_login(demo.ladder["csc"][0])
    client.post("/disagreements/new/", {"immediate_risk": "no"})
    client.post("/disagreements/new/practice/", {"about_practice": "no"})
    pack = demo.partnership.pathway_entry().pack
    for step, data in [
        ("subject", {"subject_given_name": "Robin", "subject_family_name": "Testchild"}),
        ("agency", {"receiving_agency": demo.agencies["police"].pk}),
        ("professional", {"receiving_professional": demo.ladder["police"][0].pk}),
        ("challenged", {"challenged": "decision", "challenged_on": "5/1/2026"}),
        ("categories", {"categories": [pack.categories[0].id]}),
        ("summary", {"summary": "Three bruises in four weeks", "outcome_sought": "A visit"}),
        ("risk", {"risk": "high"}),
    ]:
        assert answer(client, step, data).status_code == 302, step
    first = sends.Send(f"session {client.session.session_key}", client.session[raise_.SESSION_KEY])
    assert first.claim()  # the first, under way
    second = client.post("/disagreements/new/check/")
    assert second.status_code == 302 and second["Location"] == "/"
    assert not Disagreement.objects.exists()  # the first send raises it, not this one
    page = client.get("/").text
    # Told as something to know (important), not as a success.
    assert "You sent this disagreement twice" in page
    assert "govuk-notification-banner--success" not in page


def test_the_subject_page_says_whose_details_it_asks_for(client, demo):
    # "Their details" did not say whose. Stoke-on-Trent's pathway is for children only.
    client.force_login(demo.ladder["csc"][0])
    assert (
        '<h1 class="govuk-heading-l">The child&#x27;s details</h1>'
        in answer(client, "subject", {}).text
    )
    # Its questions name a child alone (they said "a child or adult", found by a try-out).
    assert "Is a child at immediate risk" in client.get("/disagreements/new/").text
    assert "How serious is the risk to the child?" in answer(client, "risk", {}).text
    # Hillingdon's is for children and adults: the page follows the answer before it.
    hillingdon = build_partnership("hillingdon")
    raiser = hillingdon.ladder[next(iter(hillingdon.ladder))][0]
    client.force_login(raiser)
    assert "Details of the child or adult" in client.get("/disagreements/new/subject/").text
    # ... and its questions name both; Stoke-on-Trent's (above) a child alone.
    assert "Is a child or adult at immediate risk" in client.get("/disagreements/new/").text
    assert answer(client, "about", {"subject_kind": "adult"}).status_code == 302
    assert "The adult&#x27;s details" in client.get("/disagreements/new/subject/").text
    # So does the risk question (it said "the child or adult" after the answer, found by a
    # second try-out).
    assert "How serious is the risk to the adult at risk?" in answer(client, "risk", {}).text


def test_the_start_page_offers_the_stages_the_policy_lets_it_start_at_by_name(client, demo):
    # Stoke-on-Trent: stage 1, or "straight to Head of Service level" (stage 3). A bare
    # number box asked a practitioner to know the ladder.
    client.force_login(demo.ladder["csc"][0])
    page = client.get("/disagreements/new/start/").text
    pack = demo.partnership.pathway_entry().pack
    radios = re.findall(r'name="start_stage" type="radio" value="(\d+)"( checked)?', page)
    assert radios == [("1", " checked"), ("3", "")], radios  # stage 1 unless it must not be
    for n in (1, 3):
        assert f"Stage {n}: {pack.stage(n).name}" in page
    assert 'type="number"' not in page and "pathway" not in page.split("<main")[1]
    assert "Only if it starts above stage 1" in page and "(optional)" not in page
    refused = answer(client, "start", {"start_stage": "2", "fast_track_reason": "Serious"})
    assert "lets a disagreement start above stage 1 only at stage 3" in refused.text


def test_the_risk_page_says_what_the_risk_and_urgent_answers_are_for(client, demo):
    client.force_login(demo.ladder["csc"][0])
    page = client.get("/disagreements/new/risk/").text
    assert "Your professional judgement of the risk to them" in page
    assert "the policy's deadlines stay as they are" in page
