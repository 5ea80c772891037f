"""The applicant portal: once-only profile, document library, application wizard, case status,
messages, document requests, entry report, decisions and own data.

Every page works without JavaScript (plain forms, POST-redirect-GET); htmx only swaps fragments.
Reads go through selectors, writes through services; a case or document of someone else is a 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import applicant_required, require_reauthentication
from documents import selectors as document_selectors
from documents import services as document_services
from documents.models import DocumentType
from documents.views import attachment_response

from .. import forms, rules, selectors, services, status_poll
from ..lifecycle import CaseState, IllegalTransition
from ..models import Person

# --- helpers ----------------------------------------------------------------------------------

PREFILL_SESSION_KEY = "wsa_apply_prefill"
GET_OR_POST = require_http_methods(["GET", "HEAD", "POST"])


def _post(request):
    """The submitted form data, or None on GET (an empty POST is still a submission)."""
    return request.POST if request.method == "POST" else None


def _files(request):
    return request.FILES if request.method == "POST" else None


def _person(request):
    """The applicant's once-only profile to show: until something is saved (_saved) an empty, unsaved
    one, so that reading a page never writes."""
    return selectors.person_for_user(viewer=request.user) or Person(user=request.user, email=request.user.email)


def _saved(request, person):
    """The profile to write to: created with the first thing the applicant saves."""
    return person if person.pk is not None else services.person_ensure(user=request.user)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


def _max_size_label() -> str:
    return filesizeformat(document_services.upload_max_bytes())


def _upload_files(request, *, person, files, case=None, document_type=DocumentType.UNKNOWN, requirement=""):
    """Stores each file; returns (stored documents, ["name: why it was refused", ...])."""
    stored, errors = [], []
    for file in files:
        try:
            stored.append(document_services.document_upload(
                person=person, uploaded_by=request.user, file=file, case=case, document_type=document_type,
                requirement=requirement,
            ))
        except ValidationError as exc:
            name = document_services.display_name(getattr(file, "name", ""), limit=80)
            errors.append(gettext("%(name)s: %(problem)s") % {"name": name, "problem": " ".join(exc.messages)})
    return stored, errors


def _announce_uploads(request, stored) -> None:
    if stored:
        messages.success(request, ngettext(
            "%(count)d file was uploaded. It is being checked now.",
            "%(count)d files were uploaded. They are being checked now.", len(stored),
        ) % {"count": len(stored)})


# --- Home -------------------------------------------------------------------------------------

@applicant_required
@require_safe
def home(request):
    cases = list(selectors.applicant_case_list(viewer=request.user))
    person = selectors.person_for_user(viewer=request.user)
    return render(request, "applicant/home.html", {
        "drafts": [c for c in cases if c.state == CaseState.DRAFT],
        "cases": [c for c in cases if c.state != CaseState.DRAFT],
        "person": person,
        "profile_complete": bool(person and person.surname and person.birth_date and person.passport_number),
    })


# --- Profile ----------------------------------------------------------------------------------

@applicant_required
@require_safe
def profile(request):
    person = _person(request)
    saved = person.pk is not None
    return render(request, "applicant/profile.html", {
        "person": person,
        "qualifications": person.qualifications.all() if saved else [],
        "languages": person.languages.all() if saved else [],
        "experience": person.experience.order_by("-started_on") if saved else [],
        "passport_source": document_selectors.passport_prefill_source(viewer=request.user),
    })


def _profile_form_view(request, form_class, *, title, template="applicant/profile_form.html"):
    person = _person(request)
    form = form_class(_post(request), instance=person)
    if request.method == "POST" and form.is_valid():
        services.person_update(person=_saved(request, person), actor=request.user, **form.cleaned_data)
        messages.success(request, gettext("Your profile was saved."))
        return redirect(_next_url(request, reverse("applicant:profile")))
    return render(request, template, {"form": form, "title": title,
                                      "next": _next_url(request, reverse("applicant:profile"))})


@applicant_required
@GET_OR_POST
def profile_personal(request):
    return _profile_form_view(request, forms.PersonalForm, title=_("Personal and passport details"))


@applicant_required
@GET_OR_POST
def profile_contact(request):
    return _profile_form_view(request, forms.ContactForm, title=_("Address and contact"))


@applicant_required
@GET_OR_POST
def profile_languages(request):
    person = _person(request)
    form = forms.LanguagesForm(_post(request), initial=forms.LanguagesForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        services.language_skills_set(person=_saved(request, person), levels=form.levels())
        messages.success(request, gettext("Your language skills were saved."))
        return redirect(_next_url(request, reverse("applicant:profile")))
    return render(request, "applicant/profile_form.html", {
        "form": form, "title": _("Language skills"), "next": _next_url(request, reverse("applicant:profile")),
    })


@applicant_required
@GET_OR_POST
def qualification_edit(request, pk=None):
    person = _person(request)
    instance = selectors.qualification_get(viewer=request.user, pk=pk) if pk else None
    form = forms.QualificationForm(_post(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        services.qualification_save(person=_saved(request, person), qualification=instance, **form.cleaned_data)
        messages.success(request, gettext("The qualification was saved."))
        return redirect(_next_url(request, reverse("applicant:profile")))
    return render(request, "applicant/profile_form.html", {
        "form": form, "title": _("Change the qualification") if instance else _("Add a qualification"),
        "next": _next_url(request, reverse("applicant:profile")),
    })


@applicant_required
@GET_OR_POST
def experience_edit(request, pk=None):
    person = _person(request)
    instance = selectors.work_experience_get(viewer=request.user, pk=pk) if pk else None
    form = forms.WorkExperienceForm(_post(request), instance=instance)
    if request.method == "POST" and form.is_valid():
        services.work_experience_save(person=_saved(request, person), experience=instance, **form.cleaned_data)
        messages.success(request, gettext("The work experience was saved."))
        return redirect(_next_url(request, reverse("applicant:profile")))
    return render(request, "applicant/profile_form.html", {
        "form": form, "title": _("Change the work experience") if instance else _("Add work experience"),
        "next": _next_url(request, reverse("applicant:profile")),
    })


@applicant_required
@GET_OR_POST
def qualification_remove(request, pk):
    item = selectors.qualification_get(viewer=request.user, pk=pk)
    if request.method == "POST":
        services.qualification_delete(qualification=item)
        messages.success(request, gettext("The qualification was removed."))
        return redirect(_next_url(request, reverse("applicant:profile")))
    return render(request, "applicant/confirm_remove.html", {
        "item": item, "title": _("Remove this qualification?"),
        "next": _next_url(request, reverse("applicant:profile")),
    })


@applicant_required
@GET_OR_POST
def experience_remove(request, pk):
    item = selectors.work_experience_get(viewer=request.user, pk=pk)
    if request.method == "POST":
        services.work_experience_delete(experience=item)
        messages.success(request, gettext("The work experience was removed."))
        return redirect(_next_url(request, reverse("applicant:profile")))
    return render(request, "applicant/confirm_remove.html", {
        "item": item, "title": _("Remove this work experience?"),
        "next": _next_url(request, reverse("applicant:profile")),
    })


PREFILL_LABELS = {
    "surname": _("Surname"), "given_names": _("Given names"), "birth_date": _("Date of birth"), "sex": _("Sex"),
    "nationality": _("Nationality"), "passport_number": _("Passport number"),
    "passport_issuing_state": _("Issuing state"), "passport_expiry": _("Passport valid until"),
}


@applicant_required
@GET_OR_POST
def passport_prefill(request, public_id):
    """"Prefill my profile from my passport": shows what would change, changes it on confirmation."""
    document = document_selectors.document_get_own(viewer=request.user, public_id=public_id)
    if document.document_type != DocumentType.PASSPORT:
        raise Http404
    person = _person(request)
    values = services.passport_prefill_values(document.extracted or {})
    if not values:
        messages.error(request, gettext("No data could be read from this passport. Please enter it yourself."))
        return redirect("applicant:profile")
    if request.method == "POST":
        changed = services.person_prefill_from_passport(person=_saved(request, person), document=document,
                                                        actor=request.user)
        messages.success(request, ngettext("%(count)d field of your profile was updated from your passport.",
                                           "%(count)d fields of your profile were updated from your passport.",
                                           len(changed)) % {"count": len(changed)})
        return redirect(_next_url(request, reverse("applicant:profile")))
    rows = [{"label": PREFILL_LABELS[name], "current": getattr(person, name) or "", "new": value,
             "changes": getattr(person, name) != value} for name, value in values.items()]
    return render(request, "applicant/passport_prefill.html", {
        "document": document, "rows": rows, "next": _next_url(request, reverse("applicant:profile")),
    })


# --- Document library -------------------------------------------------------------------------

@applicant_required
@GET_OR_POST
def documents(request):
    person = _person(request)
    form = forms.DocumentUploadForm(_post(request), _files(request), max_size_label=_max_size_label())
    upload_errors = []
    if request.method == "POST" and form.is_valid():
        stored, upload_errors = _upload_files(request, person=_saved(request, person),
                                              files=form.cleaned_data["files"],
                                              document_type=form.cleaned_data["document_type"])
        _announce_uploads(request, stored)
        if not upload_errors:
            return redirect("applicant:documents")
        form.add_error("files", upload_errors)
    items = document_selectors.documents_for_display(document_selectors.document_list(viewer=request.user))
    return render(request, "applicant/documents.html", {
        "form": form, "error_forms": [form], "documents": items, "person": person,
        "passport_source": document_selectors.passport_prefill_source(viewer=request.user),
    })


@applicant_required
@GET_OR_POST
def document_replace(request, public_id):
    document = document_selectors.document_get_own(viewer=request.user, public_id=public_id)
    back = _next_url(request, reverse("applicant:documents"))
    if not document_selectors.document_is_changeable(document):
        messages.error(request, document_services.DocumentLocked().messages[0])
        return redirect(back)
    form = forms.DocumentReplaceForm(_post(request), _files(request))
    if request.method == "POST" and form.is_valid():
        try:
            document_services.document_replace(document=document, file=form.cleaned_data["file"], actor=request.user)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            messages.success(request, gettext("The document was replaced. The new file is being checked now."))
            return redirect(back)
    return render(request, "applicant/document_replace.html", {"form": form, "error_forms": [form],
                                                                "document": document, "next": back,
                                                                "max_size": _max_size_label()})


@applicant_required
@GET_OR_POST
def document_delete(request, public_id):
    document = document_selectors.document_get_own(viewer=request.user, public_id=public_id)
    back = _next_url(request, reverse("applicant:documents"))
    if not document_selectors.document_is_changeable(document):
        messages.error(request, document_services.DocumentLocked().messages[0])
        return redirect(back)
    if request.method == "POST":
        document_services.document_delete(document=document, actor=request.user)
        messages.success(request, gettext("The document “%(name)s” was deleted.") % {"name": document.original_name})
        return redirect(back)
    return render(request, "applicant/document_delete.html", {"document": document, "next": back})


# --- The application wizard -------------------------------------------------------------------

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
    try:
        from ..finder import ANSWERS_SESSION_KEY
    except ImportError:  # pragma: no cover - the title finder is built alongside
        ANSWERS_SESSION_KEY = "title_finder_answers"
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
    case = selectors.applicant_case_get(viewer=request.user, public_id=public_id)
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
    drafts = selectors.applicant_case_list(viewer=request.user).filter(state=CaseState.DRAFT)
    chosen = rules.title(prefill["title_code"]) if "title_code" in prefill else None
    return render(request, "applicant/apply_start.html", {"drafts": drafts, "chosen": chosen,
                                                          "step_total": len(STEPS)})


@applicant_required
@GET_OR_POST
def apply_new(request):
    """Step 1 for a new application; the draft case is created when this step is saved."""
    person = _person(request)
    prefill = _prefill(request)
    initial = {"title_code": prefill.get("title_code"),
               "procedure_language": "en" if get_language() != "de" else "de"}
    form = forms.TitleForm(_post(request), initial=initial, has_employer=False)
    if request.method == "POST" and form.is_valid():
        case = services.case_create(
            person=_saved(request, person), actor=request.user, title_code=form.cleaned_data["title_code"],
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
    missing = selectors.application_missing(viewer=request.user, case=case)
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
    form = forms.TitleForm(_post(request), initial=initial, has_employer=case.employer_id is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.case_draft_update(case=case, actor=request.user, title_code=data["title_code"],
                                   procedure_language=data["procedure_language"],
                                   accelerated=bool(data.get("accelerated")))
        return _after_step(request, case, "title")
    return render(request, "applicant/apply_title.html", _wizard_context(case, "title", form=form))


def _step_personal(request, case):
    person = case.person
    personal = forms.PersonalForm(_post(request), instance=person, for_application=True, prefix="p")
    contact = forms.ContactForm(_post(request), instance=person, for_application=True, prefix="c")
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
    form = forms.QualificationForm(_post(request), initial=initial)
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
    form = forms.LanguagesForm(_post(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        services.language_skills_set(person=person, levels=form.levels())
        return _after_step(request, case, "languages")
    return render(request, "applicant/apply_form.html", _wizard_context(
        case, "languages", form=form, heading=_("Which languages do you speak?"),
        intro=_("Your language levels count for some residence titles (for example the Opportunity Card)."),
    ))


def _step_employment(request, case):
    employment = getattr(case, "employment", None) if selectors.case_has_employment(case=case) else None
    required = selectors.title_needs_job_offer(case.title_code, case.accelerated)
    initial = {}
    if employment is None:
        prefill = _prefill(request)
        initial = {k: prefill[k] for k in ("annual_gross_salary", "occupation_isco", "weekly_hours", "start_date",
                                           "duration_months", "collective_agreement") if k in prefill}
    form = forms.EmploymentForm(_post(request), instance=employment, initial=initial, required=required)
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
        codes = {row["code"] for row in selectors.case_checklist(viewer=request.user, case=case)}
        if action == "upload" and requirement in codes:
            files = request.FILES.getlist("files")
            if not files:
                upload_errors[requirement] = [gettext("Please choose a file to upload.")]
            else:
                stored, errors = _upload_files(request, person=person, files=files, case=case,
                                               requirement=requirement)
                _announce_uploads(request, stored)
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
            missing = selectors.application_missing(viewer=request.user, case=case).get("documents", [])
            if not missing or "save_exit" in request.POST:
                return _after_step(request, case, "documents")
            continue_errors = missing
    checklist = selectors.case_checklist(viewer=request.user, case=case)
    library = [d for d in document_selectors.document_list(viewer=request.user).filter(case__isnull=True)
               if d.state != "rejected"]
    for row in checklist:
        row["errors"] = upload_errors.get(row["code"], [])
    return render(request, "applicant/apply_documents.html", _wizard_context(
        case, "documents", checklist=checklist, library=library, continue_errors=continue_errors,
        has_upload_errors=bool(upload_errors), max_size=_max_size_label(),
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
        "employment": case.employment if selectors.case_has_employment(case=case) else None,
    }


def _step_check(request, case):
    form = forms.DeclarationForm(_post(request))
    checklist = selectors.case_checklist(viewer=request.user, case=case)
    missing = selectors.application_missing(viewer=request.user, case=case, checklist=checklist)
    if request.method == "POST" and form.is_valid():
        if missing:
            form.add_error(None, gettext("Your application is not complete yet. Please add what is missing below."))
        else:
            try:
                services.case_transition(case=case, transition="submit", actor=request.user)
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
    case = selectors.applicant_case_get(viewer=request.user, public_id=public_id)
    if case.state == CaseState.DRAFT:
        return redirect("applicant:apply_resume", public_id=case.public_id)
    return render(request, "applicant/apply_done.html", {"case": case})


@applicant_required
@require_safe
def case_receipt(request, public_id):
    """A printable acknowledgement of receipt: what was submitted when, with the documents' hashes."""
    case = selectors.applicant_case_get(viewer=request.user, public_id=public_id)
    if not case.submitted_at:
        raise Http404
    return render(request, "applicant/receipt.html", {
        "case": case, **_answers_summary(case),
        "documents": document_selectors.document_list(viewer=request.user, case=case).order_by("created_at"),
    })


# --- Case status ------------------------------------------------------------------------------

def _status_context(request, case) -> dict:
    document_request = selectors.applicant_document_request(viewer=request.user, case=case)
    actions = []
    if case.state == CaseState.DRAFT:
        actions.append({"text": _("Complete and submit your application."),
                        "url": reverse("applicant:apply_resume", args=[case.public_id]),
                        "label": _("Continue your application")})
    if document_request is not None:
        actions.append({"text": _("Your case team needs documents from you."), "url": "#provide",
                        "label": _("Send documents")})
    actions += _appointment_actions(request, case)
    if case.state == CaseState.VISA_GRANTED:
        actions.append({"text": _("Your visa was granted. When you have entered Germany, tell us your date of "
                                  "entry and your address here."),
                        "url": reverse("applicant:case_entry", args=[case.public_id]),
                        "label": _("Report your entry")})
    return {
        "case": case,
        "events": selectors.case_timeline(viewer=request.user, case=case).order_by("-created_at", "-pk")
        .select_related(None),  # the timeline's sentences do not name the actor
        "authority_steps": selectors.applicant_authority_steps(viewer=request.user, case=case),
        "document_request": document_request,
        "actions": actions,
        "title": _title_or_none(case.title_code),
    }


def _appointment_actions(request, case) -> list[dict]:
    """The in-person appointment at the visa office: book it, or the booked one (change or cancel)."""
    from authorities import selectors as authority_selectors

    appointment = authority_selectors.applicant_appointment(viewer=request.user, case=case)
    if appointment is None:
        return []
    url = reverse("applicant:case_appointment", args=[case.public_id])
    booking = appointment["booking"]
    if booking is None:
        return [{"text": _("The visa office needs to see you in person (fingerprints, identity check, fee)."),
                 "url": url, "label": _("Book your appointment")}]
    text = gettext("Your appointment at %(office)s: %(when)s. Please bring your passport.") % {
        "office": booking.slot.authority.name,
        "when": formats.date_format(localtime(booking.slot.starts_at), "DATETIME_FORMAT")}
    if appointment["changeable"]:
        return [{"text": text, "url": url, "label": _("Change or cancel your appointment")}]
    return [{"text": text}]


def _title_or_none(code):
    try:
        return rules.title(code)
    except rules.UnknownTitle:
        return None


def _etag(case_public_id, version) -> str:
    return f'"{case_public_id}-v{version}-{get_language()}"'


# The status fragment is a function of the case's data, which Case.version counts, and of the
# language: rendered once per version and language, then served from the cache (Redis in
# production) to every poll and page view until the case changes. Same freshness as the ETag.
STATUS_FRAGMENT_CACHE_SECONDS = 600


def _status_key(public_id, version, announce: bool) -> str:
    return f"wsa:case-status:{public_id}:{version}:{get_language()}:{int(announce)}"


def _status_fragment(request, case, *, announce: bool) -> str:
    key = _status_key(case.public_id, case.version, announce)
    html = cache.get(key)
    if html is None:
        context = _status_context(request, case)
        context.update(announce=announce, etag=_etag(case.public_id, case.version))
        html = render_to_string("applicant/partials/case_status.html", context)
        cache.set(key, html, STATUS_FRAGMENT_CACHE_SECONDS)
    return html


@applicant_required
@require_safe
def case_detail(request, public_id):
    case = selectors.applicant_case_get(viewer=request.user, public_id=public_id)
    document_request = selectors.applicant_document_request(viewer=request.user, case=case)
    return render(request, "applicant/case_detail.html", {
        "case": case, "title": _title_or_none(case.title_code), "document_request": document_request,
        "status_html": _status_fragment(request, case, announce=False), "etag": _etag(case.public_id, case.version),
        "provide_form": forms.ProvideDocumentForm() if document_request else None,
    })


@require_safe
def case_status(request, public_id):
    """The live part of the status page, polled every 5 s. Answers 304 while Case.version is
    unchanged: from the cache alone when it shows that this session's user owns the case at that
    version (status_poll), else after one cheap query that does not load the case."""
    version = status_poll.cached_version(request, public_id)
    if version is None or _etag(public_id, version) not in parse_etags(request.headers.get("If-None-Match", "")):
        return _case_status_checked(request, public_id)
    return _status_headers(HttpResponseNotModified(), _etag(public_id, version))


@applicant_required
def _case_status_checked(request, public_id):
    version = selectors.case_version(viewer=request.user, public_id=public_id)
    if version is None:
        raise Http404
    status_poll.remember(user=request.user, public_id=public_id, version=version,
                         current_version=lambda: selectors.case_version(viewer=request.user, public_id=public_id))
    etag = _etag(public_id, version)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return _status_headers(HttpResponseNotModified(), etag)
    html = cache.get(_status_key(public_id, version, True))
    if html is None:  # this version was not rendered yet: load the case and render it once
        case = selectors.applicant_case_get(viewer=request.user, public_id=public_id)
        etag = _etag(case.public_id, case.version)
        html = _status_fragment(request, case, announce=True)
    return _status_headers(HttpResponse(html), etag)


def _status_headers(response, etag: str):
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie", "Accept-Language", "HX-Request"])
    return response


@applicant_required
@require_POST
def case_provide_documents(request, public_id):
    """Answer a request for documents with one upload: the case goes back to the completeness check."""
    case = selectors.applicant_case_get(viewer=request.user, public_id=public_id)
    form = forms.ProvideDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.case_documents_provide(
                case=case, actor=request.user, file=form.cleaned_data["file"],
                document_type=form.cleaned_data["document_type"], note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        except IllegalTransition:
            messages.error(request, gettext("Your case is not waiting for documents any more. If you want to send "
                                            "something, please write a message to your case team."))
            return redirect("applicant:case_detail", public_id=case.public_id)
        else:
            messages.success(request, gettext("Thank you. Your document was sent to your case team."))
            return redirect("applicant:case_detail", public_id=case.public_id)
    context = _status_context(request, case)
    context.update(provide_form=form, provide_error_forms=[form], etag=_etag(case.public_id, case.version))
    return render(request, "applicant/case_detail.html", context)


@applicant_required
@GET_OR_POST
def case_messages(request, public_id):
    case = selectors.applicant_case_get(viewer=request.user, public_id=public_id)
    form = forms.MessageForm(_post(request))
    if request.method == "POST" and form.is_valid():
        services.message_post(case=case, author=request.user, body=form.cleaned_data["body"])
        messages.success(request, gettext("Your message was sent."))
        return redirect(reverse("applicant:case_messages", args=[case.public_id]) + "#latest")
    return render(request, "applicant/case_messages.html", {
        "case": case, "form": form,
        "thread": selectors.case_public_messages(viewer=request.user, case=case),
    })


@applicant_required
@GET_OR_POST
def case_entry(request, public_id):
    """ "I have entered Germany": date and German address, after the visa was granted."""
    case = selectors.applicant_case_get(viewer=request.user, public_id=public_id)
    if case.state != CaseState.VISA_GRANTED:
        messages.info(request, gettext("You can report your entry once your visa has been granted."))
        return redirect("applicant:case_detail", public_id=case.public_id)
    person = case.person
    initial = {"street": person.street, "postal_code": person.postal_code, "city": person.city} \
        if person.country_of_residence == "DEU" else {}
    form = forms.EntryReportForm(_post(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.case_report_entry(case=case, actor=request.user, **form.cleaned_data)
        except IllegalTransition as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("Welcome to Germany! Your entry and address were recorded."))
        return redirect("applicant:case_detail", public_id=case.public_id)
    return render(request, "applicant/case_entry.html", {"case": case, "form": form})


@applicant_required
@require_safe
def case_decisions(request, public_id):
    case = selectors.applicant_case_get(viewer=request.user, public_id=public_id)
    return render(request, "applicant/case_decisions.html", {
        "case": case, "decisions": selectors.case_issued_decisions(viewer=request.user, case=case),
    })


@applicant_required
@require_safe
def decision_download(request, public_id):
    decision = selectors.decision_get(viewer=request.user, public_id=public_id)
    if not decision.pdf:
        raise Http404
    try:
        handle = decision.pdf.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    filename = f"{decision.case.reference}-{decision.get_kind_display()}-{decision.issued_at:%Y-%m-%d}.pdf" \
        if decision.issued_at else f"{decision.case.reference}.pdf"
    return attachment_response(handle, filename=filename, content_type="application/pdf")


@applicant_required
@GET_OR_POST
def case_withdraw(request, public_id):
    case = selectors.applicant_case_get(viewer=request.user, public_id=public_id)
    if not case.is_open:
        messages.info(request, gettext("This application can no longer be withdrawn."))
        return redirect("applicant:case_detail", public_id=case.public_id)
    form = forms.WithdrawForm(_post(request))
    if request.method == "POST" and form.is_valid():
        payload = {"reason": form.cleaned_data["reason"].strip()} if form.cleaned_data["reason"].strip() else {}
        try:
            services.case_transition(case=case, transition="withdraw", actor=request.user, payload=payload)
        except IllegalTransition as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, gettext("Your application %(reference)s was withdrawn.")
                             % {"reference": case.reference})
        return redirect("applicant:case_detail", public_id=case.public_id)
    return render(request, "applicant/case_withdraw.html", {"case": case, "form": form})


# --- Own data ---------------------------------------------------------------------------------

@applicant_required
@require_safe
def my_data(request):
    return render(request, "applicant/my_data.html", {
        "cases": selectors.applicant_case_list(viewer=request.user),
    })


@applicant_required
@require_safe
def data_export(request):
    """All own data as a ZIP (GDPR Art. 15): data.json plus every document and decision PDF. Asks for the
    password again first (someone at an unlocked computer must not carry everything away)."""
    require_reauthentication(request)
    archive = selectors.applicant_data_export_zip(viewer=request.user)
    return attachment_response(archive, filename=f"wsa-my-data-{request.user.public_id}.zip",
                               content_type="application/zip")


@applicant_required
@GET_OR_POST
def account_delete(request):
    """Deletes the account (GDPR Art. 17, services.account_delete): the page says what goes and what is
    kept until when; the deletion needs the confirmation and then the password again (the suspended POST
    is carried out after the prompt). While a case is under way the answer is a refusal, never a prompt."""
    overview = selectors.account_deletion_overview(viewer=request.user)
    form = forms.AccountDeleteForm(_post(request))
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
