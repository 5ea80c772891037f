"""The application wizard: start, the steps of a draft, submission, and the receipt."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from accounts.decorators import applicant_required
from documents import selectors as document_selectors
from documents import services as document_services
from wsa.http import GET_OR_POST

from ... import forms, rules, services
from ...finder import ANSWERS_SESSION_KEY
from ...lifecycle import CaseState, IllegalTransition
from ...selectors.applicant import (
    applicant_case_get,
    applicant_case_list,
    application_missing,
    case_checklist,
    case_has_employment,
    title_needs_job_offer,
)
from .helpers import (
    announce_uploads,
    max_size_label,
    person_to_show,
    person_to_write,
    posted,
    upload_files,
)

PREFILL_SESSION_KEY = "wsa_apply_prefill"

STEPS = [
    ("title", _("Residence title and language")),
    ("personal", _("Personal details")),
    ("qualification", _("Qualification")),
    ("languages", _("Languages")),
    ("employment", _("Job offer")),
    ("documents", _("Documents")),
    ("check", _("Check and submit")),
]
STEP_SLUGS = [slug for slug, _label in STEPS]
LEVELS = {"none", "A1", "A2", "B1", "B2", "C1", "C2"}


def _finder_answers(request) -> dict:
    stored = request.session.get(ANSWERS_SESSION_KEY)
    answers = dict(stored) if isinstance(stored, dict) else {}
    source = request.POST if request.method == "POST" else request.GET
    for key in source:
        if key not in {"csrfmiddlewaretoken", "next"}:
            answers[key] = source.get(key)
    return answers


def _truthy(value) -> bool:
    return value is True or str(value).lower() in {"1", "true", "yes", "on"}


def _prefill_from_answers(answers: dict) -> dict:
    """Initial values for the wizard from title-finder answers (the fields of rules.Profile)."""
    prefill = {}
    title_code = answers.get("title") or answers.get("title_code")
    if title_code in rules.APPLICATION_TITLE_CODES:
        prefill["title_code"] = title_code
    for key in ("german_level", "english_level"):
        level = str(answers.get(key) or "").strip()
        level = "none" if level.lower() == "none" else level.upper()
        if level in LEVELS:
            prefill[key] = level
    if answers.get("qualification") in ("academic", "vocational"):
        prefill["kind"] = answers["qualification"]
    if answers.get("recognition") in ("full", "partial", "pending", "none"):
        prefill["recognition"] = answers["recognition"]
    if "degree_comparable" in answers:
        prefill["comparable"] = _truthy(answers["degree_comparable"])
    job = answers.get("job_offer") if isinstance(answers.get("job_offer"), dict) else answers
    if answers.get("has_job_offer", "yes") != "no":
        for source, target in [("annual_gross_salary_eur", "annual_gross_salary"),
                               ("occupation_isco", "occupation_isco"), ("hours_per_week", "weekly_hours"),
                               ("start_date", "start_date"), ("contract_months", "duration_months")]:
            value = job.get(source)
            if value not in (None, ""):
                prefill[target] = str(value)[:20]
        if "collective_agreement" in job:
            prefill["collective_agreement"] = _truthy(job["collective_agreement"])
    if _truthy(answers.get("accelerated_procedure")):
        prefill["accelerated"] = True
    return prefill


def _prefill(request) -> dict:
    stored = request.session.get(PREFILL_SESSION_KEY)
    return dict(stored) if isinstance(stored, dict) else {}


def _step_url(case, step: str) -> str:
    return reverse("applicant:apply_step", args=[case.public_id, step])


def _wizard_context(case, step: str, **extra) -> dict:
    index = STEP_SLUGS.index(step)
    steps = [{"slug": slug, "label": label, "number": i + 1, "current": slug == step,
              "url": _step_url(case, slug) if case is not None else ""}
             for i, (slug, label) in enumerate(STEPS)]
    return {
        "case": case, "step": step, "steps": steps, "step_number": index + 1, "step_total": len(STEPS),
        "step_label": STEPS[index][1],
        "back_url": (_step_url(case, STEP_SLUGS[index - 1]) if index > 0 and case is not None
                     else reverse("applicant:apply_start")),
        "form_action": _step_url(case, step) if case is not None else reverse("applicant:apply_new"),
        **extra,
    }


def _after_step(request, case, step: str):
    """Save and continue, or save and come back later."""
    if "save_exit" in request.POST:
        messages.success(request, gettext("Your draft %(reference)s was saved. You can continue any time from "
                                          "“My applications”.") % {"reference": case.reference})
        return redirect("applicant:home")
    index = STEP_SLUGS.index(step)
    return redirect(_step_url(case, STEP_SLUGS[min(index + 1, len(STEP_SLUGS) - 1)]))


def _draft_case(request, public_id):
    """The viewer's case for the wizard; a submitted one sends them to its confirmation or status."""
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    if case.state == CaseState.DRAFT:
        return case, None
    if case.submitted_at:
        return case, redirect("applicant:apply_done", public_id=case.public_id)
    return case, redirect("applicant:case_detail", public_id=case.public_id)


@applicant_required
@GET_OR_POST
def apply_start(request):
    """The start page. The title finder links here with ?title=CODE (its answers are in the session);
    the answers (fields of rules.Profile) may also come as GET or POST parameters."""
    prefill = _prefill_from_answers(_finder_answers(request))
    request.session[PREFILL_SESSION_KEY] = prefill
    if request.method == "POST":
        return redirect("applicant:apply_new")
    drafts = applicant_case_list(viewer=request.user).filter(state=CaseState.DRAFT)
    chosen = rules.title(prefill["title_code"]) if "title_code" in prefill else None
    return render(request, "applicant/apply_start.html", {"drafts": drafts, "chosen": chosen,
                                                          "step_total": len(STEPS)})


@applicant_required
@GET_OR_POST
def apply_new(request):
    """Step 1 for a new application; the draft case is created when this step is saved."""
    person = person_to_show(request)
    prefill = _prefill(request)
    initial = {"title_code": prefill.get("title_code"),
               "procedure_language": "en" if get_language() != "de" else "de"}
    form = forms.TitleForm(posted(request), initial=initial, has_employer=False)
    if request.method == "POST" and form.is_valid():
        case = services.case_create(
            person=person_to_write(request, person), actor=request.user, title_code=form.cleaned_data["title_code"],
            procedure_language=form.cleaned_data["procedure_language"], accelerated=False,
        )
        messages.success(request, gettext("Your draft %(reference)s was created. It is saved after every step.")
                         % {"reference": case.reference})
        return _after_step(request, case, "title")
    return render(request, "applicant/apply_title.html", _wizard_context(None, "title", form=form))


@applicant_required
@require_safe
def apply_resume(request, public_id):
    """Continue a draft where it is incomplete (or at the check page when nothing is missing)."""
    case, elsewhere = _draft_case(request, public_id)
    if elsewhere:
        return elsewhere
    missing = application_missing(viewer=request.user, case=case)
    step = next((slug for slug in STEP_SLUGS if slug in missing), "check")
    return redirect(_step_url(case, step))


@applicant_required
@GET_OR_POST
def apply_step(request, public_id, step):
    if step not in STEP_SLUGS:
        raise Http404
    case, elsewhere = _draft_case(request, public_id)
    if elsewhere:
        return elsewhere
    return STEP_VIEWS[step](request, case)


def _step_title(request, case):
    initial = {"title_code": case.title_code, "procedure_language": case.procedure_language,
               "accelerated": case.accelerated}
    form = forms.TitleForm(posted(request), initial=initial, has_employer=case.employer_id is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.case_draft_update(case=case, actor=request.user, title_code=data["title_code"],
                                   procedure_language=data["procedure_language"],
                                   accelerated=bool(data.get("accelerated")))
        return _after_step(request, case, "title")
    return render(request, "applicant/apply_title.html", _wizard_context(case, "title", form=form))


def _step_personal(request, case):
    person = case.person
    personal = forms.PersonalForm(posted(request), instance=person, for_application=True, prefix="p")
    contact = forms.ContactForm(posted(request), instance=person, for_application=True, prefix="c")
    if request.method == "POST" and personal.is_valid() and contact.is_valid():
        services.person_update(person=person, actor=request.user, **personal.cleaned_data, **contact.cleaned_data)
        return _after_step(request, case, "personal")
    return render(request, "applicant/apply_personal.html", _wizard_context(
        case, "personal", forms=[personal, contact], personal=personal, contact=contact,
        passport_source=document_selectors.passport_prefill_source(viewer=request.user),
    ))


def _step_qualification(request, case):
    person = case.person
    existing = list(person.qualifications.all())
    prefill = _prefill(request)
    initial = {k: prefill[k] for k in ("kind", "recognition", "comparable") if k in prefill}
    form = forms.QualificationForm(posted(request), initial=initial)
    if existing:
        form.empty_permitted = True
        form.use_required_attribute = False
    if request.method == "POST":
        if form.is_valid():
            if form.has_changed():
                services.qualification_save(person=person, **form.cleaned_data)
                if "add_another" in request.POST:
                    messages.success(request, gettext("The qualification was added. You can add another one."))
                    return redirect(_step_url(case, "qualification"))
            return _after_step(request, case, "qualification")
    return render(request, "applicant/apply_qualification.html", _wizard_context(
        case, "qualification", form=form, qualifications=existing,
    ))


def _step_languages(request, case):
    person = case.person
    initial = forms.LanguagesForm.initial_for(person)
    if not person.languages.exists():
        prefill = _prefill(request)
        initial.update({k: prefill[k] for k in ("german_level", "english_level") if k in prefill})
    form = forms.LanguagesForm(posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services.language_skills_set(person=person, levels=form.levels())
        return _after_step(request, case, "languages")
    return render(request, "applicant/apply_form.html", _wizard_context(
        case, "languages", form=form, heading=_("Which languages do you speak?"),
        intro=_("Your language levels count for some residence titles (for example the Opportunity Card)."),
    ))


def _step_employment(request, case):
    employment = getattr(case, "employment", None) if case_has_employment(case=case) else None
    required = title_needs_job_offer(case.title_code, case.accelerated)
    initial = {}
    if employment is None:
        prefill = _prefill(request)
        initial = {k: prefill[k] for k in ("annual_gross_salary", "occupation_isco", "weekly_hours", "start_date",
                                           "duration_months", "collective_agreement") if k in prefill}
    form = forms.EmploymentForm(posted(request), instance=employment, initial=initial, required=required)
    if request.method == "POST" and form.is_valid():
        if form.has_changed() or employment is not None or required:
            if form.cleaned_data:
                services.employment_set(case=case, actor=request.user, **form.cleaned_data)
        return _after_step(request, case, "employment")
    return render(request, "applicant/apply_employment.html", _wizard_context(
        case, "employment", form=form, required=required,
    ))


def _step_documents(request, case):
    person = case.person
    upload_errors: dict[str, list[str]] = {}
    continue_errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "continue")
        requirement = request.POST.get("requirement", "")
        codes = {row["code"] for row in case_checklist(viewer=request.user, case=case)}
        if action == "upload" and requirement in codes:
            files = request.FILES.getlist("files")
            if not files:
                upload_errors[requirement] = [gettext("Please choose a file to upload.")]
            else:
                stored, errors = upload_files(request, person=person, files=files, case=case,
                                               requirement=requirement)
                announce_uploads(request, stored)
                if not errors:
                    return redirect(_step_url(case, "documents") + f"#req-{requirement}")
                upload_errors[requirement] = errors
        elif action == "reuse" and requirement in codes:
            source = request.POST.get("document", "")
            try:
                original = document_selectors.document_get_own(viewer=request.user, public_id=source)
            except Http404:
                upload_errors[requirement] = [gettext("Please choose a document from your library.")]
            else:
                document_services.document_reuse(document=original, case=case, actor=request.user,
                                                 requirement=requirement)
                messages.success(request, gettext("“%(name)s” was added from your library.")
                                 % {"name": original.original_name})
                return redirect(_step_url(case, "documents") + f"#req-{requirement}")
        elif action in ("upload", "reuse"):
            raise Http404
        else:
            missing = application_missing(viewer=request.user, case=case).get("documents", [])
            if not missing or "save_exit" in request.POST:
                return _after_step(request, case, "documents")
            continue_errors = missing
    checklist = case_checklist(viewer=request.user, case=case)
    library = [d for d in document_selectors.document_list(viewer=request.user).filter(case__isnull=True)
               if d.state != "rejected"]
    for row in checklist:
        row["errors"] = upload_errors.get(row["code"], [])
    return render(request, "applicant/apply_documents.html", _wizard_context(
        case, "documents", checklist=checklist, library=library, continue_errors=continue_errors,
        has_upload_errors=bool(upload_errors), max_size=max_size_label(),
    ))


def _answers_summary(case) -> dict:
    person = case.person
    try:
        title = rules.title(case.title_code)
    except rules.UnknownTitle:
        title = None
    return {
        "title": title,
        "person": person,
        "qualifications": list(person.qualifications.all()),
        "languages": list(person.languages.all()),
        "employment": case.employment if case_has_employment(case=case) else None,
    }


def _step_check(request, case):
    form = forms.DeclarationForm(posted(request))
    checklist = case_checklist(viewer=request.user, case=case)
    missing = application_missing(viewer=request.user, case=case, checklist=checklist)
    if request.method == "POST" and form.is_valid():
        if missing:
            form.add_error(None, gettext("Your application is not complete yet. Please add what is missing below."))
        else:
            try:
                services.case_submit(case=case, actor=request.user)
            except IllegalTransition:
                pass  # submitted in another tab a moment ago: show the confirmation all the same
            request.session.pop(PREFILL_SESSION_KEY, None)
            return redirect("applicant:apply_done", public_id=case.public_id)
    missing_steps = [{"slug": slug, "label": label, "messages": missing[slug], "url": _step_url(case, slug)}
                     for slug, label in STEPS if slug in missing]
    return render(request, "applicant/apply_check.html", _wizard_context(
        case, "check", form=form, error_forms=[form], checklist=checklist, missing_steps=missing_steps,
        **_answers_summary(case),
    ))


STEP_VIEWS = {
    "title": _step_title,
    "personal": _step_personal,
    "qualification": _step_qualification,
    "languages": _step_languages,
    "employment": _step_employment,
    "documents": _step_documents,
    "check": _step_check,
}


@applicant_required
@require_safe
def apply_done(request, public_id):
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    if case.state == CaseState.DRAFT:
        return redirect("applicant:apply_resume", public_id=case.public_id)
    return render(request, "applicant/apply_done.html", {"case": case})


@applicant_required
@require_safe
def case_receipt(request, public_id):
    """A printable acknowledgement of receipt: what was submitted when, with the documents' hashes."""
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    if not case.submitted_at:
        raise Http404
    return render(request, "applicant/receipt.html", {
        "case": case, **_answers_summary(case),
        "documents": document_selectors.document_list(viewer=request.user, case=case).order_by("created_at"),
    })
