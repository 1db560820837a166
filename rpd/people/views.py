"""Pages of the people app: the demo sign-in."""

from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from . import demo_sign_in as demo
from .middleware import DEMO_SESSION_KEY


@require_POST
def demo_sign_in(request):
    """Sign in as a demo person, without a password or a second factor: demo mode only."""
    if not demo.demo_mode():
        raise Http404("There is no demo here")
    person = demo.demo_person(request.POST.get("person"))
    if person is None:
        raise Http404("No such demo person")
    login(request, person, backend="rpd.people.backends.UserBackend")
    request.session[DEMO_SESSION_KEY] = True
    return redirect("home")
