import secrets

from django import forms
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.selectors import user_home_url_name
from accounts.services import user_set_language

from ..decisions import decision_office, initials, sha256_of_upload
from ..selectors.case_file import decision_get_by_verification_code


@require_safe
def home(request):
    return render(request, "public/home.html")


@require_safe
def portal_home(request):
    if not request.user.is_authenticated:
        return redirect("account_login")
    return redirect(user_home_url_name(user=request.user))


@require_POST
def set_language(request):
    user_set_language(request=request, language=request.POST.get("language", ""))
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    return HttpResponseRedirect(target)


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, a PDF's). The address is
    looked up per request: the static files' manifest exists only after collectstatic."""
    return redirect(static("img/favicon.svg"), permanent=True)


@require_safe
@never_cache
def healthz(request):
    """Liveness only: the process answers. What it depends on is /readyz's business, so that an
    outage of the database makes the processes unready, not restarted."""
    return JsonResponse({"status": "ok"})


class DecisionCheckForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Your copy of the decision (PDF)"),
                           help_text=gettext_lazy("The file is only compared with the original and not stored."))


@require_http_methods(["GET", "HEAD", "POST"])
def decision_verify(request, code):
    """Public check of a decision by the code of its QR link: genuine or not, and does a copy match?

    Shows only the date, kind, outcome, office and the initials of the deciders — no names."""
    decision = decision_get_by_verification_code(code=code)
    if decision is None:
        return render(request, "public/verify.html", {"decision": None}, status=404)
    form = DecisionCheckForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        digest = sha256_of_upload(form.cleaned_data["file"])
        result = "match" if digest is not None and secrets.compare_digest(digest, decision.sha256) else "mismatch"
    office = decision_office(decision)
    response = render(request, "public/verify.html", {
        "decision": decision, "form": form, "result": result, "office": office.name if office else "",
        "decided_by": initials(decision.decided_by), "approved_by": initials(decision.approved_by),
    })
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response
