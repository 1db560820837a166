"""Every form says what is wrong as the GOV.UK Design System does: no Django default
("This field is required.", "Select a valid choice…", "Enter a whole number.") on any
field of any form class of the project, and a field a page calls optional is optional."""

from __future__ import annotations

import copy
import importlib
import pkgutil

import pytest
from django import forms

import rpd
from rpd.disagreements.views.common import LABELS
from rpd.frontend import (
    DJANGO_LENGTH,
    GovukErrors,
    as_sentence,
    django_messages,
    govuk_messages,
)


def project_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(rpd.__path__, "rpd."):
        if ".migrations" not in module.name and not module.name.endswith((".wsgi", ".cli")):
            importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.startswith("rpd."):
                found.append(cls)
    return sorted(set(found), key=lambda c: (c.__module__, c.__name__))


FORMS = project_forms()


def defaults_in(field: forms.Field) -> list[str]:
    said = [str(m) for m in field.error_messages.values() if str(m) in django_messages()]
    for validator in field.validators:
        message = getattr(validator, "message", "")
        if message is getattr(type(validator), "message", None):
            said.append(f"{type(validator).__name__}'s own message")
        elif isinstance(message, str) and (
            message in django_messages() or DJANGO_LENGTH.match(message)
        ):
            said.append(message)
    return said


def test_the_walk_finds_the_forms_of_every_part():
    modules = {cls.__module__.split(".")[1] for cls in FORMS}
    assert {"administration", "disagreements", "onboarding", "people", "pathways"} <= modules
    assert len(FORMS) > 40


@pytest.mark.parametrize("form", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_no_field_of_any_form_gives_djangos_own_error_messages(form):
    # Every field is given its messages when the form is cleaned (those its __init__ adds,
    # and those of a parent class from a library), as here.
    assert issubclass(form, GovukErrors), f"{form.__name__} is not a GovukErrors form"
    found = {}
    for name, field in form.base_fields.items():
        field = copy.deepcopy(field)
        govuk_messages(field, name, form.error_nouns)
        found[name] = defaults_in(field)
    assert {name: said for name, said in found.items() if said} == {}


def label_of(form, name: str, field: forms.Field) -> str:
    """The words a page shows: the case pages' LABELS for the cases' forms, else its own."""
    if form.__module__.startswith("rpd.disagreements") and name in LABELS:
        return LABELS[name][0]
    return str(field.label or "")


def test_a_field_a_page_calls_optional_never_requires_an_answer():
    required = [
        f"{form.__name__}.{name}"
        for form in FORMS
        for name, field in form.base_fields.items()
        if "(optional)" in label_of(form, name, field) and field.required
    ]
    assert required == []


def test_a_field_added_when_the_form_is_made_gets_the_design_systems_messages_too():
    from rpd.disagreements.views.raise_ import YesOrNo

    form = YesOrNo({}, name="anything", question="Is it?", hint="", error="Select yes if it is")
    assert form.errors == {"anything": ["Select yes if it is"]}

    class Added(GovukErrors, forms.Form):
        def __init__(self, data):
            super().__init__(data)
            self.fields["stage"] = forms.IntegerField(label="Stage")

    assert Added({"stage": "two"}).errors == {"stage": ["Stage must be a number"]}
    assert Added({}).errors == {"stage": ["Enter stage"]}


def test_no_page_writes_optional_into_a_label_it_is_derived_from_the_field():
    # A label that says "(optional)" itself can disagree with what the form accepts; the
    # marker comes from the field (frontend.is_optional), the one place that knows.
    written = [name for name, (words, _) in LABELS.items() if "(optional)" in words]
    assert written == []


FRAGMENTS = ("must be a real date", "must be now or in the past", "is not in Police")


@pytest.mark.parametrize("form", FORMS, ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_message_of_every_form_is_a_whole_sentence_never_a_label_and_a_fragment(form):
    # "Date of birth must be a real date", never "Date of birth (optional): must be a real
    # date" nor "When did it take place?: must be now or in the past".
    found = []
    for name, field in form.base_fields.items():
        field = copy.deepcopy(field)
        govuk_messages(field, name, form.error_nouns)
        words = label_of(form, name, field)
        bound = type("Bound", (), {"form": form, "field": field, "name": name, "label": words})
        said = [as_sentence(bound, m) for m in FRAGMENTS]
        said += [str(m) for m in field.error_messages.values()]
        found += [
            f"{name}: {m}"
            for m in said
            if ": must" in m or "?: " in m or "This field is required" in m or m[:1].islower()
        ]
    assert found == []
