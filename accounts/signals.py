from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import user_logged_in
from allauth.mfa.signals import authenticator_added
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


@receiver(authenticator_added)
def second_factor_passed_on_activation(sender, request, user, authenticator, **kwargs):
    """Activating an authenticator takes a valid code from it: the session has passed the second factor,
    so a staff member who just set one up is not asked for a code again at once."""
    if request is not None and getattr(request, "user", None) == user:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True)
