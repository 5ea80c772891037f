"""After arrival: the holder's extension (with the digital Fiktionsbescheinigung), job change and
settlement readiness pages; the employer's report of an early end; the public certificate check."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from accounts.decorators import applicant_required, employer_required
from documents.views import attachment_response
from wsa.http import GET_OR_POST

from ..after_arrival import changes, selectors, services
from ..after_arrival.forms import (
    AddressChangeForm,
    EmploymentEndForm,
    ExtensionForm,
    JobChangeForm,
    PensionMonthsForm,
    PurposeChangeForm,
)
from ..employer.selectors import employer_case_get
from ..rules import after_arrival as rules
from ..rules import purpose_change as switch_rules
from ..rules.catalogue import title as catalogue_title
from ..selectors.applicant import person_for_user
from .applicant.helpers import posted


@applicant_required
@require_safe
def titles(request):
    today = timezone.localdate()
    return render(request, "applicant/after_arrival/titles.html", {
        "rows": selectors.title_rows(viewer=request.user, today=today), "today": today})


@applicant_required
@GET_OR_POST
def title_extend(request, public_id):
    title = selectors.holder_title_get(viewer=request.user, public_id=public_id)
    if not selectors.extendable(title=title) or selectors.open_extension(title=title) is not None:
        messages.info(request, gettext("This residence title cannot be extended here (again)."))
        return redirect("applicant:after_arrival")
    today = timezone.localdate()
    in_time = rules.extension_in_time(valid_until=title.valid_until, applied_on=today)
    form = ExtensionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            result = services.title_extension_apply(
                title=title, actor=request.user, same_employment=form.cleaned_data["same_employment"] == "yes",
                address=form.address())
        except services.AfterArrivalError as exc:
            messages.error(request, str(exc))
            return redirect("applicant:after_arrival")
        if result.certificate is not None:
            messages.success(request, gettext(
                "Your application for an extension has been submitted. Your certificate is ready: your current "
                "residence title, with all its conditions and the permission to work, continues until the "
                "foreigners' authority decides."))
        else:
            messages.warning(request, late_message())
        return redirect("applicant:after_arrival")
    return render(request, "applicant/after_arrival/extend.html", {
        "title": title, "form": form, "in_time": in_time, "late_message": late_message()})


def late_message() -> str:
    return gettext(
        "Your residence title had already expired when you applied, so no certificate can be issued: the law "
        "lets the old title continue only for applications made before it expires (Section 81 (4) Residence "
        "Act). The foreigners' authority may still order that the title continues, to avoid hardship. Contact "
        "the foreigners' authority now and do not start or continue work until it has told you that you may.")


@applicant_required
@GET_OR_POST
def purpose_change(request, public_id):
    """Studies, training or job search → work or job search: eligibility per target with its source, then
    the application (changes.purpose_change_apply)."""
    title = selectors.holder_title_get(viewer=request.user, public_id=public_id)
    today = timezone.localdate()
    start = selectors.switch_start(title=title, today=today)
    targets = switch_rules.switch_targets(current_code=title.title_code,
                                          qualifications=selectors.qualifications(person=title.holder))
    open_application = selectors.open_extension(title=title)
    choices = [(v.code, f"{catalogue_title(v.code).name} ({catalogue_title(v.code).section})")
               for v in targets if v.ok]
    form = PurposeChangeForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and start.allowed and open_application is None and form.is_valid():
        data = form.cleaned_data
        try:
            result = changes.purpose_change_apply(title=title, actor=request.user, target=data["target"],
                                                  employer_name=data.get("employer_name", ""), job=form.job())
        except services.AfterArrivalError as exc:
            form.add_error(None, str(exc))
        else:
            if result.certificate is not None:
                messages.success(request, gettext(
                    "Your application for a change of purpose has been submitted. Your certificate is ready: "
                    "your current residence title, with all its conditions, continues until the foreigners' "
                    "authority decides."))
            return redirect("applicant:case_detail", result.case.public_id)
    elif request.method == "POST" and not start.allowed:
        form.add_error(None, start.text)
    elif request.method == "POST" and open_application is not None:
        form.add_error(None, gettext("You have already applied for this residence title; wait for that decision."))
    rows = [{"verdict": v, "title": catalogue_title(v.code)} for v in targets]
    return render(request, "applicant/after_arrival/purpose_change.html", {
        "title": title, "start": start, "rows": rows, "form": form, "open_application": open_application,
        "any_eligible": bool(choices)})


@applicant_required
@GET_OR_POST
def address_change(request):
    """A new address in Germany, reported once: the profile and the responsible foreigners' authority."""
    person = person_for_user(viewer=request.user)
    today = timezone.localdate()
    title = selectors.current_title(person=person, today=today) if person is not None else None
    form = AddressChangeForm(request.POST if request.method == "POST" else None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = changes.address_change_report(person=person, actor=request.user, **form.cleaned_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        except services.AfterArrivalError as exc:
            form.add_error(None, str(exc))
    return render(request, "applicant/after_arrival/address.html", {
        "form": form, "title": title, "person": person, "result": result})


@applicant_required
@require_safe
def certificate_download(request, public_id):
    certificate = selectors.certificate_get(viewer=request.user, public_id=public_id)
    if not certificate.pdf:
        raise Http404
    try:
        handle = certificate.pdf.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    return attachment_response(handle, filename=f"{certificate.case.reference}-certificate.pdf",
                               content_type="application/pdf")


@applicant_required
@GET_OR_POST
def job_change(request, public_id):
    title = selectors.holder_title_get(viewer=request.user, public_id=public_id)
    today = timezone.localdate()
    preview = rules.job_change_verdict(
        kind=title.kind, code=title.title_code, work_permission=title.work_permission,
        bound_to_employer=title.employer_id is not None or bool(title.occupation),
        months_in_employment=selectors.months_in_employment(title=title, today=today))
    form = JobChangeForm(posted(request))
    recorded = None
    if request.method == "POST" and form.is_valid():
        try:
            recorded = services.job_change_report(title=title, actor=request.user, **form.cleaned_data)
        except services.AfterArrivalError as exc:
            messages.error(request, str(exc))
    return render(request, "applicant/after_arrival/job_change.html", {
        "title": title, "verdict": recorded or preview, "recorded": recorded is not None, "form": form})


@applicant_required
@GET_OR_POST
def settlement(request):
    person = person_for_user(viewer=request.user)
    form = PensionMonthsForm(request.GET or None)
    pension_months = form.cleaned_data.get("pension_months") or 0 if form.is_valid() else 0
    today = timezone.localdate()
    titles_held = list(selectors.holder_titles(viewer=request.user))
    qualifications = selectors.qualifications(person=person) if person is not None else None
    readiness = rules.settlement_readiness(periods=selectors.title_periods(titles=titles_held),
                                           german_level=selectors.german_level(person=person),
                                           pension_months=pension_months, today=today,
                                           german_qualification=bool(qualifications and (
                                               qualifications.german_degree or qualifications.german_training)))
    if request.method == "POST":
        if person is None or not readiness.met:
            raise PermissionDenied
        case = services.settlement_apply(person=person, actor=request.user)
        return redirect("applicant:apply_resume", case.public_id)
    return render(request, "applicant/after_arrival/settlement.html", {
        "form": form, "readiness": readiness, "pension_months": pension_months, "has_titles": bool(titles_held)})


# --- Employer ----------------------------------------------------------------------------------

@employer_required
@GET_OR_POST
def employment_end(request, public_id):
    case = employer_case_get(viewer=request.user, public_id=public_id)
    title = selectors.employer_report_title(case=case)
    form = EmploymentEndForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            result = services.employment_end_report(case=case, actor=request.user, **form.cleaned_data)
        except services.AfterArrivalError as exc:
            form.add_error("ended_on", str(exc))
        else:
            if result.late:
                messages.warning(request, gettext(
                    "Your report has been recorded and passed on to the foreigners' authority. It was made more "
                    "than four weeks after the end of the employment and is marked as late."))
            else:
                messages.success(request, gettext(
                    "Your report has been recorded and passed on to the foreigners' authority."))
            return redirect("employer:case_detail", case.public_id)
    return render(request, "employer/employment_end.html", {"case": case, "title": title, "form": form})


# --- Public --------------------------------------------------------------------------------------

@require_safe
def certificate_verify(request, code):
    """Public check of a Fiktionsbescheinigung by its code: genuine, in force or ended; no names."""
    certificate = selectors.certificate_by_code(code=code)
    response = render(request, "public/verify_certificate.html", {"certificate": certificate},
                      status=200 if certificate else 404)
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response
