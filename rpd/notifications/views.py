"""Pages of the notifications app. Thin: each asks feeds or preferences, never a model."""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from . import feeds, preferences
from .forms import DeliveryForm


@require_GET
def calendar_feed(request, token: str):
    """A person's private iCalendar feed. No sign-in (calendar apps cannot): the token is
    the key, so an unknown one is simply not found."""
    user = feeds.user_for_token(token)
    if user is None:
        raise Http404("No such calendar")
    response = HttpResponse(feeds.feed_for(user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="deadlines.ics"'
    # Deadlines change: no shared cache may keep one person's feed.
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def notice_preferences(request, token: str):
    """Single emails or a daily digest, from the link in any email's footer; or turn off
    the links sent so far."""
    try:
        link = preferences.open_link(token)
        if request.method == "POST" and "revoke" in request.POST:
            preferences.revoke_links(link.user)
            return _refused(request, preferences.REVOKED, "Links turned off", status=200)
        current = preferences.preference_for(link.user)
        if request.method == "POST":
            form = DeliveryForm(request.POST)
            if form.is_valid():
                digest = form.cleaned_data["delivery"] == "digest"
                preferences.set_daily_digest(link.user, digest, link=link)
                return redirect(request.path + "?saved=1")
        else:
            initial = "digest" if current.daily_digest else "single"
            form = DeliveryForm(initial={"delivery": initial})
    except preferences.LinkRefused as refused:
        return _refused(request, str(refused))
    return render(
        request,
        "notifications/preferences.html",
        {
            "person": link.user,
            "form": form,
            "digest": current.daily_digest,
            "saved": request.GET.get("saved") == "1" and not form.is_bound,
        },
        status=400 if form.errors else 200,
    )


def _refused(request, message: str, heading: str = "", status: int = 404):
    context = {"message": message, "heading": heading}
    return render(request, "notifications/link_refused.html", context, status=status)
