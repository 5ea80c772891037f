"""Which of their organisations a member of several works for now (employer and representative portals)."""

from django.core.exceptions import PermissionDenied


def organisation_chosen(request, *, organisations, session_key: str):
    """The one chosen in the session (`session_key`), or their first; none at all: PermissionDenied."""
    chosen = request.session.get(session_key)
    organisation = (organisations.filter(public_id=chosen).first() if chosen else None) or organisations.first()
    if organisation is None:
        raise PermissionDenied
    return organisation
