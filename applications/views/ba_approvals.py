"""Back office: the WSA records a BA approval the case already has (services.ba_approvals)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.decorators import staff_required

from ..forms import DateInput
from ..models import BaApprovalGround, BaApprovalOnFile
from ..selectors.case_file import case_get_for_staff
from ..selectors.staff import staff_scope
from ..services.ba_approvals import OPEN_STATES, ba_approval_on_file_record, ba_approval_on_file_remove
from ..services.backoffice import BackofficeError


class BaApprovalOnFileForm(forms.Form):
    ground = forms.ChoiceField(label=gettext_lazy("On what ground is the BA's approval on file?"),
                               choices=BaApprovalGround.choices, widget=forms.RadioSelect)
    reference = forms.CharField(label=gettext_lazy("The BA's reference"), max_length=100, required=False,
                                help_text=gettext_lazy("As printed on the pre-approval (for a global approval: "
                                                       "optional, the BA's publication is recorded)."))
    issued_on = forms.DateField(label=gettext_lazy("Date of the pre-approval"), required=False, widget=DateInput)
    employer_assurance = forms.BooleanField(
        label=gettext_lazy("The employer's written assurance that the conditions of employment are met is in the "
                           "case documents"), required=False)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def ba_approval_on_file(request, public_id):
    case = case_get_for_staff(viewer=request.user, public_id=public_id)
    if not staff_scope(viewer=request.user).is_wsa:
        raise PermissionDenied(_("Only the WSA records a BA approval that is already on file."))
    if case.state not in OPEN_STATES:
        messages.error(request, _("The requests to the authorities have gone out: the BA has already been asked."))
        return redirect("backoffice:case_detail", public_id=case.public_id)
    on_file = BaApprovalOnFile.objects.filter(case=case).first()
    form = BaApprovalOnFileForm(request.POST if request.method == "POST" and "remove" not in request.POST else None)
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                ba_approval_on_file_remove(case=case, actor=request.user)
                messages.success(request, _("The approval on file was withdrawn; the BA will be asked."))
                return redirect("backoffice:case_detail", public_id=case.public_id)
            if form.is_valid():
                ba_approval_on_file_record(case=case, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Recorded: the BA will not be asked again for this case."))
                return redirect("backoffice:case_detail", public_id=case.public_id)
        except BackofficeError as exc:
            form.add_error(None, str(exc))
    return render(request, "backoffice/ba_approval.html", {"case": case, "form": form, "on_file": on_file},
                  status=400 if form.is_bound and form.errors else 200)
