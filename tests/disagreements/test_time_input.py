"""Times where a pack needs one (issue 16 item 4): the "immediately" of Cambridgeshire §2.6
("must be resolved immediately") and §3 ("immediately on becoming aware") is met by a
discussion the same day, so its time is asked, as hours and minutes with the Design
System's kind of messages; a pack's own form may ask a time; both read back as written."""

import datetime

import pytest
from django import forms
from django.utils import timezone

from rpd.disagreements import formsubmissions
from rpd.disagreements.fields import PastDateTime
from rpd.frontend import GovukTimeField, field_context, time_in_words
from rpd.pathways.schema import FormField


class TimeForm(forms.Form):
    at = GovukTimeField(label="The time of the meeting")


@pytest.mark.parametrize(
    ("hour", "minute", "message", "wrong"),
    [
        ("", "", "Enter the time of the meeting", {"hour", "minute"}),
        ("", "30", "The time of the meeting must include an hour", {"hour"}),
        ("14", "", "The time of the meeting must include a minute", {"minute"}),
        ("2pm", "30", "The time of the meeting must be a real time, in numbers", {"hour"}),
        ("24", "00", "Hour must be between 0 and 23", {"hour"}),
        ("9", "60", "Minute must be between 0 and 59", {"minute"}),
    ],
)
def test_a_time_names_what_is_wrong_and_marks_only_those_boxes(hour, minute, message, wrong):
    form = TimeForm({"at_hour": hour, "at_minute": minute})
    assert form.errors["at"] == [message]
    items = field_context(form["at"])["items"]
    assert {i["name"].removeprefix("at_") for i in items if i["error"]} == wrong
    assert [i["value"] for i in items] == [hour, minute]  # shown back as typed


@pytest.mark.parametrize(
    ("at", "words"),
    [
        (datetime.time(14, 30), "2:30pm"),
        (datetime.time(9, 0), "9am"),
        (datetime.time(0, 5), "12:05am"),
        (datetime.time(12, 0), "midday"),
        (datetime.time(0, 0), "midnight"),
    ],
)
def test_a_time_reads_as_the_style_guide_writes_it(at, words):
    assert time_in_words(at) == words


def test_a_pack_form_field_of_type_time_is_asked_in_boxes_kept_as_2_30pm_and_shown_back():
    field = FormField(id="meeting-time", label="Time of the meeting", type="time", source="asked")
    asked = formsubmissions._input_for(field)
    typed = asked.clean(
        asked.widget.value_from_datadict({"t_hour": "14", "t_minute": "30"}, {}, "t")
    )
    stored = formsubmissions.as_text(field, typed)
    assert stored == "2:30pm"
    # The stored answer is the next version's starting value: the boxes read it back.
    assert asked.widget.parts(stored) == {"hour": "14", "minute": "30"}
    assert asked.clean(stored) == datetime.time(14, 30)
    assert formsubmissions.SAMPLE_ANSWERS["time"] and asked.clean("14:30")


@pytest.mark.django_db
def test_cambridgeshire_immediately_the_time_of_a_discussion_is_asked_and_kept_in_london_time():
    field = PastDateTime()
    boxes = field.widget.value_from_datadict(
        {f"o_{k}": v for k, v in zip(("day", "month", "year", "hour", "minute"),
                                      ("3", "7", "2026", "9", "05"), strict=True)},
        {},
        "o",
    )  # fmt: skip
    moment = field.clean(boxes)
    assert timezone.localtime(moment).replace(tzinfo=None) == datetime.datetime(2026, 7, 3, 9, 5)
    assert moment.utcoffset() is None or moment.astimezone(datetime.UTC).hour == 8  # BST
    assert field.widget.parts(moment.isoformat())["minute"] == "05"
    with pytest.raises(forms.ValidationError, match="Minute must be between 0 and 59"):
        field.clean(("3", "7", "2026", "9", "75"))
    with pytest.raises(forms.ValidationError, match="Enter the time"):
        field.clean(("3", "7", "2026", "", ""))
    assert field.clean("2026-07-03T09:05") is not None  # a script's ISO text still reads


@pytest.mark.django_db
def test_the_record_page_asks_when_a_discussion_took_place_in_date_and_time_boxes(client):
    from tests.disagreements.helpers import fresh
    from tests.disagreements.pages import partnership_with_case

    demo, raiser, d = partnership_with_case("cambridgeshire")
    client.force_login(raiser)
    response = client.get(f"/disagreements/{d.pk}/record/")
    assert response.status_code == 200, response
    page = response.text
    for box in ("day", "month", "year", "hour", "minute"):
        assert f'name="occurred_at_{box}"' in page
    post = {
        "version": d.version,
        "kind": "meeting",
        "participants": [raiser.pk, demo.ladder["police"][0].pk],
        "summary": "Both positions set out.",
        "outcome": "ongoing",
        "occurred_at_day": "2",
        "occurred_at_month": "1",
        "occurred_at_year": "2026",
        "occurred_at_hour": "10",
        "occurred_at_minute": "75",
    }
    response = client.post(f"/disagreements/{d.pk}/record/", post)
    assert response.status_code == 400
    assert 'href="#id_occurred_at_minute"' in response.text
    assert "Minute must be between 0 and 59" in response.text
    assert 'value="75"' in response.text  # kept as typed
    response = client.post(f"/disagreements/{d.pk}/record/", {**post, "occurred_at_minute": "5"})
    assert response.status_code == 302, response.text
    at = timezone.localtime(fresh(d).records.get().occurred_at)
    assert (at.date(), at.hour, at.minute) == (datetime.date(2026, 1, 2), 10, 5)
