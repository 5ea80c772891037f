"""The representative portal (/representative/): relocation agencies, law firms and welcome centres follow
and act in their clients' cases within a mandate (applications/mandates). Reads through the mandate
selectors (a case without a mandate in force is a 404), writes through the mandate services (an act
the scope does not allow is a 403 and changes nothing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.decorators import representative_required
from accounts.models import Role
from documents.views import attachment_response
from wsa.http import GET_OR_POST

from .. import services
from ..employer.views import INVITATION_ERROR_STATUS, _csv_stream
from ..lifecycle import CaseState, IllegalTransition
from ..mandates import forms
from ..mandates import services as mandate_services
from ..mandates.selectors import (
    REPRESENTATIVE_EXPORT_HEADER,
    REPRESENTATIVE_PAGE_SIZE,
    CaseFilters,
    client_invitation_open_get,
    client_invitations_open,
    client_label,
    representative_case_decisions,
    representative_case_documents,
    representative_case_get,
    representative_case_messages,
    representative_case_timeline,
    representative_cases,
    representative_decision_get,
    representative_export_rows,
    represented_person_ids,
)
from ..mandates.tokens import client_invitation_from_token
from ..selectors.applicant import application_missing
from . import organisation_members
from .organisation_choice import organisation_chosen

ORGANISATION_SESSION_KEY = "wsa_representative_organisation"


def _organisation(request):
    """The organisation the representative works for now: the one chosen in the session, or their first."""
    return organisation_chosen(
        request, session_key=ORGANISATION_SESSION_KEY,
        organisations=account_selectors.representative_organisations_for_user(user=request.user))


def _is_owner(request, organisation) -> bool:
    return Role.REPRESENTATIVE_OWNER in set(request.user.memberships.filter(organisation=organisation)
                                            .values_list("role", flat=True))


def _require_owner(request, organisation) -> None:
    if not _is_owner(request, organisation):
        raise PermissionDenied(gettext("Only an owner of the organisation can do this."))


def _filters(request):
    form = forms.CaseFilterForm(data=request.GET or None)
    if form.is_bound and form.is_valid():
        return form, CaseFilters(state=form.cleaned_data["state"], deadline=form.cleaned_data["deadline"])
    return form, CaseFilters()


# --- Clients' cases ---------------------------------------------------------------------------

@representative_required
@require_safe
def home(request):
    organisation = _organisation(request)
    form, filters = _filters(request)
    page = Paginator(representative_cases(viewer=request.user, filters=filters),
                     REPRESENTATIVE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    # An employer's representative sees the candidate's name only where the employer may (on the case page).
    named = represented_person_ids(viewer=request.user)
    rows = [{"case": case, "client": case.person.full_name if case.person_id in named else ""}
            for case in page.object_list]
    return render(request, "representative/home.html", {
        "organisation": organisation, "form": form, "page": page, "rows": rows, "query": query.urlencode(),
        "invitations": client_invitations_open(representative=organisation),
    })


@representative_required
@require_safe
def export_csv(request):
    _organisation(request)
    _form, filters = _filters(request)
    cases = representative_cases(viewer=request.user, filters=filters)
    response = StreamingHttpResponse(
        _csv_stream(REPRESENTATIVE_EXPORT_HEADER, representative_export_rows(viewer=request.user, cases=cases)),
        content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="wsa-clients-{timezone.localdate().isoformat()}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _render_case(request, represented, *, status=200, **forms_in_error):
    case = represented.case
    documents_requested = case.state == CaseState.DOCUMENTS_REQUESTED
    act = represented.may_act
    applicant_act = act and not represented.for_employer
    return render(request, "representative/case_detail.html", {
        "represented": represented, "case": case, "mandate": represented.mandate,
        "client": client_label(represented=represented),
        "timeline": representative_case_timeline(represented=represented).order_by("-created_at", "-pk"),
        "case_messages": representative_case_messages(viewer=request.user, represented=represented),
        "documents": representative_case_documents(represented=represented),
        "decisions": representative_case_decisions(represented=represented),
        "message_form": forms_in_error.get("message_form") or (forms.MessageForm() if act else None),
        "upload_form": forms_in_error.get("upload_form") or (
            forms.UploadForm() if applicant_act and case.state == CaseState.DRAFT else None),
        "provide_form": forms_in_error.get("provide_form") or (
            forms.ProvideDocumentForm() if applicant_act and documents_requested else None),
        "missing": _missing_for_agency(application_missing(viewer=request.user, case=case))
        if applicant_act and case.state == CaseState.DRAFT else None,
    }, status=status)


def _missing_for_agency(missing: dict[str, list[str]]) -> list[str]:
    """What a draft lacks, said to the agency: the documents it can upload here one by one; the data the
    client enters in their own application, one line per step ("Enter your date of birth" spoke to the
    client, and the agency has no form for it)."""
    by_client = {
        "title": gettext("The residence title: the client chooses it in their own application."),
        "personal": gettext("Personal data: the client completes it in their own application."),
        "qualification": gettext("The qualification: the client enters it in their own application."),
        "employment": gettext("The job offer: the client enters it in their own application."),
    }
    lines = []
    for step, items in missing.items():
        lines.extend(items if step == "documents" else [by_client.get(step, items[0])])
    return lines


@representative_required
@require_safe
def case_detail(request, public_id):
    return _render_case(request, representative_case_get(viewer=request.user, public_id=public_id))


def _acting(request, public_id):
    """The case (404 without a mandate), then the scope (403 for a read-only mandate)."""
    represented = representative_case_get(viewer=request.user, public_id=public_id)
    if not represented.may_act:
        raise PermissionDenied(gettext("Your mandate does not allow you to act in this case."))
    return represented


@representative_required
@require_POST
def case_message(request, public_id):
    represented = _acting(request, public_id)
    form = forms.MessageForm(data=request.POST)
    if not form.is_valid():
        return _render_case(request, represented, message_form=form, status=400)
    mandate_services.representative_message_post(case=represented.case, actor=request.user,
                                                 body=form.cleaned_data["body"])
    messages.success(request, gettext("Your message was sent to the case team."))
    return redirect(reverse("representative:case_detail", args=[public_id]) + "#messages")


@representative_required
@require_POST
def case_upload(request, public_id):
    represented = _acting(request, public_id)
    form = forms.UploadForm(data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            document = mandate_services.representative_document_upload(
                case=represented.case, actor=request.user, file=form.cleaned_data["file"],
                document_type=form.cleaned_data["document_type"])
        except ValidationError as exc:
            form.add_error("file", " ".join(exc.messages))
        except services.CaseNotEditable as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("“%(name)s” was uploaded. It is being checked now.")
                             % {"name": document.original_name})
            return redirect("representative:case_detail", public_id)
    return _render_case(request, represented, upload_form=form, status=400)


@representative_required
@require_POST
def case_provide(request, public_id):
    represented = _acting(request, public_id)
    form = forms.ProvideDocumentForm(data=request.POST, files=request.FILES)
    if form.is_valid():
        try:
            mandate_services.representative_documents_provide(
                case=represented.case, actor=request.user, file=form.cleaned_data["file"],
                document_type=form.cleaned_data["document_type"], note=form.cleaned_data["note"])
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        except IllegalTransition:
            messages.error(request, gettext("The case is not waiting for documents any more."))
            return redirect("representative:case_detail", public_id)
        else:
            messages.success(request, gettext("The document was sent to the case team."))
            return redirect("representative:case_detail", public_id)
    return _render_case(request, represented, provide_form=form, status=400)


@representative_required
@require_POST
def case_submit(request, public_id):
    represented = _acting(request, public_id)
    if represented.for_employer:
        raise PermissionDenied(gettext("Only the applicant's representative can submit the application."))
    if application_missing(viewer=request.user, case=represented.case):
        messages.error(request, gettext("The application is not complete yet; see what is missing below."))
        return redirect("representative:case_detail", public_id)
    try:
        mandate_services.representative_case_submit(case=represented.case, actor=request.user)
    except IllegalTransition as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The application was submitted."))
    return redirect("representative:case_detail", public_id)


@representative_required
@require_safe
def decision_download(request, public_id, decision_id):
    decision = representative_decision_get(viewer=request.user, case_public_id=public_id, public_id=decision_id)
    if not decision.pdf:
        raise Http404
    try:
        handle = decision.pdf.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    return attachment_response(handle, filename=f"{decision.case.reference}-{decision.kind_label}.pdf",
                               content_type="application/pdf")


# --- New clients ------------------------------------------------------------------------------

@representative_required
@GET_OR_POST
def client_new(request):
    organisation = _organisation(request)
    form = forms.ClientStartForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            case, invitation = mandate_services.client_case_start(representative=organisation, actor=request.user,
                                                                  **form.cleaned_data)
        except mandate_services.MandateError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("The case %(reference)s was started and the invitation was sent to "
                                              "%(email)s. You see the case once your client has confirmed the "
                                              "mandate.") % {"reference": case.reference, "email": invitation.email})
            return redirect("representative:home")
    return render(request, "representative/client_new.html", {"organisation": organisation, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


def _open_client_invitation(request, public_id):
    """An open invitation of the viewer's agency to a client, or 404 (also an accepted one or another agency's)."""
    invitation = client_invitation_open_get(representative=_organisation(request), public_id=public_id)
    if invitation is None:
        raise Http404
    return invitation


@representative_required
@require_POST
def client_invitation_send_again(request, public_id):
    invitation = _open_client_invitation(request, public_id)
    try:
        invitation = mandate_services.client_invitation_send_again(invitation=invitation, actor=request.user)
    except mandate_services.MandateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("A new invitation was sent to %(email)s; it is valid until %(date)s and the "
                                          "previous link no longer works.")
                         % {"email": invitation.email,
                            "date": formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")})
    return redirect("representative:home")


@representative_required
@require_POST
def client_invitation_withdraw(request, public_id):
    invitation = _open_client_invitation(request, public_id)
    email = invitation.email
    try:
        reference = mandate_services.client_invitation_withdraw(invitation=invitation, actor=request.user)
    except mandate_services.MandateError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, gettext("The invitation to %(email)s was withdrawn and the draft case %(reference)s "
                                          "deleted. Start the case again with the right address.")
                         % {"email": email, "reference": reference})
    return redirect("representative:home")


@never_cache
@GET_OR_POST
def client_invitation(request, token):
    """The client's page of the invitation link: sign in, see the representative and the scope, confirm."""
    try:
        invitation = client_invitation_from_token(token=token)
    except account_services.InvitationError as exc:
        return render(request, "employer/invitation_error.html", {"error": exc},
                      status=INVITATION_ERROR_STATUS.get(exc.code, 400))
    if not request.user.is_authenticated:
        return render(request, "representative/invitation_sign_in.html", {
            "invitation": invitation, "next": request.get_full_path()})
    try:
        account_services.invitation_check_user(invitation=invitation, user=request.user)
    except account_services.InvitationError as exc:
        return render(request, "employer/invitation_error.html", {"error": exc},
                      status=INVITATION_ERROR_STATUS.get(exc.code, 400))
    if request.method == "POST" and request.POST.get("action") == "decline":
        try:
            organisation = mandate_services.client_invitation_decline(token=token, user=request.user)
        except account_services.InvitationError as exc:
            return render(request, "employer/invitation_error.html", {"error": exc},
                          status=INVITATION_ERROR_STATUS.get(exc.code, 400))
        messages.success(request, gettext("You declined. %(organisation)s does not represent you, and the draft "
                                          "application it started for you was deleted.") % {
            "organisation": organisation})
        return redirect("applicant:home")
    form = forms.ClientAcceptForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            mandate_services.client_invitation_accept(token=token, user=request.user, confirmed=True)
        except account_services.InvitationError as exc:
            return render(request, "employer/invitation_error.html", {"error": exc},
                          status=INVITATION_ERROR_STATUS.get(exc.code, 400))
        messages.success(request, gettext("The case %(reference)s is now in your portal, and %(organisation)s "
                                          "represents you in it.") % {
            "reference": invitation.case.reference, "organisation": invitation.representative.name})
        return redirect("applicant:case_detail", invitation.case.public_id)
    return render(request, "representative/invitation_client.html", {"invitation": invitation, "form": form},
                  status=400 if form.is_bound and form.errors else 200)


# --- The organisation -------------------------------------------------------------------------

@login_required
@GET_OR_POST
def register(request):
    form = forms.RepresentativeRegisterForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        organisation = account_services.representative_register(
            user=request.user, kind=form.cleaned_data["kind"], **form.organisation_fields())
        request.session[ORGANISATION_SESSION_KEY] = str(organisation.public_id)
        messages.success(request, gettext("Your organisation is registered. The WSA now checks it; until then "
                                          "clients cannot find it and you cannot invite clients."))
        return redirect("representative:organisation")
    return render(request, "representative/register.html", {"form": form},
                  status=400 if form.is_bound and form.errors else 200)


def _organisation_page(request, organisation, *, invite_form=None, status=200):
    return render(request, "representative/organisation.html", {
        "organisation": organisation, "is_owner": _is_owner(request, organisation),
        "members": account_selectors.organisation_members(organisation=organisation),
        "invitations": account_selectors.member_invitation_list(organisation=organisation),
        "invite_form": invite_form or forms.RepresentativeInviteForm(),
    }, status=status)


@representative_required
@require_safe
def organisation(request):
    return _organisation_page(request, _organisation(request))


@representative_required
@require_POST
def member_invite(request):
    organisation = _organisation(request)
    _require_owner(request, organisation)
    form = forms.RepresentativeInviteForm(data=request.POST)
    return (organisation_members.invite(request, organisation, form, page="representative:organisation")
            or _organisation_page(request, organisation, invite_form=form, status=400))


@representative_required
@require_POST
def member_remove(request, user_public_id):
    organisation = _organisation(request)
    _require_owner(request, organisation)
    return organisation_members.remove(request, organisation, user_public_id, page="representative:organisation")


@representative_required
@require_POST
def member_invitation_revoke(request, public_id):
    organisation = _organisation(request)
    _require_owner(request, organisation)
    return organisation_members.withdraw_invitation(request, organisation, public_id,
                                                    page="representative:organisation")
