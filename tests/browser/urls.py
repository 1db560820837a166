"""The product's URLs plus one that fails, to show the 500 page in a browser."""

from django.urls import path

from rpd.urls import urlpatterns as product


def fail(request):
    raise RuntimeError("a deliberate failure, to show the 500 page")


urlpatterns = [*product, path("test-only/fail/", fail)]
