"""The household pages of the applicant portal: the family's members, their applications joined to
the main applicant's, the documents they share, and a member's own consent and invitation."""

from __future__ import annotations

import uuid

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import applicant_required
from authorities import selectors as authority_selectors
from authorities.office_time import office_time
from documents.models import DocumentType
from documents.selectors import documents_for_display

from .. import household as household_services
from ..forms import PersonalForm
from ..lifecycle import CaseState
from ..models import Case, Relationship
from ..selectors import household as household_selectors
from ..selectors.applicant import applicant_case_get


class MemberForm(PersonalForm):
    relationship = django_forms.ChoiceField(label=_("Relationship to you"), choices=Relationship.choices,
                                            widget=django_forms.RadioSelect)

    class Meta(PersonalForm.Meta):
        fields = ["surname", "given_names", "birth_date", "nationality", "passport_number", "passport_expiry"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, for_application=False, **kwargs)
        self.fields["birth_date"].required = True
        self.fields["nationality"].required = True
        self.order_fields(["relationship"])

    def clean_birth_date(self):
        value = self.cleaned_data.get("birth_date")
        if value and value > timezone.localdate():
            raise ValidationError(_("The date of birth cannot be in the future."))
        return value

    def clean_passport_expiry(self):
        value = self.cleaned_data.get("passport_expiry")
        if value and value < timezone.localdate():
            raise ValidationError(_("The passport has expired. A valid passport is needed to apply."))
        return value


class ShareForm(django_forms.Form):
    document_type = django_forms.ChoiceField(
        label=_("Kind of document"),
        choices=[(t.value, t.label) for t in household_services.SHARED_DOCUMENT_TYPES])
    cases = django_forms.MultipleChoiceField(label=_("The applications it belongs to"),
                                             widget=django_forms.CheckboxSelectMultiple)
    file = django_forms.FileField(label=_("File (PDF, JPEG or PNG)"))

    def __init__(self, *args, cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.case_objects = {str(c.public_id): c for c in cases}
        self.fields["cases"].choices = [
            (str(c.public_id), f"{c.reference} · {c.person.full_name}") for c in cases]


def _shareable_cases(request) -> list[Case]:
    """Drafts and applications waiting for documents, of the viewer and of the members they act for."""
    open_for_documents = (CaseState.DRAFT, CaseState.DOCUMENTS_REQUESTED)
    own = list(household_selectors.head_main_cases(viewer=request.user).filter(state__in=open_for_documents)
               .select_related("person"))
    family = list(household_selectors.family_case_list(viewer=request.user).filter(state__in=open_for_documents))
    return own + family


def _page(request, *, member_form=None, share_form=None, status=200):
    overview = household_selectors.household_overview(viewer=request.user)
    rows = []
    for entry in (overview or {}).get("members", []):
        member = entry["member"]
        joined = next((c["case"].joins for c in entry["cases"] if c["case"].joins_id), None)
        main_case = joined or next(iter((overview or {}).get("main_cases", [])), None)
        rows.append({**entry, "main_case": main_case,
                     "verdict": household_selectors.member_verdict(member=member, main_case=main_case),
                     "is_head": member.household.head.user_id == request.user.pk,
                     "can_invite": member.relationship == Relationship.SPOUSE and member.person.user_id is None})
    context = {
        "overview": overview, "rows": rows,
        "member_form": member_form or MemberForm(),
        "share_form": share_form or ShareForm(cases=_shareable_cases(request)),
        "main_cases": (overview or {}).get("main_cases")
        or list(household_selectors.head_main_cases(viewer=request.user)),
    }
    return render(request, "applicant/household.html", context, status=status)


@applicant_required
@require_safe
def household(request):
    return _page(request)


@applicant_required
@require_POST
def member_add(request):
    form = MemberForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            household_services.household_member_add(actor=request.user, **data)
        except household_services.HouseholdError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The family member has been added."))
            return redirect("applicant:household")
    return _page(request, member_form=form, status=400)


@applicant_required
@require_POST
def family_case_start(request, public_id):
    member = household_selectors.member_get_for_head(viewer=request.user, public_id=public_id)
    try:
        main_id = uuid.UUID(request.POST.get("main_case", ""))
    except ValueError as exc:
        raise Http404 from exc
    main_case = applicant_case_get(viewer=request.user, public_id=main_id)
    try:
        household_services.family_case_start(actor=request.user, member=member, main_case=main_case)
        messages.success(request, _("The application for %(name)s has been started.") % {
            "name": member.person.full_name})
    except household_services.HouseholdError as exc:
        messages.error(request, str(exc))
    return redirect("applicant:household")


@applicant_required
@require_POST
def family_submit(request, public_id):
    main_case = applicant_case_get(viewer=request.user, public_id=public_id)
    try:
        submitted, incomplete = household_services.family_cases_submit(actor=request.user, main_case=main_case)
    except household_services.HouseholdError as exc:
        messages.error(request, str(exc))
    else:
        if submitted:
            messages.success(request, _("Submitted: %(references)s.") % {
                "references": ", ".join(c.reference for c in submitted)})
        for case in incomplete:
            messages.warning(request, _("%(reference)s is not complete yet: %(missing)s.") % {
                "reference": case.reference,
                "missing": ", ".join(household_services.family_case_missing(case=case))})
        if not submitted and not incomplete:
            messages.info(request, _("No family member's application is waiting to be submitted."))
    return redirect("applicant:household")


@applicant_required
@require_POST
def document_share(request):
    form = ShareForm(request.POST, request.FILES, cases=_shareable_cases(request))
    if form.is_valid():
        cases = [form.case_objects[key] for key in form.cleaned_data["cases"]]
        try:
            household_services.family_document_share(
                actor=request.user, file=form.cleaned_data["file"],
                document_type=form.cleaned_data["document_type"], cases=cases)
        except (household_services.HouseholdError, ValidationError) as exc:
            form.add_error(None, exc.messages[0] if isinstance(exc, ValidationError) else str(exc))
        else:
            messages.success(request, _("The document has been added to the applications you chose."))
            return redirect("applicant:household")
    return _page(request, share_form=form, status=400)


@applicant_required
@require_POST
def member_invite(request, public_id):
    member = household_selectors.member_get_for_head(viewer=request.user, public_id=public_id)
    try:
        household_services.member_invitation_create(actor=request.user, member=member,
                                                    email=request.POST.get("email", ""))
        messages.success(request, _("The invitation has been sent."))
    except household_services.HouseholdError as exc:
        messages.error(request, str(exc))
    return redirect("applicant:household")


@applicant_required
@require_http_methods(["GET", "HEAD", "POST"])
def member_join(request, token):
    if request.method == "POST":
        try:
            household_services.member_invitation_accept(token=token, user=request.user)
        except household_services.HouseholdError as exc:
            return render(request, "applicant/household_join.html", {"error": str(exc)}, status=403)
        messages.success(request, _("Your application is now in your own account."))
        return redirect("applicant:household")
    return render(request, "applicant/household_join.html", {})


@applicant_required
@require_POST
def member_consent(request):
    if household_selectors.membership_of(viewer=request.user) is None:
        raise Http404
    allowed = request.POST.get("allowed") == "yes"
    try:
        household_services.member_consent_set(actor=request.user, allowed=allowed)
    except household_services.HouseholdError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Your choice has been saved."))
    return redirect("applicant:household")


@applicant_required
@require_safe
def family_case(request, public_id):
    case = household_selectors.family_case_get(viewer=request.user, public_id=public_id)
    return render(request, "applicant/household_case.html", {
        "case": case,
        "next_step": household_selectors.next_step(case),
        "missing": household_services.family_case_missing(case=case) if case.state == CaseState.DRAFT else [],
        # With each document's check state and findings: "Needs your attention" alone says nothing of why.
        "documents": documents_for_display(household_selectors.case_documents_linked(case=case)
                                           .prefetch_related("findings")),
        "document_types": DocumentType,
        "appointment": _member_appointment(request, case),
    })


def _member_appointment(request, case) -> dict | None:
    """The member's in-person appointment at the visa office, booked from their own booking page: what
    to do (book it) or when it is, with the way to change it while that is still possible."""
    appointment = authority_selectors.applicant_appointment(viewer=request.user, case=case, for_household=True)
    if appointment is None:
        return None
    url = reverse("applicant:household_case_appointment", args=[case.public_id])
    booking = appointment["booking"]
    if booking is None:
        return {"text": gettext("The visa office needs to see %(name)s in person (identity check, fingerprints "
                                "where the law asks for them, fee).") % {"name": case.person.full_name},
                "url": url, "label": gettext("Book the appointment")}
    if booking.attended_at is not None:
        return None
    office = booking.slot.authority
    return {"text": gettext("Appointment at %(office)s: %(when)s.") % {
                "office": office.name, "when": office_time(booking.slot.starts_at, office)},
            "url": url if appointment["changeable"] else "", "label": gettext("Change or cancel the appointment")}
