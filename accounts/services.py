from django.conf import settings
from django.db import transaction
from django.utils import translation

from .models import Membership, Organisation, Role, User

LANGUAGE_SESSION_KEY = "wsa_language"


def user_set_language(*, request, language: str) -> bool:
    """Keeps the chosen language in the session and, for a signed-in user, on the account."""
    if language not in dict(settings.LANGUAGES):
        return False
    request.session[LANGUAGE_SESSION_KEY] = language
    translation.activate(language)
    if request.user.is_authenticated and request.user.preferred_language != language:
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    return True


@transaction.atomic
def membership_grant(*, user: User, role: str, organisation: Organisation | None = None) -> Membership:
    membership, _ = Membership.objects.get_or_create(user=user, organisation=organisation, role=Role(role))
    return membership
