"""Project-wide middleware: responses that must never be kept by a browser or a proxy."""

from __future__ import annotations


class NoStoreForSignedIn:
    """`Cache-Control: no-store` on every response to a signed-in person.

    Case pages, My work, oversight and administration show personal data: after sign-out
    on a shared workstation, the back button must not show them from the browser's cache,
    nor may any proxy keep a copy. A default for every view, so a new page cannot forget
    it. A response to someone not signed in keeps whatever the view said about caching
    (a calendar feed's own header) and otherwise gets no-store too: a preferences page
    opened from an email shows a name and an address.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response
