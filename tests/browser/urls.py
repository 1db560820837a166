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
