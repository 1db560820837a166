"""Template helpers for the sign-in pages: GOV.UK form fields and the demo people."""

from __future__ import annotations

import copy

from django import forms, template

from rpd.people import demo_sign_in

register = template.Library()


@register.simple_tag
def demo_people() -> list:
    return demo_sign_in.demo_people()


def _widget_class(field) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "govuk-checkboxes__input"
    if isinstance(widget, forms.Textarea):
        name = "govuk-textarea"
    elif isinstance(widget, forms.Select):
        name = "govuk-select"
    else:
        name = "govuk-input"
    return f"{name} {name}--error" if field.errors else name


@register.filter
def govuk_widget(field):
    """The field's input with GOV.UK classes, and without a placeholder: a label says what
    goes in the box, and a placeholder vanishes as soon as someone types."""
    widget = copy.copy(field.field.widget)
    widget.attrs = {k: v for k, v in widget.attrs.items() if k != "placeholder"}
    return field.as_widget(widget=widget, attrs={"class": _widget_class(field)})


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.simple_tag
def error_summary_items(*forms_) -> list[dict]:
    """Each error of the given forms once, linking to its field (a form-wide error to the
    form's first field), in the order the fields appear."""
    items = []
    for form in forms_:
        if not hasattr(form, "errors") or not form.errors:
            continue
        visible = form.visible_fields()
        first = f"#{visible[0].auto_id}" if visible and visible[0].auto_id else ""
        for message in form.non_field_errors():
            items.append({"href": first, "text": message})
        for field in visible:
            href = f"#{field.auto_id}" if field.auto_id else ""
            items.extend({"href": href, "text": message} for message in field.errors)
        for message in (m for f in form.hidden_fields() for m in f.errors):
            items.append({"href": "", "text": message})
    return items


@register.filter
def squash(text) -> str:
    """Runs of whitespace as one space: allauth's titles come with its indentation."""
    return " ".join(str(text).split())
