"""The foreigners' authority decides a family's residence permits after entry in one action (the
household as one task on its task list). Each person still gets their own decision; the main
applicant's first, a family member's never before or without it, a refusal blocks no one."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.decorators import require_reauthentication, staff_required
from wsa.forms import CitationInput

from .. import household as household_services
from ..audit import access_record_cases
from ..models import Decision
from ..selectors import household as household_selectors
from ..selectors.case_file import case_get_for_staff
from .backoffice import LEGAL_BASIS

# The legal basis written on a family member's permit by default (editable).
FAMILY_LEGAL_BASIS = {"30": "§ 30 Abs. 1 AufenthG", "32": "§ 32 Abs. 1 AufenthG"}
NOT_NOW = "later"


class PersonDecisionForm(forms.Form):
    outcome = forms.ChoiceField(label=gettext_lazy("Decision"), widget=forms.RadioSelect, choices=[
        (Decision.Outcome.GRANTED, gettext_lazy("Issue the residence permit")),
        (Decision.Outcome.REJECTED, gettext_lazy("Refuse (needs a supervisor's approval)")),
        (NOT_NOW, gettext_lazy("Not now")),
    ])
    legal_basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=200, required=False,
                                  widget=CitationInput())
    reasons = forms.CharField(label=gettext_lazy("Reasons"), required=False, max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Decision.Outcome.REJECTED and not (data.get("reasons") or "").strip():
            self.add_error("reasons", _("A rejection must give its reasons."))
        if data.get("outcome") == Decision.Outcome.GRANTED and not (data.get("legal_basis") or "").strip():
            self.add_error("legal_basis", _("Enter the legal basis."))
        return data


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def family_permits(request, public_id):
    case = case_get_for_staff(viewer=request.user, public_id=public_id)
    family = household_selectors.family_permits_to_decide(viewer=request.user, case=case)
    if not family:
        raise PermissionDenied
    main = family[0] if family[0].joins_id is None else family[0].joins
    bound = request.POST if request.method == "POST" else None
    rows = [(member, PersonDecisionForm(bound, prefix=str(member.public_id), initial={
        "outcome": Decision.Outcome.GRANTED,
        "legal_basis": FAMILY_LEGAL_BASIS.get(member.title_code) or LEGAL_BASIS.get(member.title_code, "")}))
        for member in family]
    if request.method == "POST":
        require_reauthentication(request)
        if all(form.is_valid() for _member, form in rows):
            outcomes = {member: form.cleaned_data for member, form in rows
                        if form.cleaned_data["outcome"] != NOT_NOW}
            results = household_services.family_permits_decide(actor=request.user, main_case=main, outcomes=outcomes)
            for member, result in results.items():
                if isinstance(result, Decision):
                    messages.success(request, (_("%(name)s: the residence permit has been issued.")
                                               if result.status == Decision.Status.ISSUED else
                                               _("%(name)s: the refusal waits for a supervisor's approval."))
                                     % {"name": member.person.full_name})
                else:
                    messages.error(request, "%s: %s" % (member.person.full_name, result))
            return redirect("backoffice:case_detail", public_id=case.public_id)
    else:
        access_record_cases(actor=request.user, cases=family)
    return render(request, "backoffice/family_permits.html", {"case": case, "rows": rows},
                  status=400 if bound is not None else 200)
