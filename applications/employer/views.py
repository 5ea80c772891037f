"""The employer portal (/employer/) and the invitation pages of colleagues and candidates (/invitation/).

Employers register their company, invite colleagues, start cases for candidates (one by one or from a
CSV file), follow every case of the organisation on the dashboard, choose the accelerated procedure,
write to the case team and manage HR API tokens and webhooks. What they see of a case follows the
candidate's consent (see applications/employer/selectors.py). Reads go through
selectors, writes through services; a case of another organisation is a 404.
"""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.decorators import applicant_required, employer_required, require_reauthentication
from accounts.models import ConsentScope, Role
from documents.views import attachment_response
from wsa.http import GET_OR_POST

from .. import rules, services
from ..lifecycle import CaseState, IllegalTransition
from ..payments.selectors import EMPLOYER_KINDS, case_fees, fees_view
from ..selectors.applicant import applicant_case_get
from ..selectors.eligibility import case_eligibility
from ..views import organisation_members
from ..views.organisation_choice import organisation_chosen
from . import forms
from . import services as employer_services
from .selectors import (
    EMPLOYER_EXPORT_HEADER,
    EMPLOYER_PAGE_SIZE,
    EmployerCaseFilters,
    case_accelerated_documents,
    case_authority_deadlines,
    case_consent_scope,
    case_invitation_status,
    case_needs,
    employer_case_candidate,
    employer_case_document_get,
    employer_case_documents,
    employer_case_family,
    employer_case_get,
    employer_case_messages,
    employer_case_timeline,
    employer_cases,
    employer_export_rows,
    has_related,
    latest_invitation,
)

ORGANISATION_SESSION_KEY = "wsa_employer_organisation"


# --- helpers ----------------------------------------------------------------------------------

def _organisation(request):
    """The organisation the employer works for now: the one chosen in the session, or their first."""
    return organisation_chosen(request, session_key=ORGANISATION_SESSION_KEY,
                               organisations=account_selectors.employer_organisations_for_user(user=request.user))


def _role(request, organisation) -> str | None:
    return account_selectors.employer_role(user=request.user, organisation=organisation)


def _require_owner(request, organisation) -> None:
    if _role(request, organisation) != Role.EMPLOYER_OWNER:
        raise PermissionDenied(gettext("Only an owner of the organisation can do this."))


def _context(request, organisation, **extra) -> dict:
    return {
        "organisation": organisation,
        "organisations": account_selectors.employer_organisations_for_user(user=request.user),
        "is_owner": _role(request, organisation) == Role.EMPLOYER_OWNER,
        **extra,
    }


def _case(request, public_id):
    return employer_case_get(viewer=request.user, public_id=public_id)


def _error(request, exc) -> None:
    messages.error(request, str(exc))


def _filters(request) -> tuple[forms.DashboardFilterForm, EmployerCaseFilters]:
    form = forms.DashboardFilterForm(data=request.GET or None)
    filters = EmployerCaseFilters()
    if form.is_bound and form.is_valid():
        filters = EmployerCaseFilters(state=form.cleaned_data["state"], title=form.cleaned_data["title"],
                                                q=form.cleaned_data["q"])
    return form, filters


# --- Dashboard --------------------------------------------------------------------------------

@employer_required
@require_safe
def home(request):
    organisation = _organisation(request)
    form, filters = _filters(request)
    cases = employer_cases(organisations=[organisation], filters=filters)
    page = Paginator(cases, EMPLOYER_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"case": case, "needs": case_needs(case=case),
             "candidate": employer_case_candidate(case=case),
             "invitation": case_invitation_status(case=case)} for case in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "employer/home.html", _context(
        request, organisation, form=form, page=page, rows=rows, query=query.urlencode()))


class _Echo:
    """A file for csv.writer that hands each written line back instead of keeping it."""

    def write(self, value):
        return value


def _csv_stream(header, rows, *, lines_per_chunk: int = 500):
    """The CSV file (UTF-8 with a BOM for spreadsheets) in chunks of lines: never the whole file in memory."""
    writer = csv.writer(_Echo())
    chunk = ["\ufeff" + writer.writerow(header)]
    for row in rows:
        chunk.append(writer.writerow(row))
        if len(chunk) >= lines_per_chunk:
            yield "".join(chunk).encode()
            chunk = []
    yield "".join(chunk).encode()


@employer_required
@require_safe
def export_csv(request):
    organisation = _organisation(request)
    _form, filters = _filters(request)
    cases = employer_cases(organisations=[organisation], filters=filters)
    response = StreamingHttpResponse(_csv_stream(EMPLOYER_EXPORT_HEADER,
                                                 employer_export_rows(cases=cases)),
                                     content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="wsa-cases-{timezone.localdate().isoformat()}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


@employer_required
@require_POST
def switch_organisation(request):
    organisation = account_selectors.employer_organisation_get(user=request.user,
                                                               public_id=request.POST.get("organisation"))
    if organisation is None:
        raise Http404
    request.session[ORGANISATION_SESSION_KEY] = str(organisation.public_id)
    return redirect("employer:home")


# --- Organisation -----------------------------------------------------------------------------

@login_required
@GET_OR_POST
def register(request):
    form = forms.OrganisationRegisterForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = account_services.organisation_register(user=request.user, **form.organisation_fields())
        except account_services.EmployerError as exc:
            form.add_error("ba_company_number", str(exc))
        else:
            request.session[ORGANISATION_SESSION_KEY] = str(organisation.public_id)
            messages.success(request, gettext("Your organisation is registered. The WSA now checks its commercial "
                                              "register entry; once that is done you can start cases and invite "
                                              "colleagues."))
            return redirect("employer:home")
    return render(request, "employer/register.html", {"form": form})


@employer_required
@require_safe
def organisation(request):
    organisation = _organisation(request)
    return render(request, "employer/organisation.html", _context(
        request, organisation, members=account_selectors.organisation_members(organisation=organisation),
        invitations=account_selectors.member_invitation_list(organisation=organisation),
        invite_form=forms.MemberInviteForm()))


@employer_required
@require_POST
def member_invite(request):
    organisation = _organisation(request)
    _require_owner(request, organisation)
    form = forms.MemberInviteForm(data=request.POST)
    return organisation_members.invite(request, organisation, form, page="employer:organisation") or render(
        request, "employer/organisation.html", _context(
            request, organisation, members=account_selectors.organisation_members(organisation=organisation),
            invitations=account_selectors.member_invitation_list(organisation=organisation), invite_form=form),
        status=400)


@employer_required
@require_POST
def member_remove(request, user_public_id):
    organisation = _organisation(request)
    _require_owner(request, organisation)
    return organisation_members.remove(request, organisation, user_public_id, page="employer:organisation")


@employer_required
@require_POST
def member_invitation_revoke(request, public_id):
    organisation = _organisation(request)
    _require_owner(request, organisation)
    return organisation_members.withdraw_invitation(request, organisation, public_id, page="employer:organisation")


# --- Cases ------------------------------------------------------------------------------------

@employer_required
@GET_OR_POST
def case_new(request):
    organisation = _organisation(request)
    form = forms.CaseStartForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case, invitation = employer_services.employer_case_start(organisation=organisation, actor=request.user,
                                                            **form.start_kwargs())
        except account_services.EmployerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("The case %(reference)s was started and the invitation was sent to "
                                              "%(email)s.") % {"reference": case.reference, "email": invitation.email})
            return redirect("employer:case_detail", case.public_id)
    return render(request, "employer/case_new.html", _context(request, organisation, form=form),
                  status=400 if form.is_bound and form.errors else 200)


def _accelerated_info(case) -> dict:
    """Fee and legal deadlines of the § 81a procedure from the rules engine, for the case's title."""
    code = case.title_code if case.title_code in rules.TITLE_CODES else "18a"
    entry = rules.title(code)
    if not entry.accelerated_allowed:
        return {"allowed": False, "title": entry}
    fee = next((f for f in rules.fees(code, accelerated=True) if f.code == "accelerated_procedure"), None)
    steps = rules.authority_steps(code, accelerated=True, recognition=True,
                                  reduced_threshold=rules.ba_approval_needed(code))
    return {"allowed": True, "title": entry, "title_assumed": code != case.title_code, "fee": fee, "steps": steps}


@employer_required
@require_safe
def case_detail(request, public_id):
    return _render_case_detail(request, _case(request, public_id))


def _render_case_detail(request, case, *, message_form=None, invite_form=None, status=200):
    scope = case_consent_scope(case=case)
    full = scope == ConsentScope.FULL
    if invite_form is None:
        last = latest_invitation(case)  # the address the employer typed; shown so that a typo can be seen
        invite_form = forms.CandidateInviteAgainForm(prefix="invite", initial={"email": last.email if last else ""})
    return render(request, "employer/case_detail.html", _context(
        request, case.employer, case=case, scope=scope, full=full,
        needs=case_needs(case=case),
        candidate=employer_case_candidate(case=case),
        invitation=case_invitation_status(case=case),
        employment=case.employment if has_related(case, "employment") else None,
        details=case.employer_details if has_related(case, "employer_details") else None,
        deadlines=case_authority_deadlines(case=case),
        timeline=employer_case_timeline(case=case).order_by("-created_at", "-pk"),
        case_messages=employer_case_messages(viewer=request.user, case=case),
        documents=employer_case_documents(case=case),
        accelerated_documents=case_accelerated_documents(case=case) if case.accelerated else None,
        family=employer_case_family(case=case),
        eligibility=case_eligibility(case=case) if full else None,
        message_form=message_form or forms.MessageForm(), invite_form=invite_form,
    ), status=status)


@employer_required
@GET_OR_POST
def case_employment(request, public_id):
    case = _case(request, public_id)
    if case.state != CaseState.DRAFT:
        messages.error(request, gettext("The employment declaration can only be changed while the case is a draft."))
        return redirect("employer:case_detail", case.public_id)
    initial = {}
    if has_related(case, "employment"):
        initial.update({name: getattr(case.employment, name) for name in forms.EmploymentForm.EMPLOYMENT_FIELDS})
    if has_related(case, "employer_details"):
        initial.update({name: getattr(case.employer_details, name) for name in forms.EmploymentForm.DETAIL_FIELDS})
    form = forms.EmploymentForm(data=request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            employer_services.employer_employment_update(case=case, actor=request.user, employment=form.employment(),
                                                details=form.details())
        except services.CaseNotEditable as exc:
            _error(request, exc)
        else:
            messages.success(request, gettext("The employment declaration was saved."))
        return redirect("employer:case_detail", case.public_id)
    return render(request, "employer/case_employment.html", _context(request, case.employer, case=case, form=form))


@employer_required
@GET_OR_POST
def case_accelerated(request, public_id):
    case = _case(request, public_id)
    choose_form = forms.AcceleratedForm(initial={"accelerated": case.accelerated})
    upload_form = forms.AcceleratedUploadForm()
    status = 200
    if request.method == "POST" and request.POST.get("action") == "choose":
        choose_form = forms.AcceleratedForm(data=request.POST)
        if choose_form.is_valid():
            try:
                employer_services.employer_case_accelerated_set(case=case, actor=request.user,
                                                       accelerated=choose_form.cleaned_data["accelerated"])
            except (account_services.EmployerError, services.CaseNotEditable) as exc:
                _error(request, exc)
            else:
                messages.success(request, gettext("The accelerated procedure was chosen.") if case.accelerated
                                 else gettext("The case continues in the regular procedure."))
            return redirect("employer:case_accelerated", case.public_id)
    elif request.method == "POST":
        upload_form = forms.AcceleratedUploadForm(data=request.POST, files=request.FILES)
        if upload_form.is_valid():
            try:
                document = employer_services.employer_accelerated_document_upload(
                    case=case, actor=request.user, file=upload_form.cleaned_data["file"],
                    requirement=upload_form.cleaned_data["requirement"])
            except ValidationError as exc:
                upload_form.add_error("file", " ".join(exc.messages))
            except (account_services.EmployerError, services.CaseNotEditable) as exc:
                upload_form.add_error(None, str(exc))
            else:
                messages.success(request, gettext("“%(name)s” was uploaded.") % {"name": document.original_name})
                return redirect("employer:case_accelerated", case.public_id)
        status = 400
    return render(request, "employer/case_accelerated.html", _context(
        request, case.employer, case=case, info=_accelerated_info(case), choose_form=choose_form,
        upload_form=upload_form, documents=case_accelerated_documents(case=case),
        fees=fees_view(fees=case_fees(case=case, kinds=EMPLOYER_KINDS))), status=status)


@employer_required
@require_POST
def case_message(request, public_id):
    case = _case(request, public_id)
    form = forms.MessageForm(data=request.POST)
    if not form.is_valid():  # the page again, with the form's own error and the text kept
        return _render_case_detail(request, case, message_form=form, status=400)
    employer_services.employer_message_post(case=case, actor=request.user, body=form.cleaned_data["body"])
    messages.success(request, gettext("Your message was sent to the case team."))
    return redirect(reverse("employer:case_detail", args=[case.public_id]) + "#messages")


@employer_required
@require_POST
def case_invite_again(request, public_id):
    case = _case(request, public_id)
    form = forms.CandidateInviteAgainForm(data=request.POST, prefix="invite")
    corrected = "invite-email" in request.POST  # without it (an older page): the previous address
    if corrected and not form.is_valid():
        return _render_case_detail(request, case, invite_form=form, status=400)
    try:
        invitation = employer_services.candidate_invitation_create(
            case=case, actor=request.user, email=form.cleaned_data["email"] if corrected else None)
    except account_services.EmployerError as exc:
        _error(request, exc)
    else:
        messages.success(request, gettext("A new invitation was sent to %(email)s; the previous link no longer "
                                          "works.") % {"email": invitation.email})
    return redirect("employer:case_detail", case.public_id)


@employer_required
@require_safe
def case_document(request, public_id, document_id):
    case = _case(request, public_id)
    document = employer_case_document_get(viewer=request.user, case=case, public_id=document_id)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    return attachment_response(handle, filename=document.original_name, content_type=document.content_type)


# --- Bulk hiring ------------------------------------------------------------------------------

@employer_required
@GET_OR_POST
def bulk(request):
    """All or nothing: every row is checked first; cases are created only when no row has an error,
    so a corrected file can simply be uploaded again without inviting anybody twice."""
    organisation = _organisation(request)
    form = forms.BulkUploadForm(data=request.POST or None, files=request.FILES or None)
    errors, created = [], []
    status = 200
    if request.method == "POST" and form.is_valid():
        max_rows = int(getattr(settings, "WSA_BULK_MAX_ROWS", 500))
        rows, errors = forms.parse_bulk_csv(form.cleaned_data["file"], max_rows=max_rows)
        if not errors:
            try:
                created = employer_services.employer_bulk_start(organisation=organisation, actor=request.user,
                                                       rows=[row.start_kwargs() for row in rows])
            except account_services.EmployerError as exc:
                errors = [forms.RowError(1, "", str(exc))]
        if created:
            messages.success(request, ngettext("%(count)d case was started and its invitation sent.",
                                               "%(count)d cases were started and their invitations sent.",
                                               len(created)) % {"count": len(created)})
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    return render(request, "employer/bulk.html", _context(
        request, organisation, form=form, errors=errors, created=created,
        columns=[(name, forms.BULK_COLUMN_HELP[name], name in forms.BULK_REQUIRED_COLUMNS)
                 for name in forms.BULK_COLUMNS], max_rows=getattr(settings, "WSA_BULK_MAX_ROWS", 500)),
        status=status)


@employer_required
@require_safe
def bulk_template(request):
    response = HttpResponse("\ufeff" + forms.bulk_template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="wsa-candidates-template.csv"'
    return response


# --- HR API: tokens and webhooks --------------------------------------------------------------

@employer_required
@never_cache
@GET_OR_POST
def tokens(request):
    organisation = _organisation(request)
    _require_owner(request, organisation)
    if request.method == "POST":
        require_reauthentication(request)
    form = forms.ApiTokenForm(data=request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = account_services.api_token_create(
                organisation=organisation, actor=request.user, name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"], expires_at=form.expires_at())
        except account_services.EmployerError as exc:
            form.add_error("scopes", str(exc))
        else:
            created = {"token": token, "raw": raw}
            form = forms.ApiTokenForm()
    return render(request, "employer/tokens.html", _context(
        request, organisation, form=form, created=created,
        tokens=account_selectors.api_token_list(organisation=organisation)),
        status=400 if form.is_bound and form.errors else 200)


@employer_required
@require_POST
def token_revoke(request, public_id):
    organisation = _organisation(request)
    _require_owner(request, organisation)
    token = account_selectors.api_token_get(organisation=organisation, public_id=public_id)
    if token is None:
        raise Http404
    account_services.api_token_revoke(token=token, actor=request.user)
    messages.success(request, gettext("The token “%(name)s” was revoked. It no longer works.") % {"name": token.name})
    return redirect("employer:tokens")


@employer_required
@never_cache
@GET_OR_POST
def webhooks(request):
    organisation = _organisation(request)
    _require_owner(request, organisation)
    if request.method == "POST":
        require_reauthentication(request)
    form = forms.WebhookForm(data=request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = account_services.webhook_endpoint_create(
                organisation=organisation, actor=request.user, url=form.cleaned_data["url"],
                description=form.cleaned_data["description"])
        except account_services.EmployerError as exc:
            form.add_error("url", str(exc))
        else:
            created = {"endpoint": endpoint, "secret": secret}
            form = forms.WebhookForm()
    endpoints = [{"endpoint": e, "deliveries": list(account_selectors.webhook_delivery_list(endpoint=e)[:10])}
                 for e in account_selectors.webhook_endpoint_list(organisation=organisation)]
    return render(request, "employer/webhooks.html", _context(
        request, organisation, form=form, created=created, endpoints=endpoints),
        status=400 if form.is_bound and form.errors else 200)


@employer_required
@require_POST
def webhook_disable(request, public_id):
    organisation = _organisation(request)
    _require_owner(request, organisation)
    endpoint = account_selectors.webhook_endpoint_get(organisation=organisation, public_id=public_id)
    if endpoint is None:
        raise Http404
    account_services.webhook_endpoint_disable(endpoint=endpoint, actor=request.user)
    messages.success(request, gettext("The webhook was removed; nothing more is sent to it."))
    return redirect("employer:webhooks")


# --- Invitations: colleagues and candidates (/invitation/) ------------------------------------

INVITATION_ERROR_STATUS = {"invalid": 400, "expired": 410, "used": 410, "revoked": 410, "wrong_email": 403,
                           "unverified": 403}


def _invitation_error(request, exc: account_services.InvitationError):
    return render(request, "employer/invitation_error.html", {"error": exc},
                  status=INVITATION_ERROR_STATUS.get(exc.code, 400))


def _sign_in_page(request, invitation, *, kind: str):
    return render(request, "employer/invitation_sign_in.html", {
        "invitation": invitation, "kind": kind, "next": request.get_full_path(),
    })


@never_cache
@GET_OR_POST
def member_invitation(request, token):
    try:
        invitation = account_services.invitation_from_token(token=token, kind="member")
    except account_services.InvitationError as exc:
        return _invitation_error(request, exc)
    if not request.user.is_authenticated:
        return _sign_in_page(request, invitation, kind="member")
    try:
        account_services.invitation_check_user(invitation=invitation, user=request.user)
    except account_services.InvitationError as exc:
        return _invitation_error(request, exc)
    if request.method == "POST":
        try:
            account_services.member_invitation_accept(token=token, user=request.user)
        except account_services.InvitationError as exc:
            return _invitation_error(request, exc)
        messages.success(request, gettext("Welcome to %(organisation)s.") % {"organisation": invitation.organisation})
        if invitation.organisation.is_representative:
            return redirect("representative:home")
        request.session[ORGANISATION_SESSION_KEY] = str(invitation.organisation.public_id)
        return redirect("employer:home")
    return render(request, "employer/invitation_member.html", {"invitation": invitation})


@never_cache
@GET_OR_POST
def candidate_invitation(request, token):
    try:
        invitation = account_services.invitation_from_token(token=token, kind="candidate")
    except account_services.InvitationError as exc:
        return _invitation_error(request, exc)
    if not request.user.is_authenticated:
        return _sign_in_page(request, invitation, kind="candidate")
    try:
        account_services.invitation_check_user(invitation=invitation, user=request.user)
    except account_services.InvitationError as exc:
        return _invitation_error(request, exc)
    case = invitation.case
    form = forms.ConsentForm(data=request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "decline":
        try:
            employer_services.candidate_invitation_decline(token=token, user=request.user)
        except account_services.InvitationError as exc:
            return _invitation_error(request, exc)
        except IllegalTransition as exc:
            _error(request, exc)
            return redirect("applicant:home")
        messages.success(request, gettext("You declined the invitation. The employer is told that the case was "
                                          "withdrawn."))
        return redirect("applicant:home")
    if request.method == "POST" and form.is_valid():
        try:
            case = employer_services.candidate_invitation_accept(token=token, user=request.user,
                                                        scope=form.cleaned_data["scope"])
        except account_services.InvitationError as exc:
            return _invitation_error(request, exc)
        messages.success(request, gettext("The case %(reference)s is now in your portal. Please complete your "
                                          "application.") % {"reference": case.reference})
        return redirect("applicant:case_detail", case.public_id)
    return render(request, "employer/invitation_candidate.html", {
        "invitation": invitation, "case": case, "form": form,
        "employment": case.employment if has_related(case, "employment") else None,
        "details": case.employer_details if has_related(case, "employer_details") else None,
        "title": rules.title(case.title_code) if case.title_code in rules.TITLE_CODES else None,
    }, status=400 if form.is_bound and form.errors else 200)


@applicant_required
@GET_OR_POST
def case_consent(request, public_id):
    """The candidate's page for one case: what the employer may see, changeable and revocable at any time,
    and the eligibility verdict of the case."""
    case = applicant_case_get(viewer=request.user, public_id=public_id)
    if case.employer_id is None:
        raise Http404
    consent = account_selectors.case_consent_in_force(case=case)
    form = forms.ConsentForm(data=request.POST or None, initial={"scope": consent.scope if consent else "status"})
    if request.method == "POST" and request.POST.get("action") == "revoke":
        services.case_consent_revoke(case=case, actor=request.user)
        messages.success(request, gettext("Your consent was withdrawn. The employer now sees only the status and the "
                                          "next step."))
        return redirect("invitation:consent", case.public_id)
    if request.method == "POST" and form.is_valid():
        services.case_consent_set(case=case, actor=request.user, scope=form.cleaned_data["scope"])
        messages.success(request, gettext("Your choice was saved."))
        return redirect("invitation:consent", case.public_id)
    return render(request, "employer/consent.html", {
        "case": case, "consent": consent, "form": form, "eligibility": case_eligibility(case=case),
    })
