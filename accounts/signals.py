from allauth.account.signals import user_logged_in
from django.contrib.auth.signals import user_logged_in as django_user_logged_in
from django.dispatch import receiver

from .services import LANGUAGE_SESSION_KEY


@receiver(user_logged_in)
def restore_language_on_login(sender, request, user, **kwargs):
    if user.preferred_language:
        request.session[LANGUAGE_SESSION_KEY] = user.preferred_language


@receiver(django_user_logged_in)
def mark_staff_session_on_login(sender, request, user, **kwargs):
    """Every login (portal, admin, tests' force_login): is this a staff session (idle timeout)?"""
    from .middleware import session_mark_on_login

    session_mark_on_login(request, user)
