"""GOV.UK Frontend 6 for Django forms: the form renderer, a three-box date field, and the
context each field template is drawn from.

Every form in RPD renders through `GovukFormRenderer` (settings.FORM_RENDERER), so
``{{ form }}`` and ``{% govuk_field form.x %}`` give the Design System's markup: label or
legend, hint (id ``<id>_helptext``), error message (id ``<id>_error``: the ids Django
5.2 already puts in ``aria-describedby``), and the ``--error`` classes.
"""

from __future__ import annotations

import copy
import datetime
import html
import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils import timezone


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "govuk/forms/form.html"
    field_template_name = "govuk/forms/field.html"

    def render(self, template_name, context, request=None):
        # Text boxes and text areas, most of every form, are drawn here as Django's own
        # templates draw them (tests/test_frontend.py compares the two): through the
        # template engine each cost a millisecond, half of a long form's page.
        if template_name in INPUT_TEMPLATES:
            return _input(context["widget"])
        if template_name == TEXTAREA_TEMPLATE:
            return _textarea(context["widget"])
        return super().render(template_name, context, request)


INPUT_TEMPLATES = {
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "email", "number", "password", "hidden", "url", "tel", "search")
}
TEXTAREA_TEMPLATE = "django/forms/widgets/textarea.html"


def _input(widget: dict) -> str:
    # django/forms/widgets/input.html
    value = widget["value"]
    shown = "" if value is None else f' value="{escaped(value)}"'
    return (
        f'<input type="{escaped(widget["type"])}" name="{escaped(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict) -> str:
    # django/forms/widgets/textarea.html
    value = widget["value"]
    text = escaped(value) if value else ""
    return (
        f'<textarea name="{escaped(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>'
    )


def _attrs(attrs: dict) -> str:
    # django/forms/widgets/attrs.html: True as the bare name, False left out.
    return "".join(
        f" {escaped(name)}" if value is True else f' {escaped(name)}="{escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def escaped(value) -> str:
    # As the templates' autoescape: text marked safe is kept as it is.
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def escaped_all(values: list) -> list[str]:
    """`escaped` of each value, in one pass where none is marked safe: a picker's thousands
    of names escaped one call each took a third of its drawing."""
    if any(hasattr(v, "__html__") for v in values):
        return [escaped(v) for v in values]
    joined = "\x00".join(map(str, values))
    if joined.count("\x00") != max(len(values) - 1, 0):
        return [escaped(v) for v in values]  # a value holds the separator itself
    return html.escape(joined).split("\x00") if values else []


DATE_PARTS = ("day", "month", "year")


class GovukDateInput(forms.Widget):
    """The GOV.UK date input: three boxes named ``<name>_day``, ``_month`` and ``_year``.

    A bare ``<name>=YYYY-MM-DD`` (a link, a bookmark) is read too, so a page can be
    linked to with a date already chosen.
    """

    PARTS = DATE_PARTS

    template_name = "govuk/forms/date_widget.html"
    use_fieldset = True

    def value_from_datadict(self, data, files, name):
        parts = tuple(data.get(f"{name}_{part}", "") for part in self.PARTS)
        if any(parts) or name not in data:
            return parts
        return data.get(name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(f"{name}_{part}" in data for part in self.PARTS)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["parts"] = [
            (part, f"{context['widget']['attrs'].get('id', name)}_{part}", f"{name}_{part}", v)
            for part, v in self.parts(value).items()
        ]
        return context

    def parts(self, value) -> dict[str, str]:
        """What each box shows: what was typed, or the parts of a date."""
        if isinstance(value, datetime.date):
            return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
        if isinstance(value, (tuple, list)) and len(value) == 3:
            return dict(zip(DATE_PARTS, (str(v or "") for v in value), strict=True))
        if isinstance(value, str) and (m := re.fullmatch(r"\s*(\d+)-(\d+)-(\d+)\s*", value)):
            year, month, day = m.groups()
            return {"day": day, "month": month, "year": year}
        return {"day": "", "month": "", "year": ""}


class GovukDateField(forms.Field):
    """A date typed into three boxes, with the Design System's error messages.

    Each message names the field ("Date of birth must include a month") and says which
    boxes are wrong (``ValidationError.params["parts"]``), so only those are marked red.
    """

    widget = GovukDateInput

    def __init__(self, *, label=None, past_only=False, **kwargs):
        self.past_only = past_only
        super().__init__(label=label, **kwargs)

    def _name(self) -> str:
        return str(self.label) if self.label else "The date"

    def _error(self, message: str, code: str, parts=DATE_PARTS):
        return ValidationError(message, code=code, params={"parts": list(parts)})

    def to_python(self, value):
        if value in self.empty_values or value == ("", "", ""):
            return None
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            # A bare date (a link, a script, a pasted "3/12/2026"): ISO, or day month year.
            if "-" in value:
                value = tuple(self.widget.parts(value).values())
            else:
                value = (*re.split(r"[\s/.]+", value.strip(), maxsplit=2), "", "")[:3]
        day, month, year = (str(v).strip() for v in value)
        given = {"day": day, "month": month, "year": year}
        missing = [part for part in DATE_PARTS if not given[part]]
        name = self._name()
        if missing:
            if len(missing) == 2:
                wanted = f"a {missing[0]} and {missing[1]}"
            else:
                wanted = f"a {missing[0]}"
            raise self._error(f"{name} must include {wanted}", "incomplete", missing)
        not_numbers = [part for part in DATE_PARTS if not given[part].isdigit()]
        if not_numbers:
            raise self._error(
                f"{name} must be a real date, in numbers", "invalid", not_numbers or DATE_PARTS
            )
        if len(year) != 4:
            raise self._error(
                f"Year must include 4 numbers, like {datetime.date.today().year}", "year", ["year"]
            )
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise self._error(f"{name} must be a real date", "invalid") from None

    def validate(self, value):
        if value is None and self.required:
            raise self._error(f"Enter {self._name().lower()}", "required")
        if self.past_only and value is not None and value > datetime.date.today():
            raise self._error(f"{self._name()} must be today or in the past", "future")


TIME_PARTS = ("hour", "minute")


def day_in_full(day: datetime.date) -> str:
    """A day as the pages and emails write a deadline: Friday 11 December 2026."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def time_in_words(value: datetime.time) -> str:
    """A time as GOV.UK's style guide writes it: 2:30pm, 9am, midday, midnight."""
    if (value.hour, value.minute) == (0, 0):
        return "midnight"
    if (value.hour, value.minute) == (12, 0):
        return "midday"
    hour = value.hour % 12 or 12
    minutes = f":{value.minute:02d}" if value.minute else ""
    return f"{hour}{minutes}{'am' if value.hour < 12 else 'pm'}"


def _time_boxes(text: str) -> tuple[str, str] | None:
    """The hour and minute of a time written as a person or a script writes one: 14:30,
    2:30pm, 9am, midday, midnight (as `time_in_words` writes it back)."""
    text = text.strip().lower().replace(".", ":")
    if text in ("midday", "noon"):
        return "12", "0"
    if text == "midnight":
        return "0", "0"
    m = re.fullmatch(r"(\d{1,2})(?::(\d{1,2}))?(?::\d{1,2})?\s*(am|pm)?", text)
    if m is None:
        return None
    hour, minute, half = m.groups()
    if half and hour.isdigit() and 1 <= int(hour) <= 12:
        hour = str(int(hour) % 12 + (12 if half == "pm" else 0))
    return hour, minute or "0"


class GovukTimeInput(GovukDateInput):
    """Two boxes, hour and minute (24-hour clock), drawn as GOV.UK draws a date's: named
    ``<name>_hour`` and ``<name>_minute``. A bare ``<name>=14:30`` is read too."""

    PARTS = TIME_PARTS

    def parts(self, value) -> dict[str, str]:
        if isinstance(value, datetime.time):
            return {"hour": str(value.hour), "minute": f"{value.minute:02d}"}
        if isinstance(value, (tuple, list)) and len(value) == 2:
            return dict(zip(TIME_PARTS, (str(v or "") for v in value), strict=True))
        if isinstance(value, str) and (boxes := _time_boxes(value)):
            return {"hour": boxes[0], "minute": f"{int(boxes[1]):02d}"}
        return {"hour": "", "minute": ""}


class GovukDateTimeInput(GovukDateInput):
    """A moment asked as the GOV.UK date input's three boxes and the time's two, in one
    group (day, month, year, hour, minute), London time. A bare ISO ``<name>`` is read too."""

    PARTS = DATE_PARTS + TIME_PARTS

    def parts(self, value) -> dict[str, str]:
        if isinstance(value, str):
            try:
                value = datetime.datetime.fromisoformat(value.strip())
            except ValueError:
                value = None
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.localtime(value)
            boxes = (value.day, value.month, value.year, value.hour, f"{value.minute:02d}")
            return dict(zip(self.PARTS, map(str, boxes), strict=True))
        if isinstance(value, (tuple, list)) and len(value) == len(self.PARTS):
            return dict(zip(self.PARTS, (str(v or "") for v in value), strict=True))
        return dict.fromkeys(self.PARTS, "")


class GovukTimeField(forms.Field):
    """A time of day typed into an hour and a minute box, with messages in the Design
    System's manner ("Time of the meeting must include a minute", "Hour must be between 0
    and 23"), each saying which box is wrong so only that one is marked."""

    widget = GovukTimeInput

    def _name(self) -> str:
        return str(self.label) if self.label else "The time"

    def _error(self, message: str, code: str, parts=TIME_PARTS):
        return ValidationError(message, code=code, params={"parts": list(parts)})

    def to_python(self, value):
        if value in self.empty_values or value == ("", ""):
            return None
        if isinstance(value, datetime.time):
            return value
        if isinstance(value, str):
            boxes = _time_boxes(value)
            if boxes is None:
                raise self._error(f"{self._name()} must be a real time, like 14:30", "invalid")
            value = boxes
        hour, minute = (str(v).strip() for v in value)
        given = {"hour": hour, "minute": minute}
        missing = [part for part in TIME_PARTS if not given[part]]
        if missing:
            message = f"{self._name()} must include {_an(missing[0])}"
            raise self._error(message, "incomplete", missing)
        wrong = [part for part in TIME_PARTS if not given[part].isdigit()]
        if wrong:
            raise self._error(f"{self._name()} must be a real time, in numbers", "invalid", wrong)
        if int(hour) > 23:
            raise self._error("Hour must be between 0 and 23", "hour", ["hour"])
        if int(minute) > 59:
            raise self._error("Minute must be between 0 and 59", "minute", ["minute"])
        return datetime.time(int(hour), int(minute))

    def validate(self, value):
        if value is None and self.required:
            raise self._error(f"Enter {self._name()[0].lower()}{self._name()[1:]}", "required")


def _an(part: str) -> str:
    return f"an {part}" if part[0] in "aeiouh" else f"a {part}"


WIDGET_KINDS = [
    # Before their base, the date input.
    (GovukDateTimeInput, "datetime"),
    (GovukTimeInput, "time"),
    (GovukDateInput, "date"),
    # Before RadioSelect, which Django makes its base class.
    (forms.CheckboxSelectMultiple, "checkboxes"),
    (forms.RadioSelect, "radios"),
    (forms.CheckboxInput, "checkbox"),
    (forms.Textarea, "textarea"),
    (forms.Select, "select"),  # SelectMultiple too
    (forms.ClearableFileInput, "file"),
    (forms.FileInput, "file"),
    (forms.HiddenInput, "hidden"),
]
CLASSES = {
    "input": ("govuk-input", "govuk-input--error"),
    "textarea": ("govuk-textarea", "govuk-textarea--error"),
    "select": ("govuk-select", "govuk-select--error"),
    "file": ("govuk-file-upload", "govuk-file-upload--error"),
    "checkbox": ("govuk-checkboxes__input", ""),
}
SIZES = {"s", "m", "l", "xl"}


def widget_kind(widget) -> str:
    for cls, kind in WIDGET_KINDS:
        if isinstance(widget, cls):
            return kind
    return "input"


def error_parts(bound_field) -> set[str]:
    """The date or time boxes the errors are about (all of them when the errors do not say)."""
    every = bound_field.field.widget.PARTS
    parts: set[str] = set()
    for error in bound_field.errors.as_data():
        parts.update((error.params or {}).get("parts", every))
    return parts


def first_input_id(bound_field) -> str:
    """Where an error summary's link for this field lands: its first (wrong) input."""
    kind = widget_kind(bound_field.field.widget)
    if kind in ("date", "time", "datetime"):
        every = bound_field.field.widget.PARTS
        wrong = error_parts(bound_field) or set(every)
        part = next(p for p in every if p in wrong)
        return f"{bound_field.auto_id}_{part}"
    if kind in ("radios", "checkboxes"):
        subwidgets = bound_field.subwidgets
        if subwidgets:
            return subwidgets[0].data["attrs"]["id"]
    return bound_field.auto_id


def is_optional(field: forms.Field) -> bool:
    """Whether the form accepts the field left empty, as its label says "(optional)": not
    required, nor required depending on another answer (`required_when`, the field that
    decides: "who made the decision" unless "I do not know who")."""
    # Radios drawn with one already chosen (the start stage: 1) cannot be left empty.
    chosen = isinstance(field.widget, forms.RadioSelect) and field.initial not in (None, "")
    return not field.required and not getattr(field, "required_when", None) and not chosen


def field_context(
    bound_field,
    *,
    label_size: str = "",
    page_heading: bool = False,
    classes: str = "",
    hint: str | None = None,
    optional_marker: bool = True,
) -> dict:
    """Everything `field_group` needs to draw one field."""
    if hint is not None:
        # A copy, so that Django's own aria-describedby follows the hint shown.
        bound_field = copy.copy(bound_field)
        bound_field.help_text = hint
    field, widget = bound_field.field, bound_field.field.widget
    kind = widget_kind(widget)
    auto_id = bound_field.auto_id
    errors = [as_sentence(bound_field, m) for m in bound_field.errors]
    help_text = bound_field.help_text
    if label_size and label_size not in SIZES:
        raise ValueError(f"label_size must be one of {sorted(SIZES)}, not {label_size!r}")
    label = bound_field.label
    if optional_marker and is_optional(field) and kind not in ("checkbox", "hidden") and label:
        # A label written for people may say so already ("Note (optional)").
        if not str(label).endswith("(optional)"):
            label = f"{label} (optional)"
    context = {
        "field": bound_field,
        "kind": kind,
        "id": auto_id,
        "label": label,
        "label_size": label_size,
        "page_heading": page_heading,
        "hint": help_text,
        "hint_id": f"{auto_id}_helptext",
        "errors": errors,
        "error_id": f"{auto_id}_error",
        "describedby": " ".join(
            ([f"{auto_id}_helptext"] if help_text else [])
            + ([f"{auto_id}_error"] if errors else [])
        ),
    }
    if kind in CLASSES:
        base, error_class = CLASSES[kind]
        css = " ".join(
            c
            for c in (base, error_class if errors else "", widget.attrs.get("class", ""), classes)
            if c
        )
        # Without a placeholder: the label says what goes in the box, and a placeholder
        # vanishes as soon as someone types (allauth's forms come with them).
        shown = copy.copy(widget)
        shown.attrs = {k: v for k, v in widget.attrs.items() if k != "placeholder"}
        context["widget"] = bound_field.as_widget(widget=shown, attrs={"class": css})
    elif kind in ("radios", "checkboxes"):
        context["items"] = [
            {
                "id": sub.data["attrs"]["id"],
                "name": sub.data["name"],
                "value": sub.data["value"],
                "label": sub.data["label"],
                "checked": sub.data["selected"],
            }
            for sub in bound_field.subwidgets
        ]
        context["small"] = "small" in classes
        context["inline"] = "inline" in classes
    elif kind in ("date", "time", "datetime"):
        wrong = error_parts(bound_field) if errors else set()
        values = widget.parts(bound_field.value())
        context["items"] = [
            {
                "id": f"{auto_id}_{part}",
                "name": f"{bound_field.html_name}_{part}",
                "label": part.capitalize(),
                "value": values[part],
                "width": 4 if part == "year" else 2,
                "error": part in wrong,
            }
            for part in widget.PARTS
        ]
    return context


def field_group(context: dict) -> str:
    """One field's GOV.UK form group from `field_context`: a label or a legend, its hint and
    error, and the control. Drawn in Python rather than by a template: through the template
    engine each field cost a millisecond, a third of a long form's page (bench/pages.py)."""
    kind = context["kind"]
    if kind == "hidden":
        return str(context["field"])
    label, size, fid = escaped(context["label"]), context["label_size"], escaped(context["id"])
    errors = context["errors"]
    describedby = context["describedby"]
    described = f' aria-describedby="{escaped(describedby)}"' if describedby else ""
    notes = _hint_and_error(context)
    if kind in ("radios", "checkboxes", "date", "time", "datetime"):
        boxes = kind in ("date", "time", "datetime")
        legend_size = f" govuk-fieldset__legend--{size}" if size else ""
        legend = (
            f'\n      <h1 class="govuk-fieldset__heading">{label}</h1>'
            if context["page_heading"]
            else label
        )
        control = _date_boxes(fid, context["items"]) if boxes else _choices(kind, context)
        role = ' role="group"' if boxes else ""
        body = (
            f'\n  <fieldset class="govuk-fieldset"{role}{described}>'
            f'\n    <legend class="govuk-fieldset__legend{legend_size}">{legend}\n    </legend>'
            f"\n    {notes}\n    {control}\n  </fieldset>\n"
        )
    elif kind == "checkbox":
        body = (
            f"\n  {notes}"
            '\n  <div class="govuk-checkboxes govuk-checkboxes--small"'
            ' data-module="govuk-checkboxes">'
            '\n    <div class="govuk-checkboxes__item">'
            f"\n      {context['widget']}"
            f'\n      <label class="govuk-label govuk-checkboxes__label" for="{fid}">'
            f"{label}</label>"
            "\n    </div>\n  </div>\n"
        )
    else:
        label_class = f" govuk-label--{size}" if size else ""
        label_html = f'<label class="govuk-label{label_class}" for="{fid}">{label}</label>'
        if context["page_heading"]:
            label_html = f'<h1 class="govuk-label-wrapper">{label_html}</h1>'
        body = f"\n  {label_html}\n  {notes}\n  {context['widget']}\n"
    group = " govuk-form-group--error" if errors else ""
    return f'<div class="govuk-form-group{group}">{body}</div>'


def _hint_and_error(context: dict) -> str:
    hint, errors = context["hint"], context["errors"]
    # The hint is the form's own words, which may hold markup (a link to the policy).
    shown = (
        f'<div id="{escaped(context["hint_id"])}" class="govuk-hint">{hint}</div>' if hint else ""
    )
    if errors:
        shown += (
            f'\n<p id="{escaped(context["error_id"])}" class="govuk-error-message">'
            '<span class="govuk-visually-hidden">Error:</span> '
            f"{'<br>'.join(escaped(e) for e in errors)}</p>"
        )
    return shown


def _date_boxes(fid: str, items: list[dict]) -> str:
    def invalid(item: dict) -> str:
        return ' aria-invalid="true"' if item["error"] else ""

    boxes = "".join(
        '\n      <div class="govuk-date-input__item">\n        <div class="govuk-form-group">'
        f'\n          <label class="govuk-label govuk-date-input__label" for="{escaped(i["id"])}">'
        f"{escaped(i['label'])}</label>"
        '\n          <input class="govuk-input govuk-date-input__input '
        f'govuk-input--width-{i["width"]}{" govuk-input--error" if i["error"] else ""}"'
        f' id="{escaped(i["id"])}" name="{escaped(i["name"])}" type="text" inputmode="numeric"'
        f' value="{escaped(i["value"])}"{invalid(i)}>'
        "\n        </div>\n      </div>"
        for i in items
    )
    return f'<div class="govuk-date-input" id="{fid}">{boxes}\n    </div>\n    '


def _choices(kind: str, context: dict) -> str:
    variants = (" govuk-{0}--small" if context["small"] else "") + (
        " govuk-{0}--inline" if context["inline"] else ""
    )
    kind_type = "radio" if kind == "radios" else "checkbox"
    items = "".join(
        f'\n      <div class="govuk-{kind}__item">'
        f'\n        <input class="govuk-{kind}__input" id="{escaped(i["id"])}"'
        f' name="{escaped(i["name"])}" type="{kind_type}" value="{escaped(i["value"])}"'
        f"{' checked' if i['checked'] else ''}>"
        f'\n        <label class="govuk-label govuk-{kind}__label" for="{escaped(i["id"])}">'
        f"{escaped(i['label'])}</label>\n      </div>"
        for i in context["items"]
    )
    return (
        f'<div class="govuk-{kind}{variants.format(kind)}" data-module="govuk-{kind}">'
        f"{items}\n    </div>"
    )


# -- Error messages ------------------------------------------------------------------------
# Django's own ("This field is required.", "Select a valid choice. …", "Enter a whole
# number.") name no field and read as a machine's. Every field of every form gets the
# Design System's instead ("Enter their given name", "Select the agency you disagree
# with"), made from what the field is and the words for what it asks (the form's
# `error_nouns`, else its label).

CHOOSING = (
    forms.ChoiceField,
    forms.ModelChoiceField,
    forms.ModelMultipleChoiceField,
    forms.BooleanField,
)
ASKING = re.compile(r"^(who|what|when|which|how|is|has|does|why|where|do|are)\b", re.I)


def _noun(field: forms.Field, name: str, nouns: dict[str, str]) -> str:
    if name in nouns:
        return nouns[name]
    words = str(field.label or "").removesuffix(" (optional)").strip()
    if not words or words.endswith("?") or ASKING.match(words):
        words = "the " + name.replace("_", " ")  # a question makes no noun: the field's name
    return in_sentence(words)


def in_sentence(words: str) -> str:
    """Words that begin a label, as they read inside a sentence ("Change date of birth",
    "Enter the date"): the first letter small, unless the first word is "I" or an
    abbreviation ("NHS number"), or the words are a name whose next word is capitalised
    too ("Lead Professional")."""
    first, _, rest = words.partition(" ")
    second = rest.split(" ", 1)[0]
    named = second[:1].isupper() and not second.isupper()
    if first == "I" or (len(first) > 1 and first.isupper()) or named:
        return words
    return words[:1].lower() + words[1:]


# A message that is part of a sentence ("must be now or in the past") is said of the field:
# "The date the discussion took place must be now or in the past".
PREDICATE = re.compile(r"^(must|is|cannot|can|may|should|has|was|does|needs)\b")


def as_sentence(bound_field, message: str) -> str:
    """`message` about `bound_field` as the Design System writes it, whole: a part of a
    sentence after the words for what the field asks (its label, or the form's noun where
    the label is a question), never after the label and a colon."""
    message = str(message)
    if not message or message[:1].isupper():
        return message
    if PREDICATE.match(message):
        nouns = getattr(bound_field.form, "error_nouns", {})
        label = str(bound_field.label or "").removesuffix(" (optional)").strip()
        if label and not label.endswith("?") and not ASKING.match(label):
            words = label
        else:
            words = _noun(bound_field.field, bound_field.name, nouns)
        return f"{words[:1].upper()}{words[1:]} {message}"
    return message[:1].upper() + message[1:]


def govuk_messages(field: forms.Field, name: str, nouns: dict[str, str] | None = None) -> None:
    """Give `field` the Design System's error messages in place of Django's defaults (a
    message the form set itself is kept)."""
    noun = _noun(field, name, nouns or {})
    Noun = noun[:1].upper() + noun[1:]  # noqa: N806 — the same words, starting a sentence
    choose = isinstance(field, CHOOSING)
    ours = {
        "required": f"Select {noun}" if choose else f"Enter {noun}",
        "invalid_choice": f"Select {noun} from the list",
        "invalid_list": f"Select {noun} from the list",
        "invalid_pk_value": f"Select {noun} from the list",
        "max_value": f"{Noun} must be %(limit_value)s or less",
        "min_value": f"{Noun} must be %(limit_value)s or more",
        "max_length": f"{Noun} must be %(limit_value)d characters or fewer",
        "min_length": f"{Noun} must be %(limit_value)d characters or more",
        "null_characters_not_allowed": f"{Noun} must not contain a NUL character",
    }
    if isinstance(field, forms.EmailField):
        ours["invalid"] = "Enter an email address in the correct format, like name@example.com"
    elif isinstance(field, forms.DateTimeField):
        ours["invalid"] = f"{Noun} must be a real date and time"
    elif isinstance(field, forms.DateField):
        ours["invalid"] = f"{Noun} must be a real date"
    elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        ours["invalid"] = f"{Noun} must be a number"
    elif isinstance(field, forms.JSONField):
        ours["invalid"] = f"{Noun} is not in the right format"
    elif isinstance(field, forms.FileField):
        ours |= {
            "invalid": f"Select {noun}",
            "missing": f"Select {noun}",
            "empty": f"{Noun} is empty",
            "contradiction": f"Select {noun}, or remove the one chosen: not both",
        }
    defaults = django_messages()
    for code, message in ours.items():
        if code in field.error_messages and str(field.error_messages[code]) in defaults:
            field.error_messages[code] = message
    for validator in field.validators:
        code = getattr(validator, "code", None)
        if code in ours and validator.message is getattr(type(validator), "message", None):
            validator.message = ours[code]  # the validator's own: it was given none


_DJANGO_MESSAGES: set[str] = set()


def django_messages() -> set[str]:
    """Every message Django's form fields and validators give unless told otherwise."""
    if not _DJANGO_MESSAGES:
        from django.core import validators

        for cls in vars(forms.fields).values():
            if isinstance(cls, type) and issubclass(cls, forms.Field):
                for klass in cls.__mro__:
                    messages = getattr(klass, "default_error_messages", {})
                    _DJANGO_MESSAGES.update(str(m) for m in messages.values())
        for cls in (forms.ModelChoiceField, forms.ModelMultipleChoiceField):
            _DJANGO_MESSAGES.update(str(m) for m in cls.default_error_messages.values())
        for cls in vars(validators).values():
            message = getattr(cls, "message", None) if isinstance(cls, type) else None
            if message is not None and cls.__name__ not in LENGTH_VALIDATORS:
                _DJANGO_MESSAGES.add(str(message))
        _DJANGO_MESSAGES.discard("")
    return _DJANGO_MESSAGES


# Their messages are plural forms, read only with the length: "Ensure this value has …".
LENGTH_VALIDATORS = {"MaxLengthValidator", "MinLengthValidator"}
DJANGO_LENGTH = re.compile(r"^Ensure this value has (at most|at least) \d+ characters?")


class GovukErrors:
    """A form whose every field, declared or added in `__init__`, says what is wrong as the
    Design System does. `error_nouns` ({field name: words}) names what a field asks for
    where its label is a question or is set only by the page ("Select `the agency you
    disagree with`")."""

    error_nouns: dict[str, str] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name, field in vars(cls).get("declared_fields", {}).items():
            govuk_messages(field, name, cls.error_nouns)

    def full_clean(self):
        for name, field in self.fields.items():  # fields an __init__ added or changed
            govuk_messages(field, name, self.error_nouns)
        super().full_clean()
