"""Sign-in backend: allauth's email sign-in, loading the user with what every page needs."""

from allauth.account.auth_backends import AuthenticationBackend

from .models import User


class UserBackend(AuthenticationBackend):
    def get_user(self, user_id):
        # Agency and roles come with the user: need-to-know checks read both on every
        # request, and this keeps them out of each page's query count.
        user = (
            User.objects.select_related("agency")
            .prefetch_related("role_grants", "agency__memberships")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
