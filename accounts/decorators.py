from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .selectors import user_is_employer, user_is_representative, user_is_staff_member


def _portal_required(allowed):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


staff_required = _portal_required(lambda user: user_is_staff_member(user=user))
employer_required = _portal_required(lambda user: user_is_employer(user=user))
representative_required = _portal_required(lambda user: user_is_representative(user=user))
# Any signed-in person can be an applicant: the portal creates their profile on first use.
applicant_required = _portal_required(lambda user: True)


def require_reauthentication(request) -> None:
    """For sensitive actions (decisions, API tokens, webhook secrets, the data export): unless the user
    re-authenticated within ACCOUNT_REAUTHENTICATION_TIMEOUT, raises allauth's ReauthenticationRequired.
    allauth's middleware then keeps the request, asks for the password (or the second factor) and
    replays the request afterwards. Call it after the permission checks, so that a refusal stays a
    refusal and is never turned into a password prompt."""
    from allauth.account.decorators import reauthentication_required

    reauthentication_required(lambda _request: None)(request)
