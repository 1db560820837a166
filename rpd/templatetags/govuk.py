"""RPD's GOV.UK Frontend 6 components, written once and used by every page.

``{% load govuk %}`` then, for example::

    {% govuk_error_summary form %}                       errors of one form (or several)
    {% govuk_field form.name label_size="l" page_heading=True classes="govuk-input--width-20" %}
    {{ form }}                                           every field, through the renderer
    {% govuk_button "Save" %}  {% govuk_button "Start" href=url variant="start" %}
    {% govuk_back_link url %}
    {% govuk_notification_banner "Saved" type="success" %}
    {% govuk_summary_list rows %}     rows: [{"key", "value", "href" or "post", "action", "hidden"}]
    {% govuk_table head rows caption="..." numeric=[2] %}
    {% govuk_tag "Overdue" "red" %}
    {% govuk_task_list items %}       items: [{"title", "href", "hint", "status", "colour"}]
    {% govuk_inset_text text id="x" %}  {% govuk_warning_text text id="x" %}
    {% govuk_details summary text %}
    {% govuk_panel title body %}  {% govuk_pagination page_obj %}  {% govuk_pagination 3 more=m %}
    {% govuk_summary_cards cards %}   cards: [{"id", "title", "actions", "text", "note", "tag"}]
    {% govuk_button_group buttons links %}  buttons: [{"text", "href", "variant"}]
    {% govuk_button_group %}{% govuk_button "Continue" %}...{% endgovuk_button_group %}
    {% govuk_list items id="timeline" %}  items: [{"lead", "text", "href", "link"}]
    {% govuk_phase_banner "Beta" %}
    {% govuk_nav_item "Sign out" url post=True %}       in {% block header_navigation %}
    {% rpd_navigation %}                                 the layout's, for a signed-in person
    {% govuk_fieldset "Legend" size="m" id="x" hint="..." %}...{% endgovuk_fieldset %}
    {% capture as name %}...{% endcapture %}             HTML to pass to a component

Text arguments are escaped unless marked safe (``mark_safe``, ``|safe`` or ``capture``),
so a page passes HTML on purpose only. docs/frontend.md is the contract.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms, template
from django.http import QueryDict
from django.template.base import token_kwargs
from django.template.defaultfilters import linebreaksbr
from django.template.loader import render_to_string
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe

from rpd import frontend

register = template.Library()


def _html(template: str, *args) -> SafeString:
    """Django's format_html for the components drawn in Python: each argument escaped
    unless already safe, the same way. Without its wrappers for lazy strings, which cost a
    page of fifty records more than building its HTML (bench/pages.py)."""
    return SafeString(template.format(*map(frontend.escaped, args)))


def _html_join(separator: str, template: str, args: Iterable) -> SafeString:
    return SafeString(frontend.escaped(separator).join(_html(template, *each) for each in args))


SERVICE_NAME = "Resolving professional differences"


@register.simple_tag
def govuk_field(bound_field, **options):
    """One form field in GOV.UK markup: label_size (s, m, l, xl), page_heading,
    classes (widths such as govuk-input--width-10; "inline"/"small" for radios),
    hint (replaces the field's help_text)."""
    return mark_safe(frontend.field_group(frontend.field_context(bound_field, **options)))


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


_START_ICON = mark_safe(
    '\n  <svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" '
    'height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false">\n'
    '    <path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z"/>\n  </svg>'
)


@register.simple_tag
def govuk_button(
    text,
    href=None,
    variant="",
    type="submit",
    name=None,
    value=None,
    classes="",
    id=None,
    form=None,
):
    """variant: "", "secondary", "warning" or "start" (start buttons are links); `form`
    submits another form on the page; `text` may be HTML made safe (a visually hidden
    end to its name, from capture). Drawn in Python, as govuk_table: a case page has a
    row of them."""
    if variant not in ("", "secondary", "warning", "start"):
        raise template.TemplateSyntaxError(f"govuk_button: unknown variant {variant!r}")
    kind = (f" govuk-button--{variant}" if variant else "") + (f" {classes}" if classes else "")
    if href:
        return _html(
            '<a href="{}" role="button" draggable="false" class="govuk-button{}" '
            'data-module="govuk-button">\n  {}{}\n</a>',
            href,
            kind,
            text,
            _START_ICON if variant == "start" else "",
        )
    return _html(
        '<button type="{}"{}{}{}{} class="govuk-button{}" data-module="govuk-button" '
        'data-prevent-double-click="true">\n  {}\n</button>',
        type,
        _html(' id="{}"', id) if id else "",
        _html(' form="{}"', form) if form else "",
        _html(' name="{}"', name) if name else "",
        _html(' value="{}"', value) if value is not None else "",
        kind,
        text,
    )


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
    Administration (for a partnership's administrators), Your account, and Sign out as a
    POST button.
    The item the page belongs to is marked current."""
    from django.urls import reverse

    from rpd.disagreements.access import oversees
    from rpd.disagreements.transitions import raise_refusal

    user = context.get("user")
    if user is None or not user.is_authenticated:
        return {"items": []}
    request = context.get("request")
    path = request.path if request is not None else ""
    links = [("My work", reverse("home"), path == reverse("home"))]
    if raise_refusal(user) is None:  # offered only to those raising would not refuse
        raise_url = reverse("disagreements:raise")
        links.append(("Raise a disagreement", raise_url, path.startswith(raise_url)))
    if oversees(user):
        oversight_url = reverse("disagreements:oversight")
        links.append(("Oversight", oversight_url, path.startswith(oversight_url)))
    if user.is_active and user.administered_partnership_ids:  # read with the user: no query
        admin_url = reverse("administration:choose")
        links.append(("Administration", admin_url, path.startswith(admin_url)))
    if user.is_active and user.governed_partnership_ids:  # read with the user: no query
        governance_url = reverse("dataprotection:search")
        links.append(("Information governance", governance_url, path.startswith(governance_url)))
    # Where a person changes their own address, password and second factor.
    account_url = reverse("your-account")
    account_pages = (account_url, reverse("account_email"), reverse("account_change_password"))
    links.append(("Your account", account_url, path.startswith(account_pages) or "/2fa/" in path))
    return {
        "items": [{"text": t, "href": h, "current": c} for t, h, c in links],
        "sign_out": reverse("account_logout"),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("components/back_link.html")
def govuk_back_link(href, text="Back"):
    return {"href": href, "text": text}


@register.inclusion_tag("components/messages.html")
def govuk_messages(messages):
    """Django's messages as GOV.UK asks, one banner of each kind: a success banner for what
    was just done, an important one for anything else. Two messages of one kind (an
    authenticator app activated and its recovery codes made) are one banner, the first
    its heading."""
    said: dict[str, list[str]] = {"success": [], "important": []}
    for message in messages or ():
        said["success" if message.level_tag == "success" else "important"].append(str(message))
    return {
        "banners": [
            govuk_notification_banner(
                texts[0], " ".join(texts[1:]), type=kind, id=f"{kind}-message"
            )
            for kind, texts in said.items()
            if texts
        ]
    }


@register.inclusion_tag("components/notification_banner.html")
def govuk_notification_banner(
    heading, text="", type="important", title=None, href="", link="", id=""
):
    """type "success" (role=alert, after an action) or "important"; with `href`, a link
    (`link`, its words) to do what the banner asks."""
    if type not in ("success", "important"):
        raise template.TemplateSyntaxError(f"govuk_notification_banner: unknown type {type!r}")
    return {
        "heading": heading,
        "text": text,
        "success": type == "success",
        "title": title or ("Success" if type == "success" else "Important"),
        "href": href,
        "link": link,
        "id": id,
    }


@register.simple_tag(takes_context=True)
def govuk_summary_list(context, rows, no_border=False, id=""):
    """rows: dicts with key, value and optionally href, action ("Change") and hidden
    (the visually hidden end of the action's name, e.g. "date of birth"). A row with
    post instead of href has a button (action, "Remove") in a small POST form with the
    CSRF token and fields ({name: value}) as hidden inputs; its hidden is kept as given,
    since it names people. A row's id (and the list's) is for a link to it. Values keep
    their line breaks. Drawn in Python, as
    govuk_table: a case page has several."""
    out = []
    for row in rows:
        key, href = row.get("key", ""), row.get("href")
        action = ""
        if href:
            action = _html(
                '<dd class="govuk-summary-list__actions"><a class="govuk-link" href="{}">{}'
                '<span class="govuk-visually-hidden"> {}</span></a></dd>',
                href,
                row.get("action") or "Change",
                frontend.in_sentence(str(row.get("hidden") or key)),
            )
        elif row.get("post"):
            action = _html(
                '<dd class="govuk-summary-list__actions">{}</dd>',
                _post_form(context, row["post"], row.get("action") or "Remove", row),
            )
        out.append(
            _html(
                '<div class="govuk-summary-list__row{}"{}><dt class="govuk-summary-list__key">{}'
                '</dt><dd class="govuk-summary-list__value">{}</dd>{}</div>',
                "" if action else " govuk-summary-list__row--no-actions",
                _html(' id="{}"', row["id"]) if row.get("id") else "",
                key,
                linebreaksbr(row.get("value", "")),
                action,
            )
        )
    return _html(
        '<dl class="govuk-summary-list{}"{}>{}</dl>',
        " govuk-summary-list--no-border" if no_border else "",
        _html(' id="{}"', id) if id else "",
        SafeString("".join(out)),
    )


@register.simple_tag(takes_context=True)
def govuk_table(
    context,
    head,
    rows,
    caption="",
    caption_size="m",
    numeric=(),
    first_cell_is_header=False,
    id="",
    label="",
    stacked=False,
):
    """head: column names; rows: lists of cells; numeric: indexes of number columns.

    A cell is text (escaped unless marked safe) or a dict: {"text", "href", "hidden"} a
    link (with a visually hidden end to its name), {"text", "tag"} a tag of that colour,
    {"text", "strong": True} bold text, {"text", "hint"} text with a smaller grey line
    under it, {"post", "text", "hidden", "fields"} a button in its own POST form (as a
    summary list's row); or a list of these, side by side (a name's link, then a tag).
    `label` names the table's scrolling region where it has no caption (a heading above
    says what it is). Drawn in Python, not a template, because a list page has hundreds
    of cells and a template pays for every one of them. A wide table scrolls inside its
    own region (keyboard-focusable), not the page: WCAG 1.4.10. `stacked`: on a small
    screen each row is a block and each cell says its column's name (a list of cases,
    whose next step and date would otherwise be off the screen's edge).
    """
    numeric = set(numeric)
    header = _html_join(
        "",
        '<th scope="col" class="govuk-table__header{}">{}</th>',
        (
            (" govuk-table__header--numeric" if i in numeric else "", c)
            for i, c in enumerate(head or ())
        ),
    )
    # Each cell's column name as plain text (a heading drawn as HTML is marked safe, which
    # inside an attribute would end it); none over a column named for screen readers only.
    labels = (
        [
            ""
            if isinstance(c, HiddenText)
            else _html(' data-label="{}"', strip_tags(c) if isinstance(c, SafeString) else c)
            for c in head or ()
        ]
        if stacked
        else []
    )
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            if i == 0 and first_cell_is_header:
                cells.append(
                    _html(
                        '<th scope="row" class="govuk-table__header">{}</th>', _cell(context, cell)
                    )
                )
            else:
                numeric_class = " govuk-table__cell--numeric" if i in numeric else ""
                cells.append(
                    _html(
                        '<td class="govuk-table__cell{}"{}>{}</td>',
                        numeric_class,
                        labels[i] if i < len(labels) else "",
                        _cell(context, cell),
                    )
                )
        body.append(_html('<tr class="govuk-table__row">{}</tr>', mark_safe("".join(cells))))
    return _html(
        '<div class="rpd-table-scroll" role="region" aria-label="{}" tabindex="0">'
        '<table class="govuk-table{}"{}>{}{}'
        '<tbody class="govuk-table__body">{}</tbody></table></div>',
        caption or label or "Table",
        " rpd-table--stacked" if stacked else "",
        _html(' id="{}"', id) if id else "",
        _html(
            '<caption class="govuk-table__caption govuk-table__caption--{}">{}</caption>',
            caption_size,
            caption,
        )
        if caption
        else "",
        _html(
            '<thead class="govuk-table__head"><tr class="govuk-table__row">{}</tr></thead>', header
        )
        if head
        else "",
        mark_safe("".join(body)),
    )


def _post_form(context, url, text, options):
    """A secondary button in its own POST form (Remove, on a row of a list): options
    hidden (the visually hidden end of its name, after a space) and fields."""
    token = context.get("csrf_token") if context is not None else None
    inputs = [("csrfmiddlewaretoken", token)] if token and str(token) != "NOTPROVIDED" else []
    inputs += list((options.get("fields") or {}).items())
    hidden = options.get("hidden")
    name = (
        _html('{}<span class="govuk-visually-hidden"> {}</span>', text, hidden) if hidden else text
    )
    return _html(
        '<form method="post" action="{}" novalidate>{}{}</form>',
        url,
        _html_join("", '<input type="hidden" name="{}" value="{}">', inputs),
        govuk_button(name, variant="secondary", classes="govuk-!-margin-bottom-0"),
    )


def _cell(context, cell):
    if isinstance(cell, list | tuple):
        return SafeString(" ".join(frontend.escaped(_cell(context, part)) for part in cell))
    if not isinstance(cell, dict):
        return cell
    if cell.get("post"):
        return _post_form(context, cell["post"], cell["text"], cell)
    if cell.get("hint"):
        return _html(
            '{}<br><span class="govuk-hint govuk-!-font-size-16">{}</span>',
            cell["text"],
            cell["hint"],
        )
    if cell.get("href"):
        return _link(cell["text"], cell["href"], cell.get("hidden", ""))
    if cell.get("tag") is not None:
        return _tag(cell["text"], cell["tag"])
    if cell.get("strong"):
        return _html("<strong>{}</strong>", cell["text"])
    return cell.get("text", "")


class HiddenText(SafeString):
    """Text drawn for screen readers only (`visually_hidden`)."""


def visually_hidden(text) -> SafeString:
    """Text for screen readers only: a table's heading over a column of buttons (a stacked
    table shows no name above such a column's cells)."""
    return HiddenText(_html('<span class="govuk-visually-hidden">{}</span>', text))


def _link(text, href, hidden=""):
    if hidden:
        return _html(
            '<a class="govuk-link" href="{}">{}<span class="govuk-visually-hidden">{}</span></a>',
            href,
            text,
            hidden,
        )
    return _html('<a class="govuk-link" href="{}">{}</a>', href, text)


def _tag(text, colour=""):
    if colour not in TAG_COLOURS:
        raise template.TemplateSyntaxError(f"govuk_tag: unknown colour {colour!r}")
    colour_class = f" govuk-tag--{colour}" if colour else ""
    return _html('<strong class="govuk-tag{}">{}</strong>', colour_class, text)


@register.simple_tag
def govuk_summary_cards(cards, heading_level=3):
    """Summary cards, one per item (a record of a discussion): dicts with id, title,
    href (the title a link), actions ([{"text", "href", "hidden"}]), text (paragraphs
    kept), rows (a summary list's, without actions), note, and tag and tag_colour after
    the note. Drawn in Python, for the same reason as govuk_table."""
    out = []
    for card in cards:
        actions = _html_join(
            "",
            '<li class="govuk-summary-card__action">{}</li>',
            ((_link(a["text"], a["href"], a.get("hidden", "")),) for a in card.get("actions", ())),
        )
        note = card.get("note", "")
        if card.get("tag"):
            note = _html("{} {}", note, _tag(card["tag"], card.get("tag_colour", "")))
        out.append(
            _html(
                '<div class="govuk-summary-card"{}><div class="govuk-summary-card__title-wrapper">'
                '<h{} class="govuk-summary-card__title">{}</h{}>{}</div>'
                '<div class="govuk-summary-card__content">{}{}{}</div></div>',
                _html(' id="{}"', card["id"]) if card.get("id") else "",
                heading_level,
                _link(card["title"], card["href"]) if card.get("href") else card["title"],
                heading_level,
                _html('<ul class="govuk-summary-card__actions">{}</ul>', actions)
                if actions
                else "",
                _html('<p class="govuk-body">{}</p>', linebreaksbr(card["text"]))
                if card.get("text")
                else "",
                govuk_summary_list(None, card["rows"]) if card.get("rows") else "",
                _html('<p class="govuk-body-s">{}</p>', note) if note else "",
            )
        )
    return mark_safe("".join(out))


@register.simple_tag
def govuk_list(items, id="", ordered=False, numbered=False):
    """A list of entries (a case's timeline): dicts with lead (in bold, then a colon),
    text, and href and link (a link after the text). Drawn in Python, as govuk_table."""
    entries = []
    for item in items:
        lead = _html("<strong>{}</strong>: ", item["lead"]) if item.get("lead") else ""
        # A link after the text, as a sentence of its own.
        text = str(item.get("text", ""))
        stop = " " if text.rstrip().endswith((".", "!", "?")) else ". "
        link = (
            _html('{}<a class="govuk-link" href="{}">{}</a>', stop, item["href"], item["link"])
            if item.get("href")
            else ""
        )
        entries.append(_html("<li>{}{}{}</li>", lead, item.get("text", ""), link))
    tag = "ol" if ordered or numbered else "ul"
    return _html(
        '<{} class="govuk-list{}"{}>{}</{}>',
        tag,
        " govuk-list--number" if numbered else "",
        _html(' id="{}"', id) if id else "",
        mark_safe("".join(entries)),
        tag,
    )


def button_group(buttons, links=()):
    """Buttons side by side: dicts with text, and href (a link button) or not (a submit
    button), variant; then links ([{"text", "href"}], such as Cancel)."""
    drawn = [
        govuk_button(b["text"], href=b.get("href"), variant=b.get("variant") or "") for b in buttons
    ]
    drawn += [_html('<a class="govuk-link" href="{}">{}</a>', k["href"], k["text"]) for k in links]
    return _grouped(SafeString("\n  ".join(drawn)))


def _grouped(content) -> SafeString:
    return _html('<div class="govuk-button-group">\n  {}\n</div>', content)


class ButtonGroupNode(template.Node):
    def __init__(self, nodelist=None, arguments=()):
        self.nodelist, self.arguments = nodelist, arguments

    def render(self, context):
        if self.nodelist is None:
            return button_group(*(a.resolve(context) for a in self.arguments))
        return _grouped(mark_safe(self.nodelist.render(context).strip()))


@register.tag
def govuk_button_group(parser, token):
    """``{% govuk_button_group buttons links %}`` from lists, or, with no arguments,
    ``{% govuk_button_group %}{% govuk_button ... %}<a ...>Cancel</a>
    {% endgovuk_button_group %}`` around buttons a page draws itself (with a name, a
    value, or a form to submit, or only some of the time)."""
    bits = token.split_contents()
    if len(bits) > 3:
        raise template.TemplateSyntaxError("usage: {% govuk_button_group buttons links %}")
    if len(bits) > 1:
        return ButtonGroupNode(arguments=[parser.compile_filter(b) for b in bits[1:]])
    nodelist = parser.parse(("endgovuk_button_group",))
    parser.delete_first_token()
    return ButtonGroupNode(nodelist)


TAG_COLOURS = {"", "grey", "green", "turquoise", "blue", "light-blue", "purple", "pink",
               "red", "orange", "yellow"}  # fmt: skip


@register.simple_tag
def govuk_tag(text, colour=""):
    return _tag(text, colour)


@register.inclusion_tag("components/task_list.html")
def govuk_task_list(items, id_prefix="task-list"):
    """items: dicts with title, href (optional), hint, status and colour (a tag colour;
    no colour means plain status text, as for "Completed")."""
    return {"items": items, "id_prefix": id_prefix}


@register.inclusion_tag("components/inset_text.html")
def govuk_inset_text(text, id=""):
    return {"text": text, "id": id}


@register.inclusion_tag("components/warning_text.html")
def govuk_warning_text(text, icon_fallback="Warning", id=""):
    return {"text": text, "icon_fallback": icon_fallback, "id": id}


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
def govuk_pagination(context, page_obj, param="page", more=False):
    """Previous and next links and the page numbers around this one, keeping the
    request's other query parameters. `page_obj` is a Django Page, or a page's number
    with `more` saying whether another follows: a list that does not count its rows
    (thousands of them) links only to the pages either side."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)

    def href(number):
        query[param] = number
        return "?" + query.urlencode()

    if isinstance(page_obj, int):
        return {
            "pages": [],
            "previous": href(page_obj - 1) if page_obj > 1 else None,
            "next": href(page_obj + 1) if more else None,
        }
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


class FieldsetNode(template.Node):
    def __init__(self, nodelist, legend, options):
        self.nodelist, self.legend, self.options = nodelist, legend, options

    def render(self, context):
        options = {name: value.resolve(context) for name, value in self.options.items()}
        unknown = set(options) - FIELDSET_OPTIONS
        if unknown:
            raise template.TemplateSyntaxError(f"govuk_fieldset: unknown {sorted(unknown)}")
        return render_to_string(
            "components/fieldset.html",
            {
                "legend": self.legend.resolve(context),
                "content": mark_safe(self.nodelist.render(context).strip()),
                **options,
            },
        )


FIELDSET_OPTIONS = {"size", "id", "hint", "classes"}


@register.tag
def govuk_fieldset(parser, token):
    """``{% govuk_fieldset "Agreed actions" size="m" id="actions" hint="..." %}fields
    {% endgovuk_fieldset %}``: questions that belong together under one legend (a GOV.UK
    fieldset), the hint named by the fieldset's aria-describedby. One field's own radios,
    checkboxes or date come from the form renderer instead."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(
            'usage: {% govuk_fieldset "Legend" size="m" %}...{% endgovuk_fieldset %}'
        )
    legend = parser.compile_filter(bits[1])
    options = token_kwargs(bits[2:], parser)
    if len(options) != len(bits) - 2:
        raise template.TemplateSyntaxError("govuk_fieldset: options are name=value")
    nodelist = parser.parse(("endgovuk_fieldset",))
    parser.delete_first_token()
    return FieldsetNode(nodelist, legend, options)


@register.simple_tag
def service_name():
    return SERVICE_NAME
