"""Until the shared GOV.UK components land: how a bound field is drawn, decided once."""

from django import forms, template

register = template.Library()

RADIOS_UP_TO = 8  # more choices than this read better as a select


@register.filter
def govuk_kind(bound) -> str:
    field = bound.field
    if isinstance(field, forms.NullBooleanField):
        return "yes-no"
    if isinstance(field, forms.BooleanField):
        return "checkbox"
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return "checkboxes"
    if isinstance(field, forms.ModelChoiceField):
        return "select"
    if isinstance(field, forms.ChoiceField):
        return "radios" if len(field.choices) <= RADIOS_UP_TO else "select"
    if isinstance(field, forms.CharField) and (not field.max_length or field.max_length > 1000):
        return "textarea"
    return "input"


@register.filter
def options(bound) -> list[tuple[str, str, bool]]:
    """(value, text, chosen) for each non-empty choice, chosen from what was typed."""
    value = bound.value()
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
    return [
        (str(v), text, str(v) in chosen)
        for v, text in bound.field.choices
        if str(v) != "" and v is not None
    ]


@register.filter
def shown(bound) -> str:
    """What was typed, as a text box shows it."""
    value = bound.value()
    return "" if value is None else str(value)
