import secrets

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils import translation

from .selectors import user_home_url_name


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # The language the person signed up in is the one they read: keep it for e-mails too.
        user.preferred_language = translation.get_language() or ""
        return super().save_user(request, user, form, commit=commit)

    def send_account_already_exists_mail(self, email: str) -> None:
        """A sign-up with a registered address does the work a new account costs, a password hash,
        so that the answer's timing does not tell which addresses are registered."""
        make_password(secrets.token_urlsafe(16))
        super().send_account_already_exists_mail(email)

    def get_login_redirect_url(self, request):
        return reverse(user_home_url_name(user=request.user))
