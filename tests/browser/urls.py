"""The product's URLs plus one that fails, to show the 500 page in a browser."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from rpd.urls import urlpatterns as product


def fail(request):
    raise RuntimeError("a deliberate failure, to show the 500 page")


urlpatterns = [*product, path("test-only/fail/", fail)]


def forbidden(request):
    raise PermissionDenied


def bad_request(request):
    raise SuspiciousOperation("a deliberate bad request")


urlpatterns += [path("test-only/forbidden/", forbidden), path("test-only/bad/", bad_request)]


PICKER = """{% extends "layouts/base.html" %}{% block title %}Picker{% endblock %}
{% block content %}<h1 class="govuk-heading-l">Picker</h1>
<form method="get" novalidate><div class="govuk-form-group">
<label class="govuk-label" for="id_person">Who made the decision?</label>
<select class="govuk-select" id="id_person" name="person" data-rpd-autocomplete>
<option value="">Choose a person</option><option value="unknown">I do not know who</option>
<option value="1">Jon Ashcombe</option><option value="2">Jonah Corrindale</option>
</select></div><button class="govuk-button" type="submit">Continue</button></form>
{% endblock %}"""


def picker(request):
    """A person picker as the raise and record forms draw it (fields.py's widget attrs),
    alone, for what the enhancement does with what is typed."""
    from django.http import HttpResponse
    from django.template import engines

    return HttpResponse(engines["django"].from_string(PICKER).render({}, request))


urlpatterns += [path("test-only/picker/", picker)]
