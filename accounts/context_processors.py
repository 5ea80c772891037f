from django.conf import settings

from .selectors import user_is_employer, user_is_staff_member


def portal(request):
    """What the base template needs on every page: languages named in themselves and the user's portals."""
    user = request.user
    return {
        "ui_languages": settings.LANGUAGES,
        "is_staff_member": user_is_staff_member(user=user),
        "is_employer": user_is_employer(user=user),
    }
