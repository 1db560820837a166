"""Pages of the notifications app. Thin: each asks feeds or preferences, never a model."""

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from . import feeds


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
