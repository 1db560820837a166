"""What every administration page shares: the partnership it is about (or "Page not
found"), question pages, check your answers, and showing an operation's refusals."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from rpd.disagreements.presenters import answer_in_words
from rpd.disagreements.views.common import administered_or_404, with_errors

from ..forms import AgencyQuestionForm
from ..operations import Invalid, NotAdministrator


def administration(view):
    """A page of one partnership's administration: signed in, GET or POST, and only for
    that partnership's administrators; anyone else is told the page does not exist."""

    @login_required
    @require_http_methods(["GET", "POST"])
    @wraps(view)
    def page(request, slug, *args, **kwargs):
        partnership = administered_or_404(request, slug)
        try:
            return view(request, partnership, *args, **kwargs)
        except NotAdministrator:
            raise Http404("Page not found") from None

    return page


def refusals(refused: Invalid) -> list[dict]:
    """An operation's refusal for a page's error summary, where no field shows it."""
    return [{"text": m, "href": "#main-content"} for ms in refused.errors.values() for m in ms]


def url(name: str, partnership, *args) -> str:
    return reverse(f"administration:{name}", args=[partnership.slug, *args])


def one_of(queryset, pk):
    """The row `pk` of `queryset` (already scoped to the partnership), or "not found"."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise Http404("Page not found")
    return found


def display(form: forms.Form, name: str) -> str:
    """A valid form's answer to `name` as a person reads it: as the raise journey's Check
    your answers says it (presenters.answer_in_words), dates and yes or no included."""
    return answer_in_words(form.fields[name], form.cleaned_data.get(name), form.data.get(name))


def answers_of(post, form: forms.Form) -> dict:
    """What was typed into `form`'s fields, lists for multiple choices."""
    data = {}
    for name, field in form.fields.items():
        widget = field.widget
        if getattr(widget, "allow_multiple_selected", False):
            data[name] = post.getlist(name)
        elif hasattr(widget, "parts"):  # the three date boxes
            for part in ("day", "month", "year"):
                data[f"{name}_{part}"] = post.get(f"{name}_{part}", "")
        else:
            data[name] = post.get(name, "")
    return data


def confirmed_removal(
    request,
    partnership,
    *,
    title: str,
    back: str,
    remove: Callable[[], object],
    done: str,
    consequence: str = "",
    fields: dict | None = None,
):
    """A removal asks first: the list's Remove (or a link) shows "Are you sure", whose
    "Yes, remove it" sends `confirmed` with the same fields; only then is it removed."""
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        remove()
        messages.success(request, done)
        return redirect(back)
    return render(
        request,
        "administration/remove.html",
        {
            "partnership": partnership,
            "title": title,
            "back": back,
            "consequence": consequence,
            "fields": fields or {},
        },
    )


def form_page(request, partnership, form, *, title, back, caption="", status=200, **extra):
    """A question page (one field, its label the heading) or a form of a few fields."""
    fields = list(form.fields)
    return render(
        request,
        "administration/form.html",
        {
            "partnership": partnership,
            "form": form,
            "title": title,
            "caption": caption or partnership.name,
            "back": back,
            "question": form[fields[0]] if len(fields) == 1 else None,
            **extra,
        },
        status=status,
    )


def question(
    request,
    partnership,
    *,
    make_form: Callable[..., forms.Form],
    change: Callable[[dict], object],
    title: str,
    back: str,
    done: str,
    caption: str = "",
    **extra,
):
    """Change something by answering its question: the operation decides, the page shows
    its refusal on the field it names."""
    if request.method == "POST":
        blank = make_form(None)
        data = answers_of(request.POST, blank)
        try:
            change(data)
        except Invalid as refused:
            form = with_errors(make_form(data), refused.errors)
            return form_page(
                request,
                partnership,
                form,
                title=title,
                back=back,
                caption=caption,
                status=400,
                **extra,
            )
        messages.success(request, done)
        return redirect(back)
    return form_page(
        request, partnership, make_form(None), title=title, back=back, caption=caption, **extra
    )


def adding(
    request,
    partnership,
    *,
    key: str,
    make_form: Callable[..., forms.Form],
    title: str,
    back: str,
    check_url: str,
):
    """The first page of adding something: the form, kept in the session for the check
    your answers page that follows."""
    session_key = f"administration:{partnership.slug}:{key}"
    if request.method == "POST":
        blank = make_form(None)
        data = answers_of(request.POST, blank)
        form = make_form(data)
        if form.is_valid():
            request.session[session_key] = data
            return redirect(check_url)
        return form_page(request, partnership, form, title=title, back=back, status=400)
    kept = request.session.get(session_key)
    form = make_form(None, initial=kept) if kept else make_form(None)
    return form_page(request, partnership, form, title=title, back=back)


def checking(
    request,
    partnership,
    *,
    key: str,
    make_form: Callable[..., forms.Form],
    add: Callable[[dict], object],
    title: str,
    form_url: str,
    button: str,
    done: Callable[[object], tuple[str, str]],
):
    """Check your answers, then do it; a refusal goes back to the form, naming the field."""
    session_key = f"administration:{partnership.slug}:{key}"
    data = request.session.get(session_key)
    form = make_form(data) if data else None
    if form is None or not form.is_valid():
        return redirect(form_url)
    if request.method == "POST":
        try:
            made = add(data)
        except Invalid as refused:
            form = with_errors(make_form(data), refused.errors)
            return form_page(request, partnership, form, title=title, back=form_url, status=400)
        del request.session[session_key]
        message, next_url = done(made)
        messages.success(request, message)
        return redirect(next_url)
    rows = [
        {
            "key": form.fields[name].label,
            "value": display(form, name),
            "href": f"{form_url}#{form[name].id_for_label}",
        }
        for name in form.fields
    ]
    return render(
        request,
        "administration/check.html",
        {"partnership": partnership, "rows": rows, "title": title, "button": button},
    )


def agency_first(
    request,
    partnership,
    *,
    agencies,
    label: str,
    title: str,
    back: str,
    kept=None,
    hint="",
    initial=None,
    caption="",
):
    """A form's first question where it lists people: which agency (a GET form: no
    JavaScript needed), so that its pickers list that agency's people and not the
    partnership's thousands. Returns the chosen agency's id, or the question's page
    (again, with an error, for an agency not among `agencies`). `kept`: the agency of
    answers kept for check your answers, whose Change links come back without one;
    `initial`: the agency chosen until another is."""
    given = request.GET.get("agency")
    if not given and (kept or request.method == "POST"):
        return kept
    data = request.GET if given is not None else None
    form = AgencyQuestionForm(
        data, agencies=agencies, label=label, hint=hint, initial={"agency": initial}
    )
    if form.is_bound and form.is_valid():
        return form.cleaned_data["agency"].pk
    return form_page(
        request, partnership, form, title=title, back=back, method="get", caption=caption,
        status=400 if form.is_bound else 200,
    )  # fmt: skip
