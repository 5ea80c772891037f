"""The pages a person sees when something goes wrong: in their language, in the portal's layout, with
what happened, what they can do instead and a way back. Django calls these for 400, 403, 404, 500 and
a failed CSRF check (wsa/urls.py, CSRF_FAILURE_VIEW)."""

import logging

from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger("wsa.errors")


def _page(request, status: int, title: str, explanation: str, advice: str):
    return render(request, "errors/error.html",
                  {"status": status, "title": title, "explanation": explanation, "advice": advice}, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, _("The request could not be understood"),
                 _("Your browser sent something this portal cannot process, for example a character that "
                   "is not allowed in an address or a form field."),
                 _("Please go back, check what you entered and try again."))


def permission_denied(request, exception=None):
    if request.user.is_authenticated:
        advice = _("If you think you should have access, ask the person who manages your organisation or "
                   "office. Your own cases and pages are in your portal.")
    else:
        advice = _("Please sign in: some pages are open only to the people they concern.")
    return _page(request, 403, _("You do not have access to this page"),
                 _("This page belongs to another person, organisation or office, or to a role you do not "
                   "have."), advice)


def page_not_found(request, exception=None):
    return _page(request, 404, _("Page not found"),
                 _("There is no page at this address, or it is not (or no longer) available to you."),
                 _("Check the address, or start again from your portal or the start page."))


def csrf_failure(request, reason=""):
    return _page(request, 403, _("The form has expired"),
                 _("For your protection a form can only be sent from this portal, within the same session "
                   "and with cookies allowed."),
                 _("Please go back, reload the page and send the form again. If you were signed out, "
                   "sign in again first."))


def server_error(request):
    """The full page when the portal can still render it; a plain page of its own when even that fails."""
    try:
        return _page(request, 500, _("Something went wrong on our side"),
                     _("The portal could not complete your request. Nothing you sent before this step has "
                       "been lost."),
                     _("Please try again in a few minutes. If it keeps happening, contact us and give the "
                       "time it happened."))
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        logger.exception("The error page could not be rendered")
        return HttpResponse(loader.get_template("errors/500_plain.html").render(), status=500)
