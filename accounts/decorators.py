from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .selectors import user_is_employer, user_is_staff_member


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
# Any signed-in person can be an applicant: the portal creates their profile on first use.
applicant_required = _portal_required(lambda user: True)
