"""The error pages that need a view of their own; 400, 403, 404 and 500 are Django's
handlers with the templates in rpd/templates."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    # Django's own view renders without the request, so the page would lose its nonce.
    return render(request, "403_csrf.html", status=403)
