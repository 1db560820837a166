"""The form renderer and the components: GOV.UK Frontend 6 markup for every kind of field,
error messages that name the field, and an error summary that links to the wrong input."""

import datetime
import re

import pytest
from django import forms
from django.template import Context, Template
from django.utils.safestring import mark_safe

from rpd.frontend import GovukDateField


class EveryKindForm(forms.Form):
    name = forms.CharField(label="Full name", help_text="As on their records")
    email = forms.EmailField(label="Email address")
    detail = forms.CharField(label="What happened", widget=forms.Textarea)
    agency = forms.ChoiceField(label="Agency", choices=[("", "Choose"), ("csc", "Social care")])
    risk = forms.ChoiceField(
        label="Risk", choices=[("low", "Low"), ("high", "High")], widget=forms.RadioSelect
    )
    themes = forms.MultipleChoiceField(
        label="Themes",
        choices=[("a", "Thresholds"), ("b", "Information sharing")],
        widget=forms.CheckboxSelectMultiple,
    )
    urgent = forms.BooleanField(label="This is urgent", required=False)
    born = GovukDateField(label="Date of birth", help_text="For example, 27 3 2007")
    letter = forms.FileField(label="Letter", required=False)


def render(source: str, **context) -> str:
    return Template("{% load govuk %}" + source).render(Context(context))


def test_a_field_has_its_label_hint_and_error_with_the_ids_django_describes_it_by():
    form = EveryKindForm(data={})
    html = render("{% govuk_field form.name %}", form=form)
    assert '<div class="govuk-form-group govuk-form-group--error">' in html
    assert '<label class="govuk-label" for="id_name">Full name</label>' in html
    assert '<div id="id_name_helptext" class="govuk-hint">As on their records</div>' in html
    assert 'id="id_name_error" class="govuk-error-message"' in html
    assert '<span class="govuk-visually-hidden">Error:</span> This field is required.' in html
    assert 'class="govuk-input govuk-input--error"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert 'aria-invalid="true"' in html


def test_a_valid_field_has_no_error_classes():
    form = EveryKindForm(data={"name": "Sam Example"})
    html = render("{% govuk_field form.name %}", form=form)
    assert "error" not in html.replace("id_name_helptext", "")


@pytest.mark.parametrize(
    "field, markup",
    [
        ("email", 'class="govuk-input govuk-input--error"'),
        (
            "detail",
            'rows="10" class="govuk-textarea govuk-textarea--error"',
        ),
        ("agency", '<select name="agency" class="govuk-select govuk-select--error"'),
        ("letter", 'class="govuk-file-upload"'),
    ],
)
def test_each_widget_gets_the_design_systems_classes(field, markup):
    html = render("{{ form }}", form=EveryKindForm(data={}))
    assert markup in html


def test_radios_and_checkboxes_are_a_fieldset_with_a_legend():
    html = render("{% govuk_field form.risk label_size='m' %}", form=EveryKindForm(data={}))
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_risk_error">' in html
    assert '<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">Risk' in html
    assert '<div class="govuk-radios" data-module="govuk-radios">' in html
    assert (
        '<input class="govuk-radios__input" id="id_risk_0" name="risk" type="radio" value="low">'
        in html
    )
    assert '<label class="govuk-label govuk-radios__label" for="id_risk_0">Low</label>' in html
    html = render("{% govuk_field form.themes %}", form=EveryKindForm(data={"themes": ["b"]}))
    assert 'id="id_themes_1" name="themes" type="checkbox" value="b" checked>' in html


def test_an_optional_field_says_so_in_its_label():
    html = render("{% govuk_field form.letter %}", form=EveryKindForm())
    assert "Letter (optional)</label>" in html
    html = render("{% govuk_field form.urgent %}", form=EveryKindForm())
    assert '<div class="govuk-checkboxes govuk-checkboxes--small"' in html
    assert "This is urgent</label>" in html


def test_a_page_heading_label_is_the_h1():
    html = render(
        "{% govuk_field form.name label_size='l' page_heading=True %}", form=EveryKindForm()
    )
    assert (
        '<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="id_name">'
        in html
    )


class DateForm(forms.Form):
    born = GovukDateField(label="Date of birth")


@pytest.mark.parametrize(
    "day, month, year, message, wrong",
    [
        ("", "", "", "Enter date of birth", {"day", "month", "year"}),
        ("3", "", "2007", "Date of birth must include a month", {"month"}),
        ("", "", "2007", "Date of birth must include a day and month", {"day", "month"}),
        ("31", "2", "2007", "Date of birth must be a real date", {"day", "month", "year"}),
        ("3", "March", "2007", "Date of birth must be a real date, in numbers", {"month"}),
        ("3", "3", "07", "Year must include 4 numbers", {"year"}),
    ],
)
def test_a_date_names_what_is_wrong_and_marks_only_those_boxes(day, month, year, message, wrong):
    form = DateForm(data={"born_day": day, "born_month": month, "born_year": year})
    assert not form.is_valid()
    assert form.errors["born"][0].startswith(message)
    html = render("{% govuk_error_summary form %}{% govuk_field form.born %}", form=form)
    marked = set(
        re.findall(
            r'id="id_born_(\w+)" name="born_\w+" type="text" inputmode="numeric" '
            r'value="[^"]*" aria-invalid',
            html,
        )
    )
    assert marked == wrong
    first = next(p for p in ("day", "month", "year") if p in wrong)
    assert f'<a href="#id_born_{first}">{form.errors["born"][0]}</a>' in html
    assert '<fieldset class="govuk-fieldset" role="group" aria-describedby="id_born_error">' in html


def test_a_real_date_in_three_boxes_is_a_date_and_is_shown_back():
    form = DateForm(data={"born_day": "27", "born_month": "3", "born_year": "2007"})
    assert form.is_valid()
    assert form.cleaned_data["born"] == datetime.date(2007, 3, 27)
    html = render(
        "{% govuk_field form.born %}", form=DateForm(initial={"born": datetime.date(2007, 3, 27)})
    )
    assert 'name="born_day" type="text" inputmode="numeric" value="27"' in html
    assert 'name="born_year" type="text" inputmode="numeric" value="2007"' in html


def test_the_error_summary_links_radios_to_their_first_option_and_lists_form_errors():
    class ChoiceForm(forms.Form):
        risk = forms.ChoiceField(label="Risk", choices=[("low", "Low")], widget=forms.RadioSelect)

        def clean(self):
            raise forms.ValidationError("These answers do not go together")

    form = ChoiceForm(data={})
    html = render("{% govuk_error_summary form %}", form=form)
    assert '<div class="govuk-error-summary" data-module="govuk-error-summary">' in html
    assert '<a href="#id_risk_0">This field is required.</a>' in html
    assert "<li>These answers do not go together</li>" in html
    assert render("{% govuk_error_summary form %}", form=ChoiceForm()).strip() == ""


def test_the_page_title_says_error_when_the_form_has_errors(rf):
    from django.template.loader import render_to_string

    request = rf.get("/")
    page = render_to_string("layouts/base.html", {"form": DateForm(data={})}, request=request)
    assert "<title>Error:  - Resolving professional differences</title>" in page
    page = render_to_string("layouts/base.html", {"form": DateForm()}, request=request)
    assert "<title> - Resolving professional differences</title>" in page


def test_components_draw_design_system_markup():
    html = render(
        "{% govuk_button 'Save' %}{% govuk_button 'Start' href='/go' variant='start' %}"
        "{% govuk_tag 'Overdue' 'red' %}{% govuk_back_link '/x' %}"
        "{% govuk_summary_list rows %}{% govuk_warning_text 'Act now' %}",
        rows=[{"key": "Stage", "value": "2", "href": "/change"}],
    )
    assert '<button type="submit" class="govuk-button" data-module="govuk-button"' in html
    assert 'class="govuk-button govuk-button--start"' in html and "govuk-button__start-icon" in html
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in html
    assert '<a href="/x" class="govuk-back-link">Back</a>' in html
    assert 'Change<span class="govuk-visually-hidden"> stage</span></a>' in html
    assert '<span class="govuk-warning-text__icon" aria-hidden="true">!</span>' in html


def test_a_component_refuses_an_unknown_variant():
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="unknown colour"):
        render("{% govuk_tag 'x' 'tartan' %}")


def test_pagination_keeps_the_other_query_parameters(rf):
    from django.core.paginator import Paginator

    page_obj = Paginator(list(range(100)), 10).page(5)
    html = Template("{% load govuk %}{% govuk_pagination page_obj %}").render(
        Context({"page_obj": page_obj, "request": rf.get("/?stage=2&page=5")})
    )
    assert 'href="?stage=2&amp;page=4" rel="prev"' in html
    assert 'aria-label="Page 5" aria-current="page"' in html
    assert "govuk-pagination__item--ellipsis" in html


def test_a_table_draws_links_tags_and_bold_cells_and_escapes_text():
    html = render(
        "{% govuk_table head rows label='Cases' %}",
        head=["Reference", "Due"],
        rows=[
            [{"text": "RPD-1", "href": "/d/1/", "hidden": " <b>"}, {"text": "Late", "tag": "red"}],
            ["<script>", {"text": "You must act", "strong": True}],
        ],
    )
    assert 'role="region" aria-label="Cases"' in html
    assert '<th scope="col" class="govuk-table__header">Reference</th>' in html
    assert (
        '<a class="govuk-link" href="/d/1/">RPD-1<span class="govuk-visually-hidden"> &lt;b&gt;'
        in html
    )
    assert '<strong class="govuk-tag govuk-tag--red">Late</strong>' in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "<strong>You must act</strong>" in html


def test_a_stacked_table_names_each_cell_by_its_column_in_plain_text():
    # A column heading drawn as HTML once ended the attribute it was put in: the case
    # page's agreed actions read 'Done">Mark done' (found by a try-out).
    from rpd.templatetags.govuk import visually_hidden

    html = render(
        "{% govuk_table head rows label='Actions' stacked=True %}",
        head=["Owner <i>", visually_hidden("Done")],
        rows=[["Dev", {"text": "Mark done", "href": "/done/"}]],
    )
    assert 'data-label="Owner &lt;i&gt;"' in html
    done = html.split('<td class="govuk-table__cell"')[2]
    assert done.startswith('><a class="govuk-link" href="/done/">Mark done</a>'), done
    assert '">Mark done' not in html.replace('href="/done/">Mark done', "")


def test_summary_cards_keep_line_breaks_and_offer_their_actions():
    html = render(
        "{% govuk_summary_cards cards %}",
        cards=[
            {
                "id": "record-1",
                "title": "Meeting",
                "actions": [{"text": "Approve", "href": "/a?record=1", "hidden": " the record"}],
                "text": "First line\nsecond <line>",
                "note": "Written by Ana.",
                "tag": "Awaiting approval",
                "tag_colour": "yellow",
            }
        ],
    )
    assert 'id="record-1"' in html and '<h3 class="govuk-summary-card__title">Meeting</h3>' in html
    assert "First line<br>second &lt;line&gt;" in html
    assert 'href="/a?record=1">Approve<span class="govuk-visually-hidden"> the record' in html
    assert 'Written by Ana. <strong class="govuk-tag govuk-tag--yellow">' in html


def test_pagination_of_a_list_that_does_not_count_links_only_either_side(rf):
    html = Template("{% load govuk %}{% govuk_pagination 2 more=True %}").render(
        Context({"request": rf.get("/?show=paused&page=2")})
    )
    assert 'href="?show=paused&amp;page=1" rel="prev"' in html
    assert 'href="?show=paused&amp;page=3" rel="next"' in html
    assert "govuk-pagination__list" not in html
    last = Template("{% load govuk %}{% govuk_pagination 1 more=False %}").render(
        Context({"request": rf.get("/")})
    )
    assert "govuk-pagination" not in last


def test_a_fieldset_groups_its_questions_under_a_legend_and_names_its_hint():
    html = render(
        '{% govuk_fieldset legend size="m" id="actions" hint=hint %}'
        "<p>fields</p>{% endgovuk_fieldset %}",
        legend="Agreed actions <optional>",
        hint="Say who & when",
    )
    assert '<fieldset class="govuk-fieldset" id="actions" aria-describedby="actions-hint">' in html
    assert (
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">'
        "Agreed actions &lt;optional&gt;</legend>" in html
    )
    assert '<div class="govuk-hint" id="actions-hint">Say who &amp; when</div>' in html
    assert "<p>fields</p>\n</fieldset>" in html


def test_a_fieldset_refuses_an_option_it_does_not_know():
    from django.template import TemplateSyntaxError

    with pytest.raises(TemplateSyntaxError, match="unknown"):
        render('{% govuk_fieldset "x" colour="tartan" %}{% endgovuk_fieldset %}')


def post_action(url, hidden, **fields) -> dict:
    return {"post": url, "hidden": hidden, "fields": fields}


def test_a_summary_list_row_can_remove_through_a_post_form_with_the_csrf_token():
    rows = [
        {
            "key": "Ada <b>Example</b>",
            "value": "ada@example.org\nFor Synthetic Agency",
            **post_action("/remove/1/", "Ada <b>Example</b> from Chair", day="2030-01-02"),
        }
    ]
    html = render("{% govuk_summary_list rows %}", rows=rows, csrf_token="tok123")
    expected = [
        '<dt class="govuk-summary-list__key">Ada &lt;b&gt;Example&lt;/b&gt;</dt>',
        "ada@example.org<br>For Synthetic Agency",
        '<dd class="govuk-summary-list__actions"><form method="post" action="/remove/1/"',
        '<input type="hidden" name="csrfmiddlewaretoken" value="tok123">',
        '<input type="hidden" name="day" value="2030-01-02">',
        'class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0"',
        # The hidden end names a person as given, not lowercased, and escaped.
        'Remove<span class="govuk-visually-hidden"> Ada &lt;b&gt;Example&lt;/b&gt; from Chair',
    ]
    assert [part for part in expected if part not in html] == []
    assert "<b>" not in html
    assert "govuk-summary-list__row--no-actions" not in html


def test_inset_and_warning_text_take_an_id_a_link_can_point_to_and_escape_text():
    html = render(
        '{% govuk_inset_text text id="id_record" %}{% govuk_warning_text text id="changes" %}',
        text="<script>alert(1)</script>",
    )
    assert '<div class="govuk-inset-text" id="id_record">&lt;script&gt;' in html
    assert '<div class="govuk-warning-text" id="changes">' in html
    assert "<script>" not in html
    assert ' id="' not in render("{% govuk_inset_text 'x' %}{% govuk_warning_text 'y' %}")


def test_a_table_cell_can_hold_a_post_button_and_a_hint_and_escapes_them():
    rows = [
        [
            {"text": "Social <i>Worker</i>", "hint": "Chair <i>x</i>"},
            {"text": "Sign in", **post_action("/demo/sign-in/", "as Ada <i>Example</i>", person=7)},
        ]
    ]
    html = render("{% govuk_table head rows %}", head=["Role", "Sign in"], rows=rows)
    hint = '<br><span class="govuk-hint govuk-!-font-size-16">Chair &lt;i&gt;x&lt;/i&gt;</span>'
    assert "Social &lt;i&gt;Worker&lt;/i&gt;" + hint in html
    form = html[html.index('<td class="govuk-table__cell"><form') : html.index("</form>")]
    assert 'method="post" action="/demo/sign-in/" novalidate>' in form
    assert '<input type="hidden" name="person" value="7">' in form
    assert 'Sign in<span class="govuk-visually-hidden"> as Ada &lt;i&gt;Example&lt;/i&gt;' in form
    assert "<i>" not in html
    # No token in the context (a page without the CSRF middleware's): none drawn.
    assert "csrfmiddlewaretoken" not in html


def test_a_table_cell_of_several_parts_draws_them_side_by_side_escaped():
    from rpd.templatetags.govuk import visually_hidden

    rows = [
        [[{"text": "Ada <i>Example</i>", "href": "/people/1/"}, {"text": "Left", "tag": "grey"}]]
    ]
    html = render(
        "{% govuk_table head rows first_cell_is_header=True %}",
        head=[visually_hidden("Name <i>")],
        rows=rows,
    )
    assert '<span class="govuk-visually-hidden">Name &lt;i&gt;</span></th>' in html
    assert (
        '<th scope="row" class="govuk-table__header"><a class="govuk-link" href="/people/1/">'
        'Ada &lt;i&gt;Example&lt;/i&gt;</a> <strong class="govuk-tag govuk-tag--grey">Left'
        "</strong></th>" in html
    )


def test_a_summary_list_and_its_rows_take_ids_for_links_to_them():
    rows = [{"id": 'row-"x"', "key": "Child's name", "value": "<b>Sam</b>"}]
    html = render('{% govuk_summary_list rows id="assembled" %}', rows=rows)
    assert html.startswith('<dl class="govuk-summary-list" id="assembled">')
    assert 'govuk-summary-list__row--no-actions" id="row-&quot;x&quot;"><dt' in html
    assert "&lt;b&gt;Sam&lt;/b&gt;" in html


def test_a_summary_card_can_link_its_title_and_hold_a_summary_list():
    cards = [{"title": "Pack <i>", "href": "/pathways/x/", "rows": [{"key": "Stages", "value": 5}]}]
    html = render("{% govuk_summary_cards cards heading_level=2 %}", cards=cards)
    assert (
        '<h2 class="govuk-summary-card__title"><a class="govuk-link" href="/pathways/x/">'
        "Pack &lt;i&gt;</a></h2>" in html
    )
    assert (
        '<div class="govuk-summary-card__content"><dl class="govuk-summary-list">'
        '<div class="govuk-summary-list__row govuk-summary-list__row--no-actions">'
        '<dt class="govuk-summary-list__key">Stages</dt>' in html
    )


def test_a_button_group_wraps_the_buttons_a_page_draws_itself_or_draws_them_from_lists():
    html = render(
        '{% govuk_button_group %}{% govuk_button "Continue" %}'
        '<a class="govuk-link" href="/">{{ cancel }}</a>{% endgovuk_button_group %}',
        cancel="<Cancel>",
    )
    assert html.startswith('<div class="govuk-button-group">\n  <button type="submit"')
    assert html.endswith('<a class="govuk-link" href="/">&lt;Cancel&gt;</a>\n</div>')
    from_lists = render(
        "{% govuk_button_group buttons links %}",
        buttons=[{"text": "Save <now>"}],
        links=[{"text": "Cancel", "href": "/"}],
    )
    assert "Save &lt;now&gt;" in from_lists and 'href="/">Cancel</a>\n</div>' in from_lists


TRICKY = ['He said "no" & left <b>', "it's", "", None, 0, mark_safe("<i>kept</i>")]


@pytest.mark.parametrize("value", TRICKY, ids=range(len(TRICKY)))
@pytest.mark.parametrize(
    "widget",
    [
        forms.TextInput,
        forms.EmailInput,
        forms.NumberInput,
        forms.HiddenInput,
        forms.PasswordInput,
        forms.Textarea,
    ],
)
def test_text_boxes_drawn_without_the_template_engine_are_what_djangos_templates_draw(
    widget, value
):
    """The renderer draws text boxes and areas itself (a long form's every box took a
    millisecond through the engine): exactly as Django's templates do, attributes true,
    false, quoted or marked safe included."""
    from django.forms.renderers import DjangoTemplates

    from rpd.frontend import GovukFormRenderer

    attrs = {"id": "id_x", "class": "govuk-input", "required": True, "disabled": False,
             "aria-describedby": 'a "b" <c>', "maxlength": 64}  # fmt: skip
    ours = widget(attrs=attrs).render("x<y", value, renderer=GovukFormRenderer())
    django = widget(attrs=attrs).render("x<y", value, renderer=DjangoTemplates())
    assert ours == django


@pytest.mark.parametrize(
    "values",
    [
        [],
        ["Sam O'Neill & Co", '<b>"bold"</b>', 3, ""],
        [mark_safe("<i>kept</i>"), "<escaped>"],
        ["a\x00b", "<c>"],
    ],
    ids=["none", "plain", "marked-safe", "holding-the-separator"],
)
def test_many_values_are_escaped_at_once_exactly_as_one_by_one(values):
    from rpd.frontend import escaped, escaped_all

    assert escaped_all(values) == [escaped(v) for v in values]


@pytest.mark.parametrize(
    "label, inside",
    [
        ("Date of birth", "date of birth"),
        ("NHS number", "NHS number"),
        ("I do not know who", "I do not know who"),
        ("Lead Professional, IRO or meeting chair", "Lead Professional, IRO or meeting chair"),
        ("Your NHS number", "your NHS number"),
    ],
)
def test_a_label_inside_a_sentence_keeps_i_abbreviations_and_names(label, inside):
    # "Change I do not know who", not "Change i do not know who" (a screen reader's words).
    from rpd.frontend import in_sentence

    assert in_sentence(label) == inside


def test_messages_of_one_kind_are_one_banner_the_first_its_heading():
    # GOV.UK: one notification banner a page. Setting up an authenticator app says it was
    # activated and that its recovery codes are below: one success banner, not two.
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message

    said = [
        Message(constants.SUCCESS, "Authenticator app activated."),
        Message(constants.SUCCESS, "Your recovery codes are below."),
        Message(constants.INFO, "You sent this twice."),
    ]
    html = render("{% govuk_messages messages %}", messages=said)
    assert html.count("govuk-notification-banner__title") == 2
    assert html.count("govuk-notification-banner--success") == 1
    heading = re.search(r'banner__heading">(.*?)</p>\s*<p class="govuk-body">(.*?)</p>', html)
    assert heading.groups() == ("Authenticator app activated.", "Your recovery codes are below.")
    assert "Important" in html and "You sent this twice." in html
    assert render("{% govuk_messages messages %}", messages=None).strip() == ""
    # Each banner's title is its own: a page may hold a message and a banner of its own.
    ids = re.findall(r'id="([^"]+-title)"', html)
    assert ids == ["success-message-title", "important-message-title"]
    assert 'aria-labelledby="success-message-title"' in html
