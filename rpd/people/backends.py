"""Sign-in backend: loads the signed-in user with what every page needs."""

from django.contrib.auth.backends import ModelBackend

from .models import User


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        # Agency and roles come with the user: need-to-know checks read both on every
        # request, and this keeps them out of each page's query count.
        user = (
            User.objects.select_related("agency")
            .prefetch_related("role_grants")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
