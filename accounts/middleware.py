from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _

from .selectors import user_is_staff_member
from .services import LANGUAGE_SESSION_KEY

# Paths where staff see other people's data and therefore must have a second factor.
STAFF_AREAS = ("/backoffice/", "/admin/")
STAFF_AREA_EXEMPT = ("/admin/login/", "/admin/logout/")


class UserLanguageMiddleware:
    """Puts a signed-in user's chosen language in front of the browser's, so it follows them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.session.get(LANGUAGE_SESSION_KEY) if hasattr(request, "session") else None
        if language and translation.check_for_language(language):
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
        return self.get_response(request)


class StaffMFARequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.WSA_STAFF_MFA_REQUIRED
            and request.path.startswith(STAFF_AREAS)
            and not request.path.startswith(STAFF_AREA_EXEMPT)
            and request.user.is_authenticated
            and user_is_staff_member(user=request.user)
            and not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists()
        ):
            messages.warning(
                request, _("Staff accounts need two-factor authentication. Please set up an authenticator app.")
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)
