"""Writes of mandates: the principal grants and revokes; the representative acts within the scope.

Every act of a representative is recorded on the case's timeline with `on_behalf` in the Event's payload
(who, for which organisation, for whom), so the principal and the case team see who did what
(applications/events.py renders it). Acting needs a mandate in force whose scope is "act"; reading is
checked by the selectors (applications/mandates/selectors.py).

The law: § 14 VwVfG (a party may be represented by an authorised representative; the power of attorney
covers every procedural act unless its content limits it; a revocation takes effect towards the
authority when it reaches it — in the portal that is at once); § 41 Abs. 1 Satz 2 VwVfG (a decision may
be made known to the representative); § 14 Abs. 5 VwVfG with § 3 RDG (representatives who give legal
advice without being allowed to are turned away: the portal does not check this, the admin verifying a
representative organisation does).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import EmployerThreadMessage, Membership, Organisation, OrganisationKind, Role
from accounts.selectors import employer_role
from accounts.services import (
    EmployerError,
    InvitationError,
    invitation_check_user,
    invitations_allowed,
)
from documents.models import DocumentType
from documents.services import document_upload

from .. import retention, status_poll
from .. import services as case_services
from ..lifecycle import CaseState
from ..models import Case, EventKind, Message, Person, ProcedureLanguage
from ..tasks import mail_send
from .models import ClientInvitation, Mandate, MandateScope
from .selectors import mandates_covering
from .tasks import client_invitation_send
from .tokens import client_invitation_from_token


class MandateError(Exception):
    """A mandate action that is not possible; the message is translated and can be shown as is."""


# --- The principal ------------------------------------------------------------------------------


def _principal_allowed(*, actor, person: Person | None, organisation: Organisation | None) -> None:
    if person is not None:
        if person.user_id is None or person.user_id != actor.pk:
            raise PermissionDenied(gettext("Only the applicant can grant or revoke this mandate."))
    elif organisation is not None:
        if organisation.kind != OrganisationKind.EMPLOYER or \
                employer_role(user=actor, organisation=organisation) != Role.EMPLOYER_OWNER:
            raise PermissionDenied(gettext("Only an owner of the organisation can do this."))
    else:
        raise ValueError("A mandate needs a principal.")


def _principal_cases(*, person: Person | None, organisation: Organisation | None):
    return Case.objects.filter(person=person) if person is not None else Case.objects.filter(employer=organisation)


def _mandate_event(*, case: Case, actor, mandate: Mandate, action: str) -> None:
    case_services.event_append(case=case, kind=EventKind.MANDATE, actor=actor, payload={
        "action": action, "mandate": str(mandate.public_id), "representative": mandate.representative.name,
        "for_employer": mandate.principal_organisation_id is not None, "principal": mandate.principal_label,
        "scope": mandate.scope, "receives_decisions": mandate.receives_decisions,
        "valid_until": mandate.valid_until.isoformat() if mandate.valid_until else "",
    })


@transaction.atomic
def mandate_grant(*, actor, representative: Organisation, scope: str, person: Person | None = None,
                  organisation: Organisation | None = None, receives_decisions: bool = False,
                  valid_until: date | None = None, cases=None, confirmed: bool = False,
                  power_of_attorney_file=None) -> Mandate:
    """The applicant (person) or an employer owner (organisation) lets a verified representative see —
    and with scope "act" act in — all their cases (cases None) or the chosen ones. The power of attorney
    is the principal's signed-in statement (confirmed) or an uploaded document (applicants only)."""
    _principal_allowed(actor=actor, person=person, organisation=organisation)
    if representative.kind not in OrganisationKind.representative_kinds() or representative.verified_at is None:
        raise MandateError(gettext("Choose a verified representative."))
    if scope not in MandateScope.values:
        raise ValueError("Not a mandate scope.")
    if valid_until is not None and valid_until < timezone.localdate():
        raise MandateError(gettext("The end of the mandate cannot lie in the past."))
    if not confirmed and power_of_attorney_file is None:
        raise MandateError(gettext("Confirm the power of attorney or upload it signed."))
    if power_of_attorney_file is not None and person is None:
        raise MandateError(gettext("An employer confirms the power of attorney in the portal."))
    own_cases = _principal_cases(person=person, organisation=organisation)
    chosen = None
    if cases is not None:
        chosen = list(own_cases.filter(pk__in=[c.pk for c in cases]))
        if not chosen or len(chosen) != len(list(cases)):
            raise MandateError(gettext("Choose at least one of your cases."))
    # Decisions are addressed to the applicant (§ 41 Abs. 1 Satz 2 VwVfG lets them be made known to
    # the applicant's representative); an employer's representative never receives them.
    receives_decisions = bool(receives_decisions and person is not None)
    document = None
    if power_of_attorney_file is not None:
        document = document_upload(person=person, uploaded_by=actor, file=power_of_attorney_file,
                                   document_type=DocumentType.POWER_OF_ATTORNEY)
    mandate = Mandate.objects.create(
        principal_person=person, principal_organisation=organisation, representative=representative, scope=scope,
        receives_decisions=receives_decisions, all_cases=chosen is None, valid_until=valid_until,
        confirmed_at=timezone.now() if confirmed else None, power_of_attorney=document, granted_by=actor,
    )
    if chosen is not None:
        mandate.cases.set(chosen)
    for case in (chosen if chosen is not None else own_cases):
        _mandate_event(case=case, actor=actor, mandate=mandate, action="granted")
    return mandate


@transaction.atomic
def mandate_revoke(*, mandate: Mandate, actor) -> Mandate:
    """The principal ends the mandate; the representative's access ends with their next request."""
    _principal_allowed(actor=actor, person=mandate.principal_person, organisation=mandate.principal_organisation)
    updated = Mandate.objects.filter(pk=mandate.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor)
    mandate.refresh_from_db()
    if updated:
        cases = mandate.cases.all() if not mandate.all_cases else _principal_cases(
            person=mandate.principal_person, organisation=mandate.principal_organisation)
        for case in cases:
            _mandate_event(case=case, actor=actor, mandate=mandate, action="revoked")
    return mandate


# --- The representative acting ------------------------------------------------------------------


def _acting_mandate(*, case: Case, actor) -> Mandate:
    """The mandate in force that lets `actor` act in `case`, or PermissionDenied (nothing changes)."""
    for mandate in mandates_covering(viewer=actor, case=case):
        if mandate.may_act:
            return mandate
    raise PermissionDenied(gettext("Your mandate does not allow you to act in this case."))


def on_behalf(*, actor, mandate: Mandate) -> dict:
    """What the timeline keeps about a representative's act: who, for which organisation, for whom."""
    return {"on_behalf": {"actor": actor.get_full_name(), "representative": mandate.representative.name,
                          "principal": mandate.principal_label}}


@transaction.atomic
def representative_message_post(*, case: Case, actor, body: str) -> Message:
    """A message to the case team in the principal's name. For an employer's mandate it goes to the
    employer's thread (what the employer itself may write)."""
    mandate = _acting_mandate(case=case, actor=actor)
    body = (body or "").strip()[:5000]
    if not body:
        raise ValueError("A message needs a text.")
    message = Message.objects.create(case=case, author=actor, body=body)
    case_services.event_append(case=case, kind=EventKind.MESSAGE, actor=actor, payload={
        "message": str(message.public_id), **on_behalf(actor=actor, mandate=mandate)})
    if mandate.principal_organisation_id is not None:
        EmployerThreadMessage.objects.create(message=message, organisation_id=mandate.principal_organisation_id)
    return message


def _require_applicant_mandate(mandate: Mandate) -> None:
    if mandate.principal_person_id is None:
        # An employer's representative acts where the employer may: it never hands in the applicant's documents.
        raise PermissionDenied(gettext("Only the applicant's representative can hand in the applicant's documents."))


@transaction.atomic
def representative_document_upload(*, case: Case, actor, file, document_type: str = DocumentType.UNKNOWN):
    """A document for the client's application while it is a draft (checked like every upload)."""
    mandate = _acting_mandate(case=case, actor=actor)
    _require_applicant_mandate(mandate)
    if case.state != CaseState.DRAFT:
        raise case_services.CaseNotEditable()
    document = document_upload(person=case.person, uploaded_by=actor, file=file, case=case,
                               document_type=document_type)
    case_services.event_append(case=case, kind=EventKind.MANDATE, actor=actor, payload={
        "action": "document_uploaded", "document": str(document.public_id), "name": document.original_name,
        **on_behalf(actor=actor, mandate=mandate)})
    return document


def representative_documents_provide(*, case: Case, actor, file, document_type: str = DocumentType.OTHER,
                                     note: str = ""):
    """Answers the case team's request for documents (the case goes back to the completeness check)."""
    mandate = _acting_mandate(case=case, actor=actor)
    _require_applicant_mandate(mandate)
    return case_services.case_documents_provide(case=case, actor=actor, file=file, document_type=document_type,
                                             note=note, extra=on_behalf(actor=actor, mandate=mandate))


def representative_case_submit(*, case: Case, actor) -> Case:
    """Submits the client's draft (the case store's case_submit, with the on-behalf record)."""
    mandate = _acting_mandate(case=case, actor=actor)
    _require_applicant_mandate(mandate)
    return case_services.case_transition(case=case, transition="submit", actor=actor,
                                         payload=on_behalf(actor=actor, mandate=mandate))


# --- Clients without an account -----------------------------------------------------------------

def _require_member(*, representative: Organisation, actor) -> None:
    if representative.kind not in OrganisationKind.representative_kinds() or not Membership.objects.filter(
            user=actor, organisation=representative, role__in=Role.representative_roles()).exists():
        raise PermissionDenied(gettext("You are not a member of this organisation."))


def client_invitation_days() -> int:
    return int(getattr(settings, "WSA_CLIENT_INVITATION_DAYS", 14))


def _invitation_allowed(representative: Organisation) -> None:
    """Verified, and one hourly budget with the organisation's other invitations (MandateError if not)."""
    since = timezone.now() - timedelta(hours=1)
    recent = ClientInvitation.objects.filter(representative=representative, created_at__gte=since).count()
    try:
        invitations_allowed(organisation=representative, count=1 + recent)
    except EmployerError as exc:
        raise MandateError(str(exc)) from exc


ALREADY_ACCEPTED = _("Your client has already accepted this invitation: the case is in their portal now.")


@transaction.atomic
def client_case_start(*, representative: Organisation, actor, given_names: str, surname: str, email: str,
                      title_code: str = "", scope: str = MandateScope.ACT, receives_decisions: bool = True,
                      valid_until: date | None = None,
                      procedure_language: str = ProcedureLanguage.GERMAN) -> tuple[Case, ClientInvitation]:
    """A representative starts a draft case for a client without an account and invites them. The
    mandate exists only once the client accepts and confirms it (client_invitation_accept); until
    then the representative sees the invitation, not the case."""
    _require_member(representative=representative, actor=actor)
    if scope not in MandateScope.values:
        raise ValueError("Not a mandate scope.")
    if valid_until is not None and valid_until < timezone.localdate():
        raise MandateError(gettext("The end of the mandate cannot lie in the past."))
    _invitation_allowed(representative)
    person = Person.objects.create(user=None, surname=" ".join(surname.split()),
                                   given_names=" ".join(given_names.split()))
    case = case_services.case_create(person=person, actor=actor, title_code=title_code,
                                     procedure_language=procedure_language)
    invitation = ClientInvitation.objects.create(
        representative=representative, case=case, email=email.strip().lower(), scope=scope,
        receives_decisions=receives_decisions, valid_until=valid_until, invited_by=actor,
        expires_at=timezone.now() + timedelta(days=client_invitation_days()))
    transaction.on_commit(lambda: _send(invitation.pk))
    return case, invitation


@transaction.atomic
def client_invitation_send_again(*, invitation: ClientInvitation, actor) -> ClientInvitation:
    """A new link for an invitation no client has accepted (expired, or the e-mail got lost), valid for
    ``client_invitation_days`` from now; the link carries the expiry, so the previous one stops working.
    Counted in the organisation's hourly invitations, and at most once an hour for one invitation (the
    expiry tells when it was last sent)."""
    _require_member(representative=invitation.representative, actor=actor)
    invitation = ClientInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise MandateError(str(ALREADY_ACCEPTED))
    last_sent = invitation.expires_at - timedelta(days=client_invitation_days())
    if last_sent > timezone.now() - timedelta(hours=1):  # an address is not to be flooded with the same link
        raise MandateError(gettext("This invitation was sent less than an hour ago. Please wait before sending "
                                   "it again."))
    _invitation_allowed(invitation.representative)
    expires_at = timezone.now() + timedelta(days=client_invitation_days())
    if int(expires_at.timestamp()) == int(invitation.expires_at.timestamp()):
        expires_at += timedelta(seconds=1)  # the old link must differ from the new one
    invitation.expires_at = expires_at
    invitation.save(update_fields=["expires_at"])
    transaction.on_commit(lambda: _send(invitation.pk))
    return invitation


@transaction.atomic
def client_invitation_withdraw(*, invitation: ClientInvitation, actor) -> str:
    """A member of the representative takes back an invitation no client has accepted (sent to a mistyped
    address, or to the wrong person). The draft case it started goes with it, with the name typed for it:
    nobody but the representative knew of that draft, and they start again with the right address. The
    link then leads nowhere. Returns the draft's reference."""
    _require_member(representative=invitation.representative, actor=actor)
    invitation = ClientInvitation.objects.select_for_update().get(pk=invitation.pk)  # against a parallel acceptance
    case = Case.objects.select_for_update().select_related("person").get(pk=invitation.case_id)
    if invitation.accepted_at is not None or case.person.user_id is not None or not case.never_submitted:
        raise MandateError(str(ALREADY_ACCEPTED))
    reference = case.reference
    retention.draft_delete(case)
    return reference


@transaction.atomic
def client_invitation_decline(*, token: str, user) -> str:
    """The invited client does not want to be represented: the draft the representative started for them goes,
    with the name typed for it (nobody holds a mandate for it), the link leads nowhere, and the member who
    invited is told by e-mail in their language. Returns the representative's name."""
    invitation = client_invitation_from_token(token=token, lock=True)
    invitation_check_user(invitation=invitation, user=user)
    case = Case.objects.select_for_update().select_related("person").get(pk=invitation.case_id)
    if case.person.user_id is not None or not case.never_submitted:
        raise InvitationError("used")
    representative, inviter, reference = invitation.representative, invitation.invited_by, case.reference
    retention.draft_delete(case)
    if inviter is not None and inviter.email:
        with translation.override(inviter.preferred_language or settings.LANGUAGE_CODE):
            subject = gettext("Invitation declined: %(reference)s") % {"reference": reference}
            body = gettext("%(email)s declined the invitation of %(organisation)s to be represented in the application "
                           "%(reference)s. The draft application was deleted.") % {
                "email": invitation.email, "organisation": representative.name, "reference": reference}
        transaction.on_commit(lambda: mail_send.delay(inviter.email, subject, body))
    return representative.name


def _send(invitation_id: int) -> None:
    client_invitation_send.delay(invitation_id)


CONFIRMATION_NEEDED = _("Please confirm the power of attorney to accept the invitation.")


@transaction.atomic
def client_invitation_accept(*, token: str, user, confirmed: bool) -> Mandate:
    """The client, signed in with the invited address, takes the case into their portal and confirms the
    mandate with the scope the representative proposed (for this case only). Single use."""
    invitation = client_invitation_from_token(token=token, lock=True)
    invitation_check_user(invitation=invitation, user=user)
    if not confirmed:
        raise MandateError(str(CONFIRMATION_NEEDED))
    case = Case.objects.select_for_update().select_related("person").get(pk=invitation.case_id)
    placeholder = case.person
    if placeholder.user_id is not None and placeholder.user_id != user.pk:
        raise InvitationError("used")
    person = Person.objects.filter(user=user).exclude(pk=placeholder.pk).first()
    if person is not None:  # once-only: the client's existing profile takes the case
        Case.objects.filter(pk=case.pk).update(person=person)
        if not Case.objects.filter(person=placeholder).exists():
            placeholder.delete()
    else:
        placeholder.user = user
        placeholder.email = user.email
        placeholder.save(update_fields=["user", "email", "updated_at"])
        person = placeholder
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    case.refresh_from_db()
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
    status_poll.forget(case.public_id)
    return mandate_grant(actor=user, representative=invitation.representative, scope=invitation.scope,
                         person=person, receives_decisions=invitation.receives_decisions,
                         valid_until=invitation.valid_until, cases=[case], confirmed=True)
