from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse
from django.utils import translation

from .selectors import user_home_url_name


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # The language the person signed up in is the one they read: keep it for e-mails too.
        user.preferred_language = translation.get_language() or ""
        return super().save_user(request, user, form, commit=commit)

    def get_login_redirect_url(self, request):
        return reverse(user_home_url_name(user=request.user))
