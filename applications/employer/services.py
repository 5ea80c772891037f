"""The employer portal and the HR API: an employer starts a case for a candidate and invites them; the
candidate accepts (the case joins their account) and decides what the employer may see (consent).
Every employer write checks membership of the organisation here."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import CandidateInvitation, EmployerCaseDetails, EmployerThreadMessage
from accounts.selectors import employer_role
from accounts.services import (
    EmployerError,
    InvitationError,
    invitation_check_user,
    invitation_days,
    invitation_from_token,
    invitations_allowed,
)
from accounts.tasks import invitation_send
from documents.models import Document, DocumentType
from documents.services import document_upload
from wsa.queueing import enqueue_on_commit

from .. import rules, status_poll
from ..lifecycle import CaseState
from ..models import Case, EventKind, Message, Person, ProcedureLanguage
from ..services.applicant import CaseNotEditable, case_draft_update, person_update
from ..services.cases import case_create, case_transition, employment_set, event_append, message_post
from ..services.consent import case_consent_set

EMPLOYMENT_FIELDS = frozenset({
    "job_title", "occupation_kldb", "occupation_isco", "duties", "annual_gross_salary", "weekly_hours",
    "start_date", "duration_months", "collective_agreement", "workplace_street", "workplace_postal_code",
    "workplace_city", "workplace_state",
})
EMPLOYER_DETAIL_FIELDS = frozenset({
    "employer_reference", "required_qualification", "required_qualification_detail", "working_conditions",
})
ACCELERATED_DOCUMENTS = ("power_of_attorney_81a", "agreement_81a")


def _require_employer_member(*, organisation, actor) -> None:
    if organisation is None or employer_role(user=actor, organisation=organisation) is None:
        raise PermissionDenied(gettext("You are not a member of this employer organisation."))


def _split_fields(fields: dict, allowed: frozenset, what: str) -> dict:
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not {what}: {', '.join(sorted(unknown))}")
    return {k: v.strip() if isinstance(v, str) else v for k, v in fields.items()}


def _check_accelerated_allowed(title_code: str) -> None:
    if title_code:
        try:
            allowed = rules.title(title_code).accelerated_allowed
        except rules.UnknownTitle:
            allowed = False
        if not allowed:
            raise EmployerError(gettext("The accelerated procedure is not available for this residence title."),
                                code="accelerated")


@transaction.atomic
def employer_case_start(*, organisation, actor, given_names: str, surname: str, email: str,
                        employment: dict, details: dict | None = None, title_code: str = "",
                        accelerated: bool = False, procedure_language: str = ProcedureLanguage.GERMAN):
    """Starts a draft case for a candidate: a Person without account, the case, the employment
    declaration and the invitation e-mail (sent after commit). Returns (case, invitation)."""
    _require_employer_member(organisation=organisation, actor=actor)
    if accelerated:
        _check_accelerated_allowed(title_code)
    employment = _split_fields(employment, EMPLOYMENT_FIELDS, "an employment field")
    details = _split_fields(details or {}, EMPLOYER_DETAIL_FIELDS, "an employer detail")
    # No e-mail on the Person until the candidate accepts: timeline e-mails must not reach an
    # address that has not confirmed it wants this case.
    person = Person.objects.create(user=None, surname=" ".join(surname.split()),
                                   given_names=" ".join(given_names.split()))
    case = case_create(person=person, actor=actor, employer=organisation, title_code=title_code,
                       procedure_language=procedure_language, accelerated=accelerated)
    employment_set(case=case, actor=actor, **employment)
    EmployerCaseDetails.objects.create(case=case, organisation=organisation, created_by=actor, **details)
    invitation = candidate_invitation_create(case=case, actor=actor, email=email)
    return case, invitation


@transaction.atomic
def candidate_invitation_create(*, case: Case, actor, email: str | None = None):
    """(Re)sends the invitation of a case whose candidate has not accepted yet; the previous link stops working."""

    _require_employer_member(organisation=case.employer, actor=actor)
    invitations_allowed(organisation=case.employer)
    locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    if locked.person.user_id is not None:
        raise EmployerError(gettext("The candidate has already accepted the invitation."), code="accepted")
    if locked.state != CaseState.DRAFT:
        raise EmployerError(gettext("Invitations can only be sent while the case is a draft."), code="state")
    previous = CandidateInvitation.objects.filter(case=locked).order_by("-created_at").first()
    email = (email or (previous.email if previous else "")).strip().lower()
    if not email:
        raise EmployerError(gettext("Enter the candidate's e-mail address."), code="email")
    now = timezone.now()
    CandidateInvitation.objects.filter(case=locked, accepted_at__isnull=True, declined_at__isnull=True,
                                       revoked_at__isnull=True).update(revoked_at=now)
    invitation = CandidateInvitation.objects.create(
        case=locked, organisation_id=locked.employer_id, email=email, invited_by=actor,
        expires_at=now + timedelta(days=invitation_days("candidate")),
    )
    enqueue_on_commit(invitation_send, ("candidate", invitation.pk))
    return invitation


@transaction.atomic
def candidate_invitation_accept(*, token: str, user, scope: str) -> Case:
    """The candidate, signed in with the invited address, takes the case over: the case is linked to
    their once-only profile (an existing one is reused), and their consent is recorded. Single use."""
    invitation = invitation_from_token(token=token, kind="candidate", lock=True)
    invitation_check_user(invitation=invitation, user=user)
    case = Case.objects.select_for_update().select_related("person").get(pk=invitation.case_id)
    placeholder = case.person
    if placeholder.user_id is not None and placeholder.user_id != user.pk:
        raise InvitationError("used")
    existing = Person.objects.filter(user=user).exclude(pk=placeholder.pk).first()
    if existing is not None:
        # Once-only: the candidate already has a profile; the case joins it.
        Case.objects.filter(pk=case.pk).update(person=existing)
        Document.objects.filter(owner=placeholder).update(owner=existing)
        blanks = {name: getattr(placeholder, name) for name in ("surname", "given_names")
                  if not getattr(existing, name) and getattr(placeholder, name)}
        if blanks:
            person_update(person=existing, actor=user, **blanks)
        if not Case.objects.filter(person=placeholder).exists():
            placeholder.delete()
    else:
        placeholder.user = user
        placeholder.email = user.email
        placeholder.save(update_fields=["user", "email", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    case.refresh_from_db()
    case_consent_set(case=case, actor=user, scope=scope)
    event_append(case=case, kind=EventKind.NOTE, actor=user, internal=True,
                 payload={"employer_invitation": "accepted", "invitation": str(invitation.public_id)})
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
    status_poll.forget(case.public_id)  # the case changed hands: its owner in the poll's cache too
    case.refresh_from_db()
    return case


@transaction.atomic
def candidate_invitation_decline(*, token: str, user) -> Case:
    """The candidate does not want this case: the invitation is used up and the draft is withdrawn."""
    invitation = invitation_from_token(token=token, kind="candidate", lock=True)
    invitation_check_user(invitation=invitation, user=user)
    invitation.declined_at = timezone.now()
    invitation.save(update_fields=["declined_at"])
    case = Case.objects.get(pk=invitation.case_id)
    return case_transition(case=case, transition="withdraw", actor=user,
                           payload={"reason": "invitation_declined"})


@transaction.atomic
def employer_employment_update(*, case: Case, actor, employment: dict, details: dict | None = None) -> Case:
    """The employer corrects the employment declaration while the case is a draft."""
    _require_employer_member(organisation=case.employer, actor=actor)
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.state != CaseState.DRAFT:
        raise CaseNotEditable()
    employment_set(case=locked, actor=actor, **_split_fields(employment, EMPLOYMENT_FIELDS, "an employment field"))
    if details is not None:
        EmployerCaseDetails.objects.update_or_create(
            case=locked, defaults={"organisation_id": locked.employer_id,
                                   **_split_fields(details, EMPLOYER_DETAIL_FIELDS, "an employer detail")})
    return case


def employer_case_accelerated_set(*, case: Case, actor, accelerated: bool) -> Case:
    """Chooses (or drops) the § 81a accelerated procedure while the case is a draft."""
    _require_employer_member(organisation=case.employer, actor=actor)
    if accelerated:
        _check_accelerated_allowed(case.title_code)
    return case_draft_update(case=case, actor=actor, accelerated=accelerated)


def employer_accelerated_document_upload(*, case: Case, actor, file, requirement: str):
    """Stores the signed power of attorney or the § 81a agreement for the case (checked like every upload)."""
    _require_employer_member(organisation=case.employer, actor=actor)
    if requirement not in ACCELERATED_DOCUMENTS:
        raise ValueError("Not a § 81a document.")
    if not case.accelerated:
        raise EmployerError(gettext("Choose the accelerated procedure first."), code="not_accelerated")
    if case.state != CaseState.DRAFT:
        raise CaseNotEditable()
    return document_upload(person=case.person, uploaded_by=actor, file=file, case=case,
                           document_type=DocumentType.OTHER, requirement=requirement)


@transaction.atomic
def employer_message_post(*, case: Case, actor, body: str) -> Message:
    """A message of the employer to the case team; every member of the organisation sees the thread."""
    _require_employer_member(organisation=case.employer, actor=actor)
    if not body.strip():
        raise ValueError("A message needs a text.")
    message = message_post(case=case, author=actor, body=body[:5000])
    EmployerThreadMessage.objects.create(message=message, organisation_id=case.employer_id)
    return message


@transaction.atomic
def case_team_reply_to_employer(*, case: Case, author, body: str) -> Message:
    """For the back office: a message of the case team in the employer's thread (the employer sees it
    even without the candidate's full consent, so it must not contain the candidate's personal data)."""
    if case.employer_id is None:
        raise ValueError("The case has no employer.")
    message = message_post(case=case, author=author, body=body)
    EmployerThreadMessage.objects.create(message=message, organisation_id=case.employer_id)
    return message


@transaction.atomic
def employer_bulk_start(*, organisation, actor, rows: list[dict]) -> list:
    """Starts one case per row (keyword arguments of employer_case_start), all or nothing."""
    _require_employer_member(organisation=organisation, actor=actor)
    invitations_allowed(organisation=organisation, count=len(rows))
    return [employer_case_start(organisation=organisation, actor=actor, **row)[0] for row in rows]
