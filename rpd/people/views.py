"""Pages of the people app: signing in through an organisation's account, and the demo
sign-in."""

from allauth.core import ratelimit
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import demo_sign_in as demo
from . import sso
from .forms import OrganisationChoiceForm, OrganisationEmailForm
from .middleware import DEMO_SESSION_KEY


def organisation_sign_in(request):
    """Sign in with your organisation's account: by work email address (the person's
    agency, or the address's domain, chooses the provider), or by choosing the
    organisation. Either sends the browser to the provider's own sign-in page."""
    providers = list(sso.all_providers())
    chosen = request.POST.get("by") if request.method == "POST" else None
    email_form = OrganisationEmailForm(request.POST if chosen == "email" else None)
    choice_form = OrganisationChoiceForm(
        request.POST if chosen == "organisation" else None, providers=providers
    )
    form = {"email": email_form, "organisation": choice_form}.get(chosen)
    if form is not None:
        # Each try costs a sign-in attempt: the page must not be a way to test addresses
        # in bulk.
        if not ratelimit.consume(request, action="login"):
            form.add_error(None, "Too many attempts: wait a minute, then try again")
        elif form.is_valid():
            hint = form.cleaned_data.get("email", "")
            return sso.start(request, form.provider, login_hint=hint)
    response = render(
        request,
        "account/organisation_sign_in.html",
        {
            "email_form": email_form,
            "choice_form": choice_form,
            "providers": providers,
            "form": form,  # the layout's "Error: " title
            "next": request.GET.get("next") or request.POST.get("next", ""),
        },
        status=400 if form is not None and form.errors else 200,
    )
    # The browser enforces the page's form-action on the redirect its form is answered
    # with: the providers' sign-in pages must be allowed as well as this site.
    response._csp_update = {"form-action": sso.origins(providers)}
    return response


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
