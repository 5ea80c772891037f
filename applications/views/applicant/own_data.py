"""One's own data: what the portal holds, its export, and deleting the account."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from accounts.decorators import applicant_required, require_reauthentication
from documents.views import attachment_response
from wsa.http import GET_OR_POST

from ... import forms, services
from ...selectors.applicant import applicant_case_list
from ...selectors.own_data import account_deletion_overview, applicant_data_export_zip
from .helpers import posted


@applicant_required
@require_safe
def my_data(request):
    return render(request, "applicant/my_data.html", {
        "cases": applicant_case_list(viewer=request.user),
    })


@applicant_required
@require_safe
def data_export(request):
    """All own data as a ZIP (GDPR Art. 15): data.json plus every document and decision PDF. Asks for the
    password again first (someone at an unlocked computer must not carry everything away)."""
    require_reauthentication(request)
    archive = applicant_data_export_zip(viewer=request.user)
    return attachment_response(archive, filename=f"wsa-my-data-{request.user.public_id}.zip",
                               content_type="application/zip")


@applicant_required
@GET_OR_POST
def account_delete(request):
    """Deletes the account (GDPR Art. 17, services.account_delete): the page says what goes and what is
    kept until when; the deletion needs the confirmation and then the password again (the suspended POST
    is carried out after the prompt). While a case is under way the answer is a refusal, never a prompt."""
    overview = account_deletion_overview(viewer=request.user)
    form = forms.AccountDeleteForm(posted(request))
    if request.method == "POST":
        if overview.blocked:
            messages.error(request, overview.refusal)
            return redirect("applicant:account_delete")
        if form.is_valid():
            require_reauthentication(request)
            try:
                result = services.account_delete(user=request.user)
            except services.AccountDeletionRefused as exc:
                messages.error(request, str(exc))
                return redirect("applicant:account_delete")
            logout(request)
            return render(request, "applicant/account_delete_done.html", {
                "result": result, "retention_days": settings.WSA_CLOSED_CASE_RETENTION_DAYS,
            })
    return render(request, "applicant/account_delete.html", {
        "form": form, "overview": overview, "retention_days": settings.WSA_CLOSED_CASE_RETENTION_DAYS,
    })
