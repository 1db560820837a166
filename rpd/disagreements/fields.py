"""Form fields every transition's input goes through: text, dates and JSON, bounded.

What a person types, or a script sends, is stored, hashed into the audit log and sent in
notices. So every text has a length limit and may hold no NUL (PostgreSQL refuses it;
SQLite would keep it) and no lone surrogate (no database can encode one); every date lies
in a window that makes sense for what it is; every JSON value is small, shallow, and
holds only finite numbers. A value outside these comes back as a field-named message,
never as a database error or a 500.
"""

from __future__ import annotations

import datetime
import functools
import json
import math

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from rpd.frontend import (
    DATE_PARTS,
    TIME_PARTS,
    GovukDateField,
    GovukDateInput,
    GovukDateTimeInput,
    GovukTimeField,
    escaped_all,
)
from rpd.pathways.calendar import local_date
from rpd.people import pickers

SHORT_TEXT = 200  # a name, a title, a choice's label
LONG_TEXT = 10_000  # a summary, a reason: about four pages
JSON_CHARS = 50_000
JSON_ITEMS = 50  # entries in one list or object
JSON_DEPTH = 3  # actions are a list of objects of plain values

# Records of professional disagreements start with the product's era, not year 1.
RECORDS_BEGIN = datetime.date(2000, 1, 1)
OLDEST_PERSON_YEARS = 125
# How far ahead a date someone sets (a resume date, an extension, an action's due date)
# may be: beyond a year it is a typo, or a way to park a case out of sight.
FURTHEST_AHEAD = datetime.timedelta(days=366)


def plain_text(value: str) -> None:
    """Refuse what no database should be asked to store: NUL and lone surrogates, and the
    replacement character a form's bytes that were not text arrive as (Django decodes a
    request's invalid UTF-8, a lone surrogate among it, so): stored, it would read as
    garbage where a name or a reason should be."""
    if "\x00" in value:
        raise ValidationError("must not contain a NUL character", code="null_characters")
    if "\ufffd" in value:
        raise ValidationError(
            "contains characters that did not arrive as text: type it again", code="not_text"
        )
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            "contains a character that is not valid text (a lone surrogate)", code="surrogate"
        ) from None


def check_date(day: datetime.date, earliest: datetime.date, latest: datetime.date) -> None:
    if day < earliest:
        raise ValidationError(f"must be {earliest.day} {earliest:%B %Y} or later", code="too_early")
    if day > latest:
        raise ValidationError(f"must be {latest.day} {latest:%B %Y} or earlier", code="too_late")


class Text(forms.CharField):
    """One line of text: at most SHORT_TEXT characters unless told otherwise."""

    default_validators = [plain_text]

    def __init__(self, *, max_length: int = SHORT_TEXT, **kwargs):
        super().__init__(max_length=max_length, **kwargs)


class LongText(Text):
    """A summary, a reason, an outcome: at most LONG_TEXT characters."""

    def __init__(self, **kwargs):
        super().__init__(max_length=LONG_TEXT, **kwargs)


class Today(forms.DateField):
    """A date whose bounds count from the form's today (set by the form, else London's).

    Typed as text (a script's "2026-12-03") or into the GOV.UK date input's three boxes
    (day, month, year), which is how the pages draw it.
    """

    widget = GovukDateInput
    today: datetime.date | None = None

    def current_day(self) -> datetime.date:
        return self.today or local_date(timezone.now())

    def to_python(self, value):
        if isinstance(value, list | tuple):
            value = _from_boxes(value)
        return super().to_python(value)


def _from_boxes(boxes) -> datetime.date | None:
    if len(boxes) != 3:
        raise ValidationError("must be a date", code="invalid")
    day, month, year = (str(v or "").strip() for v in boxes)
    if not (day or month or year):
        return None
    # Which box is wrong, in the Design System's words ("must include a month").
    given = {"day": day, "month": month, "year": year}
    missing = [part for part, typed in given.items() if not typed]
    if missing:
        raise ValidationError(f"must include a {' and a '.join(missing)}", code="incomplete")
    if not all(part.isdigit() for part in (day, month, year)):
        raise ValidationError("must be a real date, in numbers", code="invalid")
    if len(year) != 4:
        raise ValidationError("must have a year of 4 numbers, like 2026", code="invalid")
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        raise ValidationError("must be a real date", code="invalid") from None


class PastDate(Today):
    """A date that has happened: not after today, and not before `earliest`.

    `earliest` is a date, or a number of years before today (a date of birth).
    """

    def __init__(self, *, earliest: datetime.date | int = RECORDS_BEGIN, **kwargs):
        super().__init__(**kwargs)
        self.earliest = earliest

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        today = self.current_day()
        if value > today:
            raise ValidationError("must be today or in the past", code="future")
        earliest = self.earliest
        if isinstance(earliest, int):
            try:
                earliest = today.replace(year=today.year - earliest)
            except ValueError:  # 29 February
                earliest = today.replace(year=today.year - earliest, day=28)
        check_date(value, earliest, today)


class PastDateTime(forms.DateTimeField):
    """A moment that has happened: not after now (a minute's grace for a clock a little
    ahead of the server's) and not on a day before RECORDS_BEGIN.

    Typed as ISO text (a script's "2026-12-03T14:30") or into the date's three boxes and
    the time's two (GovukDateTimeInput), which is how the pages draw it: each wrong box
    named in the Design System's words ("Time must include a minute")."""

    widget = GovukDateTimeInput

    def to_python(self, value):
        if isinstance(value, list | tuple):
            if not any(str(v or "").strip() for v in value):
                return None
            if len(value) != len(GovukDateTimeInput.PARTS):
                raise ValidationError("must be a date and a time", code="invalid")
            day = GovukDateField(label="Date").to_python(value[:3])
            at = GovukTimeField(label="Time").to_python(value[3:])
            if day is None or at is None:
                missing = "Date" if day is None else "Time"
                parts = DATE_PARTS if day is None else TIME_PARTS
                raise ValidationError(
                    f"Enter the {missing.lower()}", code="incomplete", params={"parts": parts}
                )
            return timezone.make_aware(datetime.datetime.combine(day, at))
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value in self.empty_values:
            return
        if value > timezone.now() + datetime.timedelta(minutes=1):
            # A record of a discussion that has not happened yet is not evidence.
            raise ValidationError("must be now or in the past", code="future")
        check_date(local_date(value), RECORDS_BEGIN, datetime.date.max)


class FutureDate(Today):
    """A date someone sets ahead: no further than FURTHEST_AHEAD from today.

    Whether it must be after today, or after a current due date, is the form's to say.
    """

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values:
            check_date(value, RECORDS_BEGIN, self.current_day() + FURTHEST_AHEAD)


class Choices(forms.MultipleChoiceField):
    """Several of a short list: at most JSON_ITEMS of them."""

    def to_python(self, value):
        value = super().to_python(value)
        _at_most(value, JSON_ITEMS)
        return value


def person_label(user, where: bool = False) -> str:
    # A choice of people reads by name and job, never by username; `where` adds their team
    # and agency (loaded with them), as a picker shows them.
    words = [user.display_name, user.job_title]
    if where:
        words += [user.team, user.agency.name if user.agency_id else ""]
    return ", ".join(w for w in words if w)


PICKER_COLUMNS = ("pk", "first_name", "last_name", "username", "job_title", "team", "agency__name")


def people_choices(people) -> list[tuple[int, str]]:
    """People as a picker lists them: name, job title, team and agency, so the same name in
    two places reads apart; two entries alike even so are told apart by email address.
    A queryset is read as plain rows: a picker may list an agency's thousands, and building
    a person (and their agency) for each took most of such a page's time; what it found is
    kept until a row it reads changes (`pickers`)."""
    if isinstance(people, QuerySet):
        found = people.values_list(*PICKER_COLUMNS, "email")
        rows = pickers.read(
            found,
            lambda: [
                (pk, _picker_label(first, last, username, job, team, agency), email)
                for pk, first, last, username, job, team, agency, email in found
            ],
        )
    else:
        rows = [(person.pk, person_label(person, where=True), person.email) for person in people]
    seen: dict[str, int] = {}
    for _, label, _ in rows:
        seen[label] = seen.get(label, 0) + 1
    return [(pk, f"{label} ({email})" if seen[label] > 1 else label) for pk, label, email in rows]


def _picker_label(first, last, username, job, team, agency) -> str:
    # person_label(user, where=True) from the columns, as User.display_name words it.
    name = f"{first} {last}".strip() or username
    return ", ".join(filter(None, (name, job, team, agency)))


class Offering:
    """A choice of rows whose page may list fewer than it accepts."""

    def offer(self, rows) -> None:
        """List only `rows` (read when the page is drawn, once: the widget asks for its
        choices twice, whether the first is empty and then all of them): a partnership's
        thousands are no list to choose from. Anyone else in the queryset is still
        accepted."""
        empty = [("", self.empty_label)] if self.empty_label is not None else []

        @functools.cache
        def listed():
            if isinstance(self, Person | People):
                return [*empty, *people_choices(rows)]
            return [*empty, *((row.pk, self.label_from_instance(row)) for row in rows)]

        self.widget.choices = listed
        self.widget.listed = listed


class PersonSelect(forms.Select):
    """A person picker's select (it narrows as you type: init.js), drawn in one pass: one
    may list an agency's thousands, and Django draws each option through templates of its
    own, a second for every three thousand, and checks each choice again whenever the list
    is read. `listed` (set by `Offering.offer`) gives the options as they are."""

    listed = None

    def use_required_attribute(self, initial):
        # Django's asks the first choice of the whole list checked again.
        if self.listed is None:
            return super().use_required_attribute(initial)
        first = next(iter(self.listed()), None)
        return (
            forms.Widget.use_required_attribute(self, initial)
            and first is not None
            and self._choice_has_empty_value(first)
        )

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        choices = self.listed() if self.listed is not None else self.choices
        attrs = self.build_attrs(self.attrs, attrs)
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(attrs), options_html(choices, chosen)
        )


def options_html(choices, chosen=frozenset()) -> str:
    """A select's options, those whose values are in `chosen` (strings) selected."""
    choices = list(choices)
    # A person's or a row's key is a whole number, which needs no escaping.
    raw_keys = [key for key, _ in choices]
    whole = all(type(key) is int for key in raw_keys)
    keys = [str(key) for key in raw_keys] if whole else escaped_all(raw_keys)
    labels = escaped_all([label for _, label in choices])
    return mark_safe(
        "".join(
            f'<option value="{key}"{" selected" if str(raw) in chosen else ""}>{label}</option>'
            for (raw, _), key, label in zip(choices, keys, labels, strict=True)
        )
    )


class OneRow(forms.ModelChoiceField):
    """One row, chosen from a select whose first option asks in words, not with Django's
    dashes."""

    def __init__(self, *args, empty_label="Choose", **kwargs):
        super().__init__(*args, empty_label=empty_label, **kwargs)


class Person(Offering, OneRow):
    """One person, shown by name and job title; its select narrows as you type (init.js)
    and lists, until `offer` narrows it, everyone it accepts, as `people_choices` words
    them."""

    widget = PersonSelect

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.widget.attrs["data-rpd-autocomplete"] = ""

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        if queryset is not None:
            self.offer(self.queryset)

    queryset = property(OneRow._get_queryset, _set_queryset)

    def label_from_instance(self, obj):
        return person_label(obj)


class One(Offering, OneRow):
    """One row of a queryset, whose page may list fewer than it accepts."""


class Several(Offering, forms.ModelMultipleChoiceField):
    """Several rows: at most JSON_ITEMS, checked before the database is asked."""

    def clean(self, value):
        if isinstance(value, (list, tuple)):
            _at_most(value, JSON_ITEMS)
        return super().clean(value)

    def _check_values(self, value):
        # An id no database column could hold is refused by name before the query:
        # SQLite raises OverflowError on it inside Django's `pk__in` check.
        for pk in value:
            try:
                number = int(str(pk))
            except (TypeError, ValueError):
                continue  # Django names it
            if not -(2**63) <= number < 2**63:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class People(Several):
    """Several people, shown by name and job title."""

    def label_from_instance(self, obj):
        return person_label(obj)


def _at_most(items, limit: int) -> None:
    if len(items) > limit:
        raise ValidationError(f"at most {limit} may be given (got {len(items)})", code="too_many")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


class JSONInput(forms.JSONField):
    """A small JSON value: at most JSON_CHARS as text, JSON_ITEMS entries in each list or
    object, JSON_DEPTH levels deep; finite numbers only; strings as LongText's."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            if len(value) > JSON_CHARS:
                raise ValidationError(
                    f"is too long: at most {JSON_CHARS:,} characters of JSON", code="too_long"
                )
            try:
                value = json.loads(value, parse_constant=_refuse_constant)
            except RecursionError:
                raise ValidationError(
                    f"is nested too deeply: at most {JSON_DEPTH} levels", code="too_deep"
                ) from None
            except ValueError as error:  # JSONDecodeError is one
                raise ValidationError(f"is not valid JSON ({error})", code="invalid") from None
        check_json(value)
        return value

    def bound_data(self, data, initial):
        # Re-rendering a refused value shows what was sent, without parsing it again.
        return data

    def prepare_value(self, value):
        return value if isinstance(value, str) else super().prepare_value(value)


def check_json(value) -> None:
    """Walk a parsed value without recursion: a crafted one cannot exhaust the stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, tuple, dict)):
            if depth > JSON_DEPTH:
                raise ValidationError(
                    f"is nested too deeply: at most {JSON_DEPTH} levels", code="too_deep"
                )
            _at_most(item, JSON_ITEMS)
            if isinstance(item, dict):
                for key in item:
                    if not isinstance(key, str):
                        raise ValidationError("has a key that is not text", code="invalid")
                    _text(key)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)
        elif isinstance(item, str):
            _text(item)
        elif isinstance(item, float) and not math.isfinite(item):
            raise ValidationError("must hold numbers, not NaN or Infinity", code="not_finite")
        elif item is not None and not isinstance(item, (bool, int, float)):
            raise ValidationError(f"cannot hold a {type(item).__name__}", code="invalid")


def _text(value: str) -> None:
    plain_text(value)
    if len(value) > LONG_TEXT:
        raise ValidationError(
            f"has a text of {len(value):,} characters: at most {LONG_TEXT:,}", code="too_long"
        )
