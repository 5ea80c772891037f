import time
from urllib.parse import urlencode

from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import Membership, Role
from .selectors import user_is_staff_member
from .services import LANGUAGE_SESSION_KEY

# Paths where staff see other people's data and therefore must have a second factor.
STAFF_AREAS = ("/backoffice/", "/admin/")
STAFF_AREA_EXEMPT = ("/admin/logout/",)
SECOND_FACTORS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# Employer owners create API tokens and webhook secrets and manage colleagues here.
EMPLOYER_AREA = "/employer/"
# Every member of a representative reads their clients' cases here (passports, decisions): like
# staff, they need a second factor (Art. 32 GDPR, security of processing).
REPRESENTATIVE_AREA = "/representative/"


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
    """Staff may not reach /backoffice/ or /admin/, and employer owners not /employer/, unless this very
    session passed a second factor. Without an authenticator app or security key they are sent to set
    one up; with one, a session that signed in with the password alone (or got its role after signing
    in) is asked for it. Having an authenticator is not enough: the session must have used it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The path first: elsewhere (the applicant's status poll above all) the user is not loaded here.
        if (not request.path.startswith((*STAFF_AREAS, EMPLOYER_AREA, REPRESENTATIVE_AREA))
                or not request.user.is_authenticated
                or not self._second_factor_required(request)):
            return self.get_response(request)
        if _has_second_factor(request.user):
            if session_passed_second_factor(request):
                return self.get_response(request)
            messages.info(request, _("Please confirm it is you with your authenticator app or security key."))
            return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}")
        if request.path.startswith(EMPLOYER_AREA):
            text = _("Owners of an organisation need two-factor authentication. Please set up an "
                     "authenticator app.")
        elif request.path.startswith(REPRESENTATIVE_AREA):
            text = _("Representatives need two-factor authentication. Please set up an authenticator app.")
        else:
            text = _("Staff accounts need two-factor authentication. Please set up an authenticator app.")
        messages.warning(request, text)
        return redirect("mfa_activate_totp")

    @staticmethod
    def _second_factor_required(request) -> bool:
        path = request.path
        if (settings.WSA_STAFF_MFA_REQUIRED and path.startswith(STAFF_AREAS)
                and not path.startswith(STAFF_AREA_EXEMPT)):
            return _is_staff(request)
        if getattr(settings, "WSA_EMPLOYER_OWNER_MFA_REQUIRED", True) and path.startswith(EMPLOYER_AREA):
            return Membership.objects.filter(user=request.user, role=Role.EMPLOYER_OWNER).exists()
        if getattr(settings, "WSA_REPRESENTATIVE_MFA_REQUIRED", True) and path.startswith(REPRESENTATIVE_AREA):
            return Membership.objects.filter(user=request.user, role__in=Role.representative_roles()).exists()
        return False


def session_passed_second_factor(request) -> bool:
    """Whether this session's user confirmed a second factor in this session: at sign-in, on re-checking
    it, or by activating an authenticator with a code (allauth's authentication records, which are
    bound to the user and end with the session)."""
    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


def _is_staff(request) -> bool:
    """user_is_staff_member, computed once per request (StaffIdleTimeoutMiddleware may have done it)."""
    staff = getattr(request, "wsa_is_staff", None)
    if staff is None:
        staff = request.wsa_is_staff = user_is_staff_member(user=request.user)
    return staff


def _has_second_factor(user) -> bool:
    """An authenticator app or a security key (recovery codes only back these up)."""
    return Authenticator.objects.filter(user=user, type__in=SECOND_FACTORS).exists()


# Session keys of the idle timeout: {"u": user pk, "s": is staff} and the last activity (unix time).
STAFF_FLAG_SESSION_KEY = "wsa_staff_session"
LAST_ACTIVITY_SESSION_KEY = "wsa_last_activity"
# The last activity is written at most once a minute, so that a busy staff session does not save on every request.
ACTIVITY_WRITE_INTERVAL = 60


def session_mark_on_login(request, user) -> None:
    """At login (user_logged_in): whether this is a staff session, and its first activity, so that the
    requests that follow need no extra query or session write for the idle timeout."""
    if request is None or not hasattr(request, "session"):
        return
    staff = user_is_staff_member(user=user)
    request.session[STAFF_FLAG_SESSION_KEY] = {"u": user.pk, "s": staff}
    if staff:
        request.session[LAST_ACTIVITY_SESSION_KEY] = int(time.time())


class StaffIdleTimeoutMiddleware:
    """Ends a staff session after WSA_STAFF_IDLE_TIMEOUT seconds without a request.

    Whether a session is a staff session is decided at login (signals.session_mark_on_login; again on a
    staff page while the flag says "not staff"), so that no request pays an extra query for it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timeout = int(getattr(settings, "WSA_STAFF_IDLE_TIMEOUT", 0) or 0)
        if timeout > 0 and self._is_staff_session(request):
            now = time.time()
            last = request.session.get(LAST_ACTIVITY_SESSION_KEY)
            if isinstance(last, int | float) and now - last > timeout:
                return self._expired(request)
            if not isinstance(last, int | float) or now - last >= ACTIVITY_WRITE_INTERVAL:
                request.session[LAST_ACTIVITY_SESSION_KEY] = int(now)
        return self.get_response(request)

    @staticmethod
    def _is_staff_session(request) -> bool:
        # The flag is compared with the session's user id, so that a non-staff session outside the staff
        # areas costs no user lookup (the applicant's status poll answers from the cache alone).
        session_user = request.session.get(SESSION_KEY)
        if session_user is None:
            return False
        flag = request.session.get(STAFF_FLAG_SESSION_KEY)
        if isinstance(flag, dict) and str(flag.get("u")) == str(session_user):
            if not flag.get("s") and not request.path.startswith(STAFF_AREAS):
                return False
        if not request.user.is_authenticated:
            return False
        if isinstance(flag, dict) and flag.get("u") == request.user.pk:
            if flag.get("s"):
                request.wsa_is_staff = True  # a staff view checks the role itself again
                return True
            if not request.path.startswith(STAFF_AREAS):
                return False
        # No flag yet, another user, or a non-staff session on a staff page (a role given since the login).
        staff = _is_staff(request)
        request.session[STAFF_FLAG_SESSION_KEY] = {"u": request.user.pk, "s": staff}
        return staff

    @staticmethod
    def _expired(request):
        path = request.get_full_path()
        logout(request)
        minutes = max(1, settings.WSA_STAFF_IDLE_TIMEOUT // 60)
        messages.info(request, ngettext(
            "You were signed out after %(minutes)d minute without activity. Please sign in again.",
            "You were signed out after %(minutes)d minutes without activity. Please sign in again.",
            minutes) % {"minutes": minutes})
        response = redirect_to_login(path)
        if getattr(request, "htmx", False):
            # htmx would swap the login page into a fragment: send the whole page there instead.
            hx = HttpResponse(status=204)
            hx["HX-Redirect"] = response["Location"]
            return hx
        return response
