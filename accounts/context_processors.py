from django.conf import settings


def portal(request):
    """What the base template needs on every page: the languages, each named in itself. Nothing about
    the user's roles: reading them costs a statement on every page, and no template of the layout uses
    them (the views that need them ask accounts.selectors)."""
    return {"ui_languages": settings.LANGUAGES}
