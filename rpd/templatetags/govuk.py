"""RPD's GOV.UK Frontend 6 components, written once and used by every page.

``{% load govuk %}`` then, for example::

    {% govuk_error_summary form %}                       errors of one form (or several)
    {% govuk_field form.name label_size="l" page_heading=True classes="govuk-input--width-20" %}
    {{ form }}                                           every field, through the renderer
    {% govuk_button "Save" %}  {% govuk_button "Start" href=url variant="start" %}
    {% govuk_back_link url %}
    {% govuk_notification_banner "Saved" type="success" %}
    {% govuk_summary_list rows %}     rows: [{"key", "value", "href", "action", "hidden"}]
    {% govuk_table head rows caption="..." numeric=[2] %}
    {% govuk_tag "Overdue" "red" %}
    {% govuk_task_list items %}       items: [{"title", "href", "hint", "status", "colour"}]
    {% govuk_inset_text text %}  {% govuk_warning_text text %}  {% govuk_details summary text %}
    {% govuk_panel title body %}  {% govuk_pagination page_obj %}
    {% govuk_phase_banner "Beta" %}
    {% govuk_nav_item "Sign out" url post=True %}       in {% block header_navigation %}
    {% rpd_navigation %}                                 the layout's, for a signed-in person
    {% capture as name %}...{% endcapture %}             HTML to pass to a component

Text arguments are escaped unless marked safe (``mark_safe``, ``|safe`` or ``capture``),
so a page passes HTML on purpose only. docs/frontend.md is the contract.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms, template
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from rpd import frontend

register = template.Library()

SERVICE_NAME = "Resolving professional differences"


@register.simple_tag
def govuk_field(bound_field, **options):
    """One form field in GOV.UK markup: label_size (s, m, l, xl), page_heading,
    classes (widths such as govuk-input--width-10; "inline"/"small" for radios),
    hint (replaces the field's help_text)."""
    return render_to_string(
        "govuk/forms/field_group.html", frontend.field_context(bound_field, **options)
    )


def _forms(value) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, forms.BaseForm | forms.BaseFormSet):
        return [value]
    return [f for f in value if f is not None]


def error_list(*form_values) -> list[dict]:
    """The error summary's lines: each field's first error linking to its first input,
    then errors of the whole form (which have nowhere else to link to)."""
    lines: list[dict] = []
    for value in form_values:
        for form in _forms(value):
            if isinstance(form, forms.BaseFormSet):
                lines += [{"text": e} for e in form.non_form_errors()]
                lines += error_list(list(form.forms))
                continue
            for name in form.errors:
                if name == forms.forms.NON_FIELD_ERRORS or name not in form.fields:
                    continue
                bound = form[name]
                lines.append(
                    {"text": bound.errors[0], "href": "#" + frontend.first_input_id(bound)}
                )
            lines += [{"text": e} for e in form.non_field_errors()]
    return lines


@register.inclusion_tag("components/error_summary.html")
def govuk_error_summary(*form_values, errors: Iterable | None = None, title="There is a problem"):
    """Forms (or formsets) with errors, and/or errors=[{"text", "href"}] of a page's own."""
    return {"lines": error_list(*form_values) + list(errors or []), "title": title}


@register.filter
def has_errors(form_value) -> bool:
    """Whether a form (or a list of forms) has errors: the layout's "Error: " title."""
    return bool(error_list(form_value))


@register.inclusion_tag("components/button.html")
def govuk_button(text, href=None, variant="", type="submit", name=None, value=None, classes=""):
    """variant: "", "secondary", "warning" or "start" (start buttons are links)."""
    if variant not in ("", "secondary", "warning", "start"):
        raise template.TemplateSyntaxError(f"govuk_button: unknown variant {variant!r}")
    return locals()


@register.inclusion_tag("components/nav_item.html", takes_context=True)
def govuk_nav_item(context, text, href, current=False, post=False):
    """One item of the header's navigation (the layout's header_navigation block).
    post=True draws a button in a POST form with the CSRF token, as signing out needs."""
    return {
        "text": text,
        "href": href,
        "current": current,
        "post": post,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("components/account_navigation.html", takes_context=True)
def rpd_navigation(context):
    """The header's navigation for a signed-in person, on every page: My work, Raise a
    disagreement (for someone in an agency), Oversight (for the oversight roles),
    Administration (for a partnership's administrators), and Sign out as a POST button.
    The item the page belongs to is marked current."""
    from django.urls import reverse

    from rpd.administration.access import administered
    from rpd.disagreements.access import oversees

    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"items": []}
    request = context.get("request")
    path = request.path if request is not None else ""
    links = [("My work", reverse("home"), path == reverse("home"))]
    if user.agency_id:
        raise_url = reverse("disagreements:raise")
        links.append(("Raise a disagreement", raise_url, path.startswith(raise_url)))
    if oversees(user):
        oversight_url = reverse("disagreements:oversight")
        links.append(("Oversight", oversight_url, path.startswith(oversight_url)))
    if administered(user):
        admin_url = reverse("administration:choose")
        links.append(("Administration", admin_url, path.startswith(admin_url)))
    return {
        "items": [{"text": t, "href": h, "current": c} for t, h, c in links],
        "sign_out": reverse("account_logout"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("components/back_link.html")
def govuk_back_link(href, text="Back"):
    return {"href": href, "text": text}


@register.inclusion_tag("components/notification_banner.html")
def govuk_notification_banner(heading, text="", type="important", title=None):
    """type "success" (role=alert, after an action) or "important"."""
    if type not in ("success", "important"):
        raise template.TemplateSyntaxError(f"govuk_notification_banner: unknown type {type!r}")
    return {
        "heading": heading,
        "text": text,
        "success": type == "success",
        "title": title or ("Success" if type == "success" else "Important"),
    }


@register.inclusion_tag("components/summary_list.html")
def govuk_summary_list(rows, no_border=False):
    """rows: dicts with key, value and optionally href, action ("Change") and hidden
    (the visually hidden end of the action's name, e.g. "date of birth")."""
    return {"rows": rows, "no_border": no_border}


@register.inclusion_tag("components/table.html")
def govuk_table(head, rows, caption="", caption_size="m", numeric=(), first_cell_is_header=False):
    """head: column names; rows: lists of cells; numeric: indexes of number columns."""
    numeric = set(numeric)
    return {
        "head": [(cell, i in numeric) for i, cell in enumerate(head or [])],
        "rows": [[(cell, i in numeric) for i, cell in enumerate(row)] for row in rows],
        "caption": caption,
        "caption_size": caption_size,
        "first_cell_is_header": first_cell_is_header,
    }


TAG_COLOURS = {"", "grey", "green", "turquoise", "blue", "light-blue", "purple", "pink",
               "red", "orange", "yellow"}  # fmt: skip


@register.inclusion_tag("components/tag.html")
def govuk_tag(text, colour=""):
    if colour not in TAG_COLOURS:
        raise template.TemplateSyntaxError(f"govuk_tag: unknown colour {colour!r}")
    return {"text": text, "colour": colour}


@register.inclusion_tag("components/task_list.html")
def govuk_task_list(items, id_prefix="task-list"):
    """items: dicts with title, href (optional), hint, status and colour (a tag colour;
    no colour means plain status text, as for "Completed")."""
    return {"items": items, "id_prefix": id_prefix}


@register.inclusion_tag("components/inset_text.html")
def govuk_inset_text(text):
    return {"text": text}


@register.inclusion_tag("components/warning_text.html")
def govuk_warning_text(text, icon_fallback="Warning"):
    return {"text": text, "icon_fallback": icon_fallback}


@register.inclusion_tag("components/details.html")
def govuk_details(summary, text, open=False):
    return {"summary": summary, "text": text, "open": open}


@register.inclusion_tag("components/panel.html")
def govuk_panel(title, body="", heading_level=1):
    return {"title": title, "body": body, "heading_level": heading_level}


@register.inclusion_tag("components/phase_banner.html")
def govuk_phase_banner(tag="Beta", text=None):
    return {"tag": tag, "text": text}


@register.inclusion_tag("components/pagination.html", takes_context=True)
def govuk_pagination(context, page_obj, param="page"):
    """Previous and next links and the page numbers around this one, keeping the
    request's other query parameters."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)

    def href(number):
        query[param] = number
        return "?" + query.urlencode()

    paginator = page_obj.paginator
    pages = []
    if paginator.num_pages > 1:
        for number in paginator.get_elided_page_range(page_obj.number, on_each_side=1, on_ends=1):
            if number == paginator.ELLIPSIS:
                pages.append({"ellipsis": True})
            else:
                pages.append(
                    {"number": number, "href": href(number), "current": number == page_obj.number}
                )
    return {
        "pages": pages,
        "previous": href(page_obj.previous_page_number()) if page_obj.has_previous() else None,
        "next": href(page_obj.next_page_number()) if page_obj.has_next() else None,
    }


class CaptureNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist, self.name = nodelist, name

    def render(self, context):
        context[self.name] = mark_safe(self.nodelist.render(context).strip())
        return ""


@register.tag
def capture(parser, token):
    """``{% capture as name %}<p>HTML</p>{% endcapture %}``: HTML for a component's text
    argument. Blocks inside are overridable, so the layout uses it to draw the header's
    navigation only when a page fills it."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("usage: {% capture as name %}...{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.simple_tag
def service_name():
    return SERVICE_NAME
