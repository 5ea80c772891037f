"""Writes to the case store. Views, tasks and commands change cases only through these functions."""

import logging
from dataclasses import dataclass
from datetime import date, datetime, time
from time import monotonic

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from accounts import services as account_services
from accounts.models import CandidateInvitation, EmployerCaseDetails, EmployerThreadMessage
from accounts.selectors import employer_role
from accounts.services import (
    EmployerError,
    InvitationError,
    case_consent_set,
    invitation_check_user,
    invitation_days,
    invitation_from_token,
    invitation_send_on_commit,
    invitations_allowed,
)
from authorities import services as authority_services
from documents.checks import countries
from documents.models import Document, DocumentType
from documents.services import document_upload, documents_remove
from wsa.celery import app as celery_app
from wsa.site import site_url

from . import audit, procedure, retention, rules, status_poll
from .decisions import DECISION_OFFICE_KIND, new_verification_code, render_decision_pdf, sha256_hex, sign_pdf
from .lifecycle import CaseState, transition_for
from .models import (
    Case,
    CaseAssignment,
    Decision,
    DocumentRequest,
    Employment,
    Event,
    EventKind,
    LanguageSkill,
    Mandate,
    Message,
    Person,
    ProcedureLanguage,
    Qualification,
    ReferenceCounter,
    StatisticsSnapshot,
    WorkExperience,
)
from .selectors.case_file import conditions_text
from .selectors.deadlines import DATED_STATES, case_due_expression
from .selectors.own_data import account_deletion_overview
from .selectors.staff import staff_scope
from .selectors.statistics import STATISTICS_ALL, case_statistics_compute
from .tasks import mail_send, notify_case

logger = logging.getLogger(__name__)


def reference_allocate(*, today: date | None = None) -> str:
    """The next human reference of the year, e.g. WSA-2026-000123; gap-free under a row lock."""
    year = (today or timezone.localdate()).year
    with transaction.atomic():
        ReferenceCounter.objects.get_or_create(year=year)
        counter = ReferenceCounter.objects.select_for_update().get(year=year)
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    return f"WSA-{year}-{counter.last_number:06d}"


def event_append(*, case: Case, kind: str, actor=None, payload=None, internal=False,
                 from_state: str = "", to_state: str = "", case_changes: dict | None = None) -> Event:
    """Appends a timeline entry. A public one counts the case's version (the status page's ETag) and
    queues the applicant's e-mail; `case_changes` (a transition's new state, a new deadline: always
    public) go into that same UPDATE."""
    event = Event.objects.create(
        case=case, kind=kind, actor=actor, payload=payload or {}, internal=internal,
        from_state=from_state, to_state=to_state,
    )
    if not internal:
        Case.objects.filter(pk=case.pk).update(version=F("version") + 1, updated_at=timezone.now(),
                                               **(case_changes or {}))
        status_poll.forget(case.public_id)
        transaction.on_commit(lambda: _notify(case.pk), robust=True)
    return event


def notify_pending_key(case_id: int) -> str:
    return f"wsa:notify-pending:{case_id}"


def _notify(case_id: int) -> None:
    """Queues the e-mail about the case's new timeline entries, unless one is queued already: the
    entries of a transaction, and those that follow within WSA_NOTIFY_DELAY_SECONDS, go out as one
    message (tasks.notify_case). A broker that is down must not turn a saved change into an error
    page: the change is committed, only this notice waits for the next one (and is logged)."""
    from django.conf import settings
    from django.core.cache import cache

    delay = settings.WSA_NOTIFY_DELAY_SECONDS
    # Queued by this process moments ago: that task has not run yet and will carry this entry too
    # (unless tasks run eagerly, i.e. at once).
    now = monotonic()
    waiting = 0.0 if celery_app.conf.task_always_eager else delay - 1
    if now - _notify_queued_here.get(case_id, float("-inf")) < waiting:
        return
    try:
        # The mark outlives the delay: a lost task (worker killed) delays the e-mail, never stops it.
        if not cache.add(notify_pending_key(case_id), 1, timeout=delay + 600):
            return
    except Exception:
        logger.warning("No cache to mark the notification of case %s as queued; queueing it anyway.", case_id)
    _queue(notify_case, (case_id,), f"the notification for case {case_id}", countdown=delay or None)
    if waiting > 0:
        if len(_notify_queued_here) > 10_000:
            _notify_queued_here.clear()
        _notify_queued_here[case_id] = now


# case id -> when this process queued its e-mail (monotonic): spares the cache round trip for the
# other entries of the same burst (a case's transition and its hooks write several).
_notify_queued_here: dict[int, float] = {}


def _queue(task, args: tuple, what: str, **options) -> None:
    """Hands an e-mail task to the broker after a commit; a broker that is down must not turn the
    committed change into an error page (the failure is logged)."""
    try:
        task.apply_async(args, retry=False, **options)
    except Exception:
        logger.exception("Could not queue %s", what)


def case_due_refresh(*, case_ids=None) -> int:
    """Writes Case.due_at anew from the cases' states and requests (all cases: `case_ids` None), for
    rows written without the services (the national seed, a migration); the services keep it in the
    UPDATEs that move it. Returns the number of cases written."""
    cases = Case.objects.all() if case_ids is None else Case.objects.filter(pk__in=list(case_ids))
    return cases.filter(Q(state__in=DATED_STATES) | Q(due_at__isnull=False)).update(due_at=case_due_expression())


@transaction.atomic
def case_create(*, person: Person, actor=None, employer=None, title_code: str = "",
                procedure_language: str = ProcedureLanguage.GERMAN, accelerated: bool = False) -> Case:
    case = Case.objects.create(
        reference=reference_allocate(), person=person, employer=employer, title_code=title_code,
        procedure_language=procedure_language, accelerated=accelerated, created_by=actor,
    )
    event_append(case=case, kind=EventKind.CREATED, actor=actor, to_state=case.state)
    return case


@transaction.atomic
def case_transition(*, case: Case, transition: str, actor=None, payload: dict | None = None) -> Case:
    """Applies one transition of the lifecycle table, or raises IllegalTransition and changes nothing.
    What the move sets off (webhooks, requests to the offices, the procedure's guards) is
    procedure.after_transition, in this transaction."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    move = transition_for(transition, locked.state)
    from_state = locked.state
    changes = {"state": move.target}
    now = timezone.now()
    if move.target == CaseState.SUBMITTED:
        changes["submitted_at"] = now
    if move.target == CaseState.CLOSED:
        changes["closed_at"] = now
    due = case_due_expression(state=move.target, submitted_at=changes.get("submitted_at"))
    event_append(
        case=locked, kind=EventKind.TRANSITION, actor=actor, from_state=from_state, to_state=move.target,
        payload={"transition": transition, **(payload or {})}, case_changes={**changes, "due_at": due},
    )
    locked.__dict__.update(changes)
    procedure.after_transition(case=locked, transition=transition, actor=actor, payload=payload or {})
    # What the UPDATEs counted and what the procedure moved (an approval already in: the next state).
    locked.refresh_from_db(fields=["state", "version", "updated_at", "submitted_at", "closed_at", "due_at"])
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return case


def case_submit(*, case: Case, actor) -> Case:
    """The applicant (or the employer for them) submits the application. Everything that follows:

    - the case goes to the WSA's queue: state `submitted`, `submitted_at`, and the deadline of the
      completeness check (Case.due_at), in one UPDATE with the timeline entry (case_transition);
    - the applicant gets the e-mail about the new entry (event_append queues it after the commit);
    - the employer's HR system gets its webhook (procedure.after_transition).

    No office hears of the case yet: the requests go out when the WSA confirms its completeness
    (`start_authority_review`). Raises IllegalTransition if the case is not a draft any more."""
    return case_transition(case=case, transition="submit", actor=actor)


@transaction.atomic
def employment_set(*, case: Case, actor=None, **fields) -> Employment:
    employment, _ = Employment.objects.update_or_create(case=case, defaults=fields)
    Case.objects.filter(pk=case.pk).update(version=F("version") + 1)
    status_poll.forget(case.public_id)
    return employment


@transaction.atomic
def message_post(*, case: Case, author, body: str, internal: bool = False) -> Message:
    message = Message.objects.create(case=case, author=author, body=body.strip(), internal=internal)
    event_append(
        case=case, kind=EventKind.NOTE if internal else EventKind.MESSAGE, actor=author, internal=internal,
        payload={"message": str(message.public_id)},
    )
    return message


# --- Applicant portal: the once-only profile, drafts, entry report, own data ------------------

class CaseNotEditable(Exception):
    """A submitted application is not changed through the wizard any more."""

    def __init__(self):
        super().__init__(gettext("This application has been submitted and can no longer be changed."))


PERSON_EDITABLE_FIELDS = frozenset({
    "surname", "given_names", "birth_date", "birth_place", "sex", "nationality", "passport_number",
    "passport_issuing_state", "passport_expiry", "email", "phone", "street", "postal_code", "city",
    "country_of_residence",
})


def person_ensure(*, user) -> Person:
    """The applicant's once-only profile, created empty on first use."""
    person = Person.objects.filter(user=user).first()
    if person is not None:
        return person
    try:
        with transaction.atomic():
            return Person.objects.create(user=user, surname="", email=user.email)
    except IntegrityError:  # created by a parallel request
        return Person.objects.get(user=user)


@transaction.atomic
def person_update(*, person: Person, actor=None, **fields) -> Person:
    """Changes profile fields; the open drafts that reuse the profile see the change at once."""
    unknown = set(fields) - PERSON_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"Not a profile field: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip()
            if name in {"surname", "given_names"}:
                value = " ".join(value.split())
            if name in {"nationality", "passport_issuing_state", "country_of_residence", "passport_number"}:
                value = value.upper()
        setattr(person, name, value)
    person.save()
    _bump_drafts(person)
    return person


def _bump_drafts(person: Person) -> None:
    drafts = Case.objects.filter(person=person, state=CaseState.DRAFT)
    status_poll.forget(*drafts.values_list("public_id", flat=True))
    drafts.update(version=F("version") + 1)


@transaction.atomic
def qualification_save(*, person: Person, qualification: Qualification | None = None, **fields) -> Qualification:
    qualification = qualification or Qualification(person=person)
    if qualification.person_id != person.pk:
        raise ValueError("The qualification belongs to another person.")
    for name, value in fields.items():
        setattr(qualification, name, value.strip() if isinstance(value, str) else value)
    qualification.country = (qualification.country or "").upper()
    qualification.save()
    _bump_drafts(person)
    return qualification


@transaction.atomic
def qualification_delete(*, qualification: Qualification) -> None:
    person = qualification.person
    qualification.delete()
    _bump_drafts(person)


@transaction.atomic
def work_experience_save(*, person: Person, experience: WorkExperience | None = None, **fields) -> WorkExperience:
    experience = experience or WorkExperience(person=person)
    if experience.person_id != person.pk:
        raise ValueError("The work experience belongs to another person.")
    for name, value in fields.items():
        setattr(experience, name, value.strip() if isinstance(value, str) else value)
    experience.save()
    _bump_drafts(person)
    return experience


@transaction.atomic
def work_experience_delete(*, experience: WorkExperience) -> None:
    person = experience.person
    experience.delete()
    _bump_drafts(person)


@transaction.atomic
def language_skills_set(*, person: Person, levels: dict[str, tuple[str, str]]) -> None:
    """``levels``: language code → (CEFR level or "none", certificate). "none" without a
    certificate removes the entry."""
    for language, (level, certificate) in levels.items():
        if (not level or level == "none") and not certificate:
            LanguageSkill.objects.filter(person=person, language=language).delete()
            continue
        LanguageSkill.objects.update_or_create(
            person=person, language=language,
            defaults={"level": level or "none", "certificate": (certificate or "").strip()},
        )
    _bump_drafts(person)


# Passport (MRZ) fields as the checks extract them → profile fields.
PASSPORT_PREFILL_FIELDS = {
    "surname": "surname",
    "given_names": "given_names",
    "birth_date": "birth_date",
    "sex": "sex",
    "nationality": "nationality",
    "passport_number": "passport_number",
    "issuing_state": "passport_issuing_state",
    "expiry_date": "passport_expiry",
}


def passport_prefill_values(extracted: dict) -> dict:
    """Profile values read from a passport's extracted fields (only those that are usable)."""
    values = {}
    for source, target in PASSPORT_PREFILL_FIELDS.items():
        raw = extracted.get(source)
        if source == "passport_number" and not raw:
            raw = extracted.get("document_number")
        if raw in (None, ""):
            continue
        if target in {"birth_date", "passport_expiry"}:
            try:
                raw = date.fromisoformat(str(raw)[:10])
            except ValueError:
                continue
        elif target == "sex":
            raw = {"F": "F", "M": "M"}.get(str(raw).upper(), "X")
        elif target in {"nationality", "passport_issuing_state"}:
            raw = countries.to_iso(str(raw))[:3]
        else:
            raw = " ".join(str(raw).replace("<", " ").split())[:150]
        values[target] = raw
    return values


@transaction.atomic
def person_prefill_from_passport(*, person: Person, document, actor=None) -> list[str]:
    """Copies the data read from the passport's machine-readable zone into the profile.
    Returns the names of the fields that changed."""
    if document.owner_id != person.pk:
        raise ValueError("The passport belongs to another person.")
    values = passport_prefill_values(document.extracted or {})
    changed = {name: value for name, value in values.items() if getattr(person, name) != value}
    if changed:
        person_update(person=person, actor=actor, **changed)
    return sorted(changed)


@transaction.atomic
def case_draft_update(*, case: Case, actor=None, **fields) -> Case:
    """Changes title, procedure language or § 81a option of a draft; refused once submitted."""
    allowed = {"title_code", "procedure_language", "accelerated"}
    if set(fields) - allowed:
        raise ValueError("Only title, procedure language and the accelerated option can be changed.")
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if locked.state != CaseState.DRAFT:
        raise CaseNotEditable()
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.version = F("version") + 1
    locked.save(update_fields=[*fields, "version", "updated_at"])
    status_poll.forget(locked.public_id)
    locked.refresh_from_db()
    case.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return case


@transaction.atomic
def case_report_entry(*, case: Case, actor, entry_date: date, street: str, postal_code: str, city: str) -> Case:
    """The applicant has entered Germany: keeps the German address on the profile and moves the
    case to "entered". All or nothing."""
    person = Person.objects.select_for_update().get(pk=case.person_id)
    address = {"street": street.strip(), "postal_code": postal_code.strip(), "city": city.strip()}
    person_update(person=person, actor=actor, country_of_residence="DEU", **address)
    return case_transition(
        case=case, transition="report_entry", actor=actor,
        payload={"entry_date": entry_date.isoformat(), "address": {**address, "country": "DEU"}},
    )


class AccountDeletionRefused(Exception):
    """The account cannot be deleted now (a case under way, employer or authority access). Nothing was
    changed; the message is translated and says what to do."""


# What kept cases still need of the profile: the identity their decisions were made for (as in the
# passport) and the country of residence (it made the visa office competent). Contact data and the
# address go with the account, and so do the once-only extras (qualifications, languages, experience).
PERSON_ERASED_WITH_ACCOUNT = {"email": "", "phone": "", "street": "", "postal_code": "", "city": ""}


@dataclass(frozen=True)
class AccountDeletionResult:
    drafts: int
    documents: int
    retained: list  # RetainedCase (applications.selectors.own_data): kept until their retention period ends


@transaction.atomic
def account_delete(*, user) -> AccountDeletionResult:
    """Deletes the applicant's account at their request (GDPR Art. 17), all or nothing. The caller has
    the holder confirm and re-authenticate first, and logs out the current session afterwards.

    - Refused (AccountDeletionRefused, nothing changed) while a case is under way (anything but draft,
      closed or withdrawn: withdraw it first) or while the account has employer or authority access.
    - Drafts (and discarded drafts, never submitted) are deleted with their documents, as the retention
      job deletes stale drafts; so are the documents of the library. Stored files go after the commit.
    - Closed and withdrawn cases stay until WSA_CLOSED_CASE_RETENTION_DAYS have passed (decisions must
      stay verifiable and can still be challenged); the employer's consent to see them ends now. Their
      profile keeps only the identity (PERSON_ERASED_WITH_ACCOUNT); retention.purge_closed_cases
      deletes it with the last of them. Without such cases the profile is deleted at once.
    - The login ends (accounts.services.account_deactivate); the audit records who (the account's
      public id only) and when; the holder gets a confirmation in their language.

    The data-protection office is no longer e-mailed: the deletion needs nothing from it, and the
    append-only audit record (admin, read-only) is the complete account of what was deleted and what is
    kept until when (Art. 5(2) GDPR). A mail per deletion would copy that into a mailbox with no
    retention of its own and, at the portal's scale, train the office to ignore it."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db.models import ProtectedError
    from django.template.loader import render_to_string
    from django.utils import translation

    # Locks: the account (a second tab deleting too), then the profile and its cases (nothing is
    # submitted while the cases are sorted and deleted).
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        raise AccountDeletionRefused(gettext("This account has already been deleted."))
    person = Person.objects.select_for_update().filter(user=user).first()
    if person is not None:
        list(Case.objects.select_for_update().filter(person=person).values_list("pk", flat=True))
    overview = account_deletion_overview(viewer=user)
    if overview.blocked:
        raise AccountDeletionRefused(overview.refusal)

    documents = 0
    try:
        for case in overview.drafts:
            documents += retention.draft_delete(case)[0]
    except ProtectedError as exc:  # another record still needs a draft: keep everything
        logger.warning("Account deletion of %s refused: a draft is referenced elsewhere", user.public_id)
        raise AccountDeletionRefused(gettext(
            "Your account could not be deleted now; nothing was changed. Please try again later or write to us."
        )) from exc
    if person is not None:
        # A deleted account represents nobody any more: its mandates end with it.
        Mandate.objects.filter(principal_person=person, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=user)
        documents += documents_remove(Document.objects.filter(owner=person, case__isnull=True))
        if overview.retained:
            for retained in overview.retained:
                account_services.case_consent_revoke(case=retained.case, actor=user)
            Person.objects.filter(pk=person.pk).update(**PERSON_ERASED_WITH_ACCOUNT, updated_at=timezone.now())
            for extras in (person.qualifications, person.languages, person.experience):
                extras.all().delete()
        else:
            retention.person_delete(person)

    result = AccountDeletionResult(drafts=len(overview.drafts), documents=documents, retained=overview.retained)
    address = user.email
    with translation.override(user.preferred_language or translation.get_language() or settings.LANGUAGE_CODE):
        context = {"result": result, "retention_days": settings.WSA_CLOSED_CASE_RETENTION_DAYS,
                   "site_url": site_url()}
        subject = render_to_string("emails/account_deleted_subject.txt", context).strip()
        body = render_to_string("emails/account_deleted_body.txt", context)
    account_services.account_deactivate(user=user)
    audit.account_deletion_record(user=user, drafts=result.drafts, documents=documents,
                                  retained_cases=len(overview.retained), retained_until=overview.retained_until)
    # The address is gone from the database: the message goes out rendered, once the deletion is committed.
    transaction.on_commit(lambda: _queue(mail_send, (address, subject, body), "the confirmation of an account "
                                         "deletion"), robust=True)
    logger.info("Account %s deleted by its holder", user.public_id)
    return result


# --- Back office --------------------------------------------------------------------------------


class BackofficeError(Exception):
    """A back-office action that is not possible now; the message is translated and shown as is."""


def _bo_event(*, case: Case, actor, code: str, **payload) -> Event:
    """An internal timeline entry for staff (claims, four-eyes steps); never shown to applicants."""
    return event_append(case=case, kind=EventKind.NOTE, actor=actor, internal=True, payload={"bo": code, **payload})


@transaction.atomic
def case_claim(*, case: Case, actor) -> CaseAssignment:
    """The actor takes the case; a supervisor may take over a case someone else holds."""
    Case.objects.select_for_update().get(pk=case.pk)
    current = CaseAssignment.objects.filter(case=case).select_related("user").first()
    if current is not None and current.user_id != actor.pk and not staff_scope(viewer=actor).is_supervisor:
        raise BackofficeError(gettext("The case is already being worked on by %(name)s.")
                              % {"name": current.user.get_full_name()})
    if current is not None and current.user_id == actor.pk:
        return current
    CaseAssignment.objects.filter(case=case).delete()
    assignment = CaseAssignment.objects.create(case=case, user=actor)
    _bo_event(case=case, actor=actor, code="claimed")
    return assignment


@transaction.atomic
def case_release(*, case: Case, actor) -> None:
    Case.objects.select_for_update().get(pk=case.pk)
    current = CaseAssignment.objects.filter(case=case).first()
    if current is None:
        return
    if current.user_id != actor.pk and not staff_scope(viewer=actor).is_supervisor:
        raise BackofficeError(gettext("Only the person who claimed the case or a supervisor can release it."))
    current.delete()
    _bo_event(case=case, actor=actor, code="released")


def _end_of_day(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


@transaction.atomic
def document_request_create(*, case: Case, actor, reason: str, note: str, due_on: date) -> DocumentRequest:
    """Asks the applicant for documents: a structured request plus the `request_documents` transition
    (whose public Event notifies the applicant in their language)."""
    if due_on <= timezone.localdate():
        raise BackofficeError(gettext("The deadline must be in the future."))
    if case.state == CaseState.SUBMITTED:
        case_transition(case=case, transition="start_completeness_check", actor=actor)
    request = DocumentRequest.objects.create(case=case, reason=reason, note=note.strip(), due_at=_end_of_day(due_on),
                                             requested_by=actor)
    case_transition(case=case, transition="request_documents", actor=actor,
                    payload={"reason": reason, "note": request.note, "deadline": due_on.isoformat(),
                             "request": str(request.public_id)})
    return request


DECISION_TRANSITIONS = {
    # kind: (state the case must be in, transition on grant, transition on rejection)
    Decision.Kind.VISA: (CaseState.VISA_DECISION, "grant_visa", "reject"),
    # The lifecycle has no move for a refused residence permit: the decision is issued, the case stays "entered".
    Decision.Kind.RESIDENCE_PERMIT: (CaseState.ENTERED, "issue_permit", None),
}


def _decision_office_kind(kind: str) -> str:
    return DECISION_OFFICE_KIND[kind]


def decision_may_decide(*, actor, case: Case, kind: str) -> bool:
    scope = staff_scope(viewer=actor)
    required_state = DECISION_TRANSITIONS[kind][0]
    return scope.has_kind(_decision_office_kind(kind)) and case.state == required_state


@transaction.atomic
def decision_create(*, case: Case, actor, kind: str, outcome: str, legal_basis: str = "", reasons: str = "",
                    conditions: str = "", valid_from: date | None = None, valid_until: date | None = None) -> Decision:
    """A caseworker of the deciding office decides. A grant is issued at once; a rejection waits for a
    supervisor other than the decider (four-eyes rule)."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if not decision_may_decide(actor=actor, case=locked, kind=kind):
        raise PermissionDenied(gettext("Your office cannot take this decision in the current state of the case."))
    if Decision.objects.filter(case=locked, kind=kind, status__in=[Decision.Status.AWAITING_APPROVAL,
                                                                   Decision.Status.ISSUED]).exists():
        raise BackofficeError(gettext("There is already a decision of this kind for the case."))
    if outcome == Decision.Outcome.REJECTED and not reasons.strip():
        raise BackofficeError(gettext("A rejection must give its reasons."))
    decision = Decision.objects.create(
        case=locked, kind=kind, outcome=outcome, legal_basis=legal_basis.strip(), reasons=reasons.strip(),
        conditions=conditions.strip(), valid_from=valid_from, valid_until=valid_until, decided_by=actor,
        status=Decision.Status.DRAFT,
    )
    if outcome == Decision.Outcome.GRANTED:
        _decision_issue(decision=decision, actor=actor)
    else:
        decision.status = Decision.Status.AWAITING_APPROVAL
        decision.save(update_fields=["status"])
        _bo_event(case=locked, actor=actor, code="awaiting_approval", decision=str(decision.public_id))
    case.refresh_from_db()
    return decision


def decision_may_approve(*, actor, decision: Decision) -> bool:
    """Whether `actor` may approve `decision` at all (four-eyes rule): a supervisor of the deciding kind of
    office who is not the decider. Whether it still waits for approval is checked by decision_approve."""
    return (decision.decided_by_id != actor.pk
            and staff_scope(viewer=actor).is_supervisor_of_kind(_decision_office_kind(decision.kind)))


@transaction.atomic
def decision_approve(*, decision: Decision, actor) -> Decision:
    """The second pair of eyes: a supervisor of the deciding kind of office, never the decider."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != Decision.Status.AWAITING_APPROVAL:
        raise BackofficeError(gettext("This decision is not waiting for approval."))
    if decision.decided_by_id == actor.pk:
        raise PermissionDenied(gettext("You cannot approve your own decision: a second person must approve it."))
    if not staff_scope(viewer=actor).is_supervisor_of_kind(_decision_office_kind(decision.kind)):
        raise PermissionDenied(gettext("Only a supervisor of the deciding office can approve this decision."))
    decision.approved_by = actor
    decision.save(update_fields=["approved_by"])
    _decision_issue(decision=decision, actor=actor)
    return decision


@transaction.atomic
def decision_send_back(*, decision: Decision, actor, note: str = "") -> Decision:
    """The supervisor does not approve: the draft goes back to the decider (internal note)."""
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.status != Decision.Status.AWAITING_APPROVAL:
        raise BackofficeError(gettext("This decision is not waiting for approval."))
    if not staff_scope(viewer=actor).is_supervisor_of_kind(_decision_office_kind(decision.kind)):
        raise PermissionDenied(gettext("Only a supervisor of the deciding office can return this decision."))
    decision.status = Decision.Status.DRAFT
    decision.save(update_fields=["status"])
    _bo_event(case=decision.case, actor=actor, code="sent_back", decision=str(decision.public_id))
    if note.strip():
        message_post(case=decision.case, author=actor, body=note, internal=True)
    return decision


def _decision_issue(*, decision: Decision, actor) -> None:
    """Moves the case, renders, seals, hashes and stores the PDF and appends the public Event."""
    _state, grant, reject = DECISION_TRANSITIONS[decision.kind]
    transition = grant if decision.outcome == Decision.Outcome.GRANTED else reject
    if transition:
        case_transition(case=decision.case, transition=transition, actor=actor,
                        payload={"decision": str(decision.public_id)})
    decision.issued_at = timezone.now()
    decision.verification_code = new_verification_code()
    decision.status = Decision.Status.ISSUED
    pdf, _signed = sign_pdf(render_decision_pdf(decision))
    decision.sha256 = sha256_hex(pdf)
    decision.pdf.save(f"{decision.case.reference}-{decision.public_id.hex[:12]}.pdf", ContentFile(pdf), save=False)
    decision.save(update_fields=["issued_at", "verification_code", "status", "sha256", "pdf"])
    event_append(case=decision.case, kind=EventKind.DECISION, actor=actor,
                 payload={"decision": str(decision.public_id), "outcome": decision.outcome, "kind": decision.kind})


class AuthorityAnswer:
    APPROVED = "approved"
    REJECTED = "rejected"
    INFORMATION_NEEDED = "information_needed"


def authority_step_answer(*, request, actor, outcome: str, conditions: dict | None = None, note: str = ""):
    """Records the answer of the viewer's office to an authority step, through the authorities service.

    `conditions` is what an approval is limited to, e.g. {"employer": ..., "occupation": ...,
    "duration_months": 24, "other": "..."}; it is passed on in the shape AuthorityRequest.conditions has.
    """
    outcome_value = _authority_outcome_value(request, outcome)
    conditions = {k: v for k, v in (conditions or {}).items() if v not in ("", None)}
    condition_field = next((f for f in request._meta.fields if f.name == "conditions"), None)
    if condition_field is not None and condition_field.get_internal_type() in {"TextField", "CharField"}:
        conditions_value = conditions_text(conditions)
    else:
        conditions_value = conditions
    return authority_services.authority_request_record_answer(
        request=request, outcome=outcome_value, conditions=conditions_value, actor=actor, note=note,
        body={"note": note, "answered_in": "backoffice"},
    )


def _authority_outcome_value(request, outcome: str) -> str:
    """Maps approve/reject/information needed onto the choices of AuthorityRequest.outcome, if any."""
    field = next((f for f in request._meta.fields if f.name == "outcome"), None)
    choices = [value for value, _label in (field.choices or [])] if field is not None else []
    if not choices or outcome in choices:
        return outcome
    keywords = {
        AuthorityAnswer.APPROVED: ("approv", "grant", "consent", "zustimm"),
        AuthorityAnswer.REJECTED: ("reject", "refus", "denied", "ablehn"),
        AuthorityAnswer.INFORMATION_NEEDED: ("info", "question", "more", "nachfrag"),
    }[outcome]
    for value in choices:
        if any(k in value.lower() for k in keywords) and "deem" not in value.lower():
            return value
    return outcome


# --- Employer portal and HR API (issue 5) ------------------------------------------------------
# An employer starts a case for a candidate and invites them; the candidate accepts (links the case
# to their account) and decides what the employer may see. Employer writes check membership here.

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
    from datetime import timedelta

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
    invitation_send_on_commit(kind="candidate", invitation_id=invitation.pk)
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


# --- Statistics snapshots (national scale) --------------------------------------------------------


def statistics_refresh(*, scopes: list[str] | None = None) -> int:
    """Recomputes the statistics snapshots: the given scopes, or "all" and every scope viewed before.
    Run by the beat task `applications.tasks.statistics_refresh`; returns the number refreshed."""
    if scopes is None:
        scopes = sorted({STATISTICS_ALL, *StatisticsSnapshot.objects.values_list("scope", flat=True)})
    for scope in scopes:
        began = monotonic()
        data = case_statistics_compute(scope_key=scope)
        StatisticsSnapshot.objects.update_or_create(scope=scope, defaults={
            "data": data, "computed_at": timezone.now(), "seconds": round(monotonic() - began, 3)})
    return len(scopes)
