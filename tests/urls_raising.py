"""The project's URLs and one view that raises: what a 500 logs (tests/test_logs.py)."""

from django.urls import path

from rpd.urls import urlpatterns as project


def raises(request):
    raise RuntimeError("a planted fault in a view")


urlpatterns = [path("raises/", raises), *project]
