from allauth.account.signals import user_logged_in
from django.dispatch import receiver

from .services import LANGUAGE_SESSION_KEY


@receiver(user_logged_in)
def restore_language_on_login(sender, request, user, **kwargs):
    if user.preferred_language:
        request.session[LANGUAGE_SESSION_KEY] = user.preferred_language
