"""Pages of the people app: signing in through an organisation's account, the demo
sign-in, an invitation's first sign-in, and the person's own account."""

from allauth.account.decorators import reauthentication_required
from allauth.account.views import EmailView, PasswordChangeView
from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from . import demo_sign_in as demo
from . import invitations, sso
from .forms import InvitationPasswordForm, OrganisationChoiceForm, OrganisationEmailForm
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


def invitation(request, token):
    """An invitation's link: the person chooses their password (or goes on to their
    agency's sign-in), which proves their address and signs them in; their second factor is
    asked for next. The link is spent only by the POST, so a mail scanner that opens it
    spends nothing."""
    found = invitations.find(token)
    if found is None:
        return render(request, "account/invitation.html", {"token_fail": True}, status=404)
    provider = (
        getattr(found.person.agency, "sign_in_provider", None) if found.person.agency else None
    )
    form = (
        None
        if provider
        else InvitationPasswordForm(
            found.person, request.POST if request.method == "POST" else None
        )
    )
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            person = invitations.accept(
                found,
                request,
                password=None if form is None else form.cleaned_data["new_password1"],
            )
        except invitations.CannotInvite:
            return render(request, "account/invitation.html", {"token_fail": True}, status=404)
        if provider is not None:
            return sso.start(request, provider, login_hint=person.email)
        return sign_in_invited(request, person)
    return render(
        request,
        "account/invitation.html",
        {"form": form, "person": found.person, "provider": provider},
        status=400 if form is not None and form.errors else 200,
    )


def sign_in_invited(request, person):
    """Sign in someone who has just proved their address and chosen a password through
    their invitation, as a sign-in with that password would (allauth's stages, its
    signals); the second factor's set-up follows, then My work."""
    from allauth.account.internal.flows.login import perform_login, record_authentication
    from allauth.account.models import Login

    record_authentication(request, person, method="invitation")
    return perform_login(request, Login(user=person, email=person.email, redirect_url="/"))


@login_required
def your_account(request):
    """The person's own account: their address, password and second factor, each with the
    allauth page that changes it."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.utils import is_mfa_enabled
    from django.urls import reverse

    user = request.user
    pending = EmailAddress.objects.filter(user=user, verified=False).first()
    address = user.email or "None"
    if pending is not None:
        address += f"\nChanging to {pending.email}: follow the link sent to it to confirm it"
    rows = [
        {"key": "Email address", "value": address, "href": reverse("account_email")},
        {
            "key": "Password",
            "value": "Set"
            if user.has_usable_password()
            else "Not set: you sign in through your organisation",
            **({"href": reverse("account_change_password")} if user.has_usable_password() else {}),
        },
        {
            "key": "Second factor",
            "value": "Authenticator app, recovery codes" if is_mfa_enabled(user) else "Not set up",
            "href": reverse("mfa_index"),
        },
    ]
    return render(request, "account/your_account.html", {"rows": rows})


# Any change on these pages asks for the second factor again first (docs/adr/010): the
# POST is kept, and carried out once the person has confirmed it is them.
_reauthenticated = method_decorator(
    reauthentication_required(app="allauth.account", allow_get=True), name="dispatch"
)


@_reauthenticated
class ChangePasswordView(PasswordChangeView):
    """allauth's password page, which asks only for the current password."""


change_password = ChangePasswordView.as_view()


@_reauthenticated
class ChangeAddressView(EmailView):
    """allauth's address page, where an address becomes the person's only once it is
    verified: asking to make an unverified one primary is refused, whatever allauth's own
    rule allows for an account with no verified address yet. Checking a new address (is it
    someone else's?) comes after the second factor, not before."""

    def _action_primary(self, request, *args, **kwargs):
        address = self._get_email_address(request)
        if address is not None and not address.verified:
            messages.error(request, "Confirm the new address first: follow the link sent to it")
            return redirect("account_email")
        return super()._action_primary(request, *args, **kwargs)


change_address = ChangeAddressView.as_view()
