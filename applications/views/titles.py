"""The holder's titles and share codes (/applicant/titles/) and the public share-code check (/check/).

Reads through selectors.titles (a title or code of someone else is a 404), writes through
titles.share_codes. The check page takes guesses: it answers 429 for a while after a few wrong codes
from one address (titles.share_codes.check_failed)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import decorator_from_middleware
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from accounts.decorators import applicant_required
from accounts.security import client_ip
from wsa.http import GET_OR_POST

from ..models import SharePurpose
from ..selectors.titles import (
    holder_photo_data_uri,
    holder_share_code_get,
    holder_title_get,
    holder_title_views,
    share_code_status,
)
from ..titles import share_codes
from ..titles.reminders import title_employer_reminders_set

# The code is shown once, right after it was made: kept in the session until that page reads it.
SHOWN_ONCE_KEY = "wsa_share_code_once"


class ShareCodeForm(forms.Form):
    purpose = forms.ChoiceField(label=gettext_lazy("Who will check your status?"), choices=SharePurpose.choices,
                                widget=forms.RadioSelect)
    days = forms.TypedChoiceField(
        label=gettext_lazy("How long may the code be used?"), coerce=int, widget=forms.RadioSelect,
        choices=[(7, gettext_lazy("7 days")), (30, gettext_lazy("30 days")), (90, gettext_lazy("90 days"))],
        help_text=gettext_lazy("Choose the shortest time that is enough. You can revoke the code at any time."))


class CheckForm(forms.Form):
    purpose = forms.ChoiceField(label=gettext_lazy("What do you want to check?"), choices=SharePurpose.choices,
                                widget=forms.RadioSelect, initial=SharePurpose.RIGHT_TO_WORK)
    code = forms.CharField(label=gettext_lazy("Share code"), max_length=40,
                           help_text=gettext_lazy("12 letters and digits, for example ABC-DEF-234-XYZ."),
                           widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                                         "autocapitalize": "characters"}))
    organisation = forms.CharField(label=gettext_lazy("Your organisation"), max_length=200, required=False,
                                   help_text=gettext_lazy("The holder sees who checked their status."))


# --- the holder ---------------------------------------------------------------------------------

@applicant_required
@require_safe
def titles(request):
    return render(request, "applicant/titles.html", {"views": holder_title_views(viewer=request.user),
                                                    "today": timezone.localdate()})


@applicant_required
@GET_OR_POST
def share_code_new(request, public_id):
    title = holder_title_get(viewer=request.user, public_id=public_id)
    if not title.is_valid_on(timezone.localdate()):
        messages.info(request, gettext("A share code can only be made for a title that is valid today."))
        return redirect("applicant:titles")
    form = ShareCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            code, text = share_codes.share_code_create(title=title, purpose=form.cleaned_data["purpose"],
                                                       days=form.cleaned_data["days"])
        except share_codes.ShareCodeError as exc:
            form.add_error(None, str(exc))
        else:
            request.session[SHOWN_ONCE_KEY] = {"code": str(code.public_id), "text": text}
            return redirect("applicant:share_code", public_id=code.public_id)
    return render(request, "applicant/share_code_new.html", {"title": title, "form": form})


@applicant_required
@require_safe
def share_code(request, public_id):
    code = holder_share_code_get(viewer=request.user, public_id=public_id)
    shown = request.session.get(SHOWN_ONCE_KEY) or {}
    text = ""
    if shown.get("code") == str(code.public_id):
        text = shown.get("text", "")
        del request.session[SHOWN_ONCE_KEY]
    response = render(request, "applicant/share_code.html", {
        "code": code, "text": text, "status": share_code_status(code), "checks": code.checks.all(),
        "check_url": request.build_absolute_uri(reverse("share_code_check"))})
    response["Cache-Control"] = "no-store"
    return response


@applicant_required
@require_POST
def share_code_revoke(request, public_id):
    code = holder_share_code_get(viewer=request.user, public_id=public_id)
    share_codes.share_code_revoke(code=code)
    messages.success(request, gettext("The code was revoked. Nobody can check your status with it any more."))
    return redirect("applicant:titles")


@applicant_required
@require_POST
def employer_reminders(request, public_id):
    """The holder allows or withdraws the reminders to the employer named in the title."""
    title = holder_title_get(viewer=request.user, public_id=public_id)
    if title.employer_id is None:
        messages.error(request, gettext("This title names no employer, so there is nobody to remind."))
        return redirect("applicant:titles")
    allowed = request.POST.get("allowed") == "yes"
    title_employer_reminders_set(title=title, allowed=allowed)
    if allowed:
        messages.success(request, gettext("Your employer will also be reminded before this title ends."))
    else:
        messages.success(request, gettext("Your employer will no longer be reminded about this title."))
    return redirect("applicant:titles")


# --- the public check ---------------------------------------------------------------------------


class NoReferrerCsrfMiddleware(CsrfViewMiddleware):
    """CSRF for a page sent with `Referrer-Policy: no-referrer`: browsers then post its forms with
    `Origin: null` (Fetch standard, "serializing a request origin"), which Django's origin check
    refuses. This view takes "null" as its own origin; the token (form field against the cookie) is
    still required, as everywhere."""

    def _origin_verified(self, request):
        return request.META.get("HTTP_ORIGIN") == "null" or super()._origin_verified(request)


no_referrer_csrf_protect = decorator_from_middleware(NoReferrerCsrfMiddleware)

def _private(response):
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@csrf_exempt  # from the site-wide check only: no_referrer_csrf_protect checks the token
@no_referrer_csrf_protect
@GET_OR_POST
def share_code_check(request):
    ip = client_ip(request)
    wait = share_codes.check_blocked_for(ip)
    if wait:
        response = render(request, "public/check.html", {"blocked": True}, status=429)
        response["Retry-After"] = str(wait)
        return _private(response)
    form = CheckForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if request.method == "POST" and form.is_valid():
        result = share_codes.share_code_check(text=form.cleaned_data["code"], purpose=form.cleaned_data["purpose"],
                                              organisation=form.cleaned_data["organisation"])
        if result is None:
            share_codes.check_failed(ip)
            context["not_found"] = True
        else:
            context.update(result=result, photo=holder_photo_data_uri(title=result.title), form=CheckForm())
    return _private(render(request, "public/check.html", context))
