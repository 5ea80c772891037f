"""The employer portal and the HR API: what an employer may read of the cases of its organisation.

The candidate's consent decides:
  no consent / "status": reference, state, next step (who must do what, by when) and the state
      history; the employer's own declaration (employment) and its own § 81a uploads;
  "full": also the candidate's personal data, their documents, the whole message thread and the
      eligibility verdict with its reasons.
Consent is read on every request, so a revocation takes effect at once."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import CandidateInvitation, CaseConsent, Membership, Role
from accounts.selectors import case_consent_in_force, employer_organisations_for_user
from documents.models import Document
from documents.services import REQUIREMENT_KEY
from wsa.observability.context import bind_case

from ..lifecycle import CaseState
from ..models import DUE_LAST, FAMILY_TITLE, Case, DocumentRequest, Event, Message, Relationship
from ..selectors.deadlines import COMPLETENESS_CHECK_DAYS

EMPLOYER_PAGE_SIZE = 50
CONSENT_NONE = ""


@dataclass
class EmployerCaseFilters:
    state: str = ""
    title: str = ""
    q: str = ""


def _employer_organisations(viewer):
    return employer_organisations_for_user(user=viewer)


def _consent_scope_subquery():
    return Subquery(CaseConsent.objects.filter(case=OuterRef("pk"), organisation=OuterRef("employer"),
                                               revoked_at__isnull=True).values("scope")[:1])


def employer_cases(*, organisations, filters: EmployerCaseFilters | None = None) -> QuerySet[Case]:
    """Cases of the given employer organisations, annotated with `consent_scope`, filtered, newest first."""
    filters = filters or EmployerCaseFilters()
    cases = (Case.objects.filter(employer__in=organisations)
             .annotate(consent_scope=Coalesce(_consent_scope_subquery(), Value(CONSENT_NONE)))
             .select_related("person", "employer", "employer_details", "employment"))
    if filters.state in CaseState.values:
        cases = cases.filter(state=filters.state)
    if filters.title:
        cases = cases.filter(title_code=filters.title)
    term = (filters.q or "").strip()
    if term:
        # Names are searched only where the candidate shared them (full consent).
        cases = cases.filter(
            Q(reference__icontains=term) | Q(employer_details__employer_reference__icontains=term)
            | (Q(consent_scope="full") & (Q(person__surname__icontains=term) | Q(person__given_names__icontains=term)))
        )
    prefetch = [Prefetch("candidate_invitations", queryset=CandidateInvitation.objects.order_by("-created_at")),
                Prefetch("document_requests", queryset=DocumentRequest.objects.filter(fulfilled_at__isnull=True)
                         .order_by("due_at")),
                "authority_requests__authority"]
    return cases.prefetch_related(*prefetch).order_by("-created_at", "-pk")


def employer_case_list(*, viewer, filters: EmployerCaseFilters | None = None) -> QuerySet[Case]:
    """Every case of the viewer's employer organisations (none for anybody else)."""
    return employer_cases(organisations=_employer_organisations(viewer), filters=filters)


def employer_case_get(*, viewer, public_id) -> Case:
    """A case of one of the viewer's employer organisations, or 404 (also for other organisations' cases)."""
    try:
        return bind_case(employer_case_list(viewer=viewer).get(public_id=public_id))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    except Exception as exc:  # ValidationError of a malformed id

        if isinstance(exc, ValidationError):
            raise Http404 from exc
        raise


def case_consent_scope(*, case: Case) -> str:
    """"full", "status" or "" (no consent in force) for the employer of the case."""
    if hasattr(case, "consent_scope"):
        return case.consent_scope or CONSENT_NONE

    consent = case_consent_in_force(case=case)
    return consent.scope if consent else CONSENT_NONE


@dataclass(frozen=True)
class Need:
    """What is needed from whom for the case to move on, and by when."""

    who: str          # "candidate" | "employer" | "wsa" | "authority" | "nobody"
    who_label: str
    text: str
    due: datetime | None = None


_WHO = {
    "candidate": gettext_lazy("Candidate"),
    "employer": gettext_lazy("Your organisation"),
    "wsa": gettext_lazy("Work-and-Stay-Agentur"),
    "authority": gettext_lazy("Authority"),
}


def _need(who: str, text, due=None, label=None) -> Need:
    return Need(who=who, who_label=str(label or _WHO[who]), text=str(text), due=due)


def latest_invitation(case: Case):
    """The case's newest invitation to a candidate (from the prefetched ones), or None."""
    invitations = list(case.candidate_invitations.all())
    if not invitations:
        return None
    return max(invitations, key=lambda i: (i.created_at, i.pk))


def case_invitation_status(*, case: Case) -> str:
    """"accepted", "pending", "expired", "declined", "revoked" or "" (no invitation)."""
    if case.person.user_id is not None:
        return "accepted"
    invitation = latest_invitation(case)
    if invitation is None:
        return ""
    if invitation.accepted_at:
        return "accepted"
    if invitation.declined_at:
        return "declined"
    if invitation.revoked_at:
        return "revoked"
    if invitation.expires_at <= timezone.now():
        return "expired"
    return "pending"


def case_authority_deadlines(*, case: Case) -> list[dict]:
    """Open authority steps of the case with their legal deadlines."""
    rows = []
    for request in case.authority_requests.all():
        if not request.is_open:
            continue
        rows.append({
            "step": str(request.get_purpose_display()),
            "authority": str(request.authority) if request.authority is not None else "",
            "due": request.due_at,
            "deemed_approval": request.deemed_approval_on_silence,
            "source": request.deadline_source,
        })
    return sorted(rows, key=lambda r: (r["due"] is None, r["due"] or DUE_LAST))


def case_accelerated_documents(*, case: Case) -> dict[str, list]:
    """The § 81a documents of the case by requirement code (power of attorney, agreement)."""
    found: dict[str, list] = {"power_of_attorney_81a": [], "agreement_81a": []}
    for document in Document.objects.filter(case=case).exclude(state=Document.State.REJECTED).order_by("created_at"):
        code = (document.extracted or {}).get(REQUIREMENT_KEY, "")
        if code in found:
            found[code].append(document)
    return found


def employer_case_family(*, case: Case) -> list[dict]:
    """The candidate's family members whose cases the employer's § 81a procedure includes (§ 81a Abs. 4
    AufenthG: spouse and minor children): only who (name, relationship) and the state of their case,
    never their documents or other data (data minimisation). Empty outside the accelerated procedure."""
    if not case.accelerated:
        return []
    relationship = {code: Relationship(key).label for key, code in FAMILY_TITLE.items()}
    return [{"name": member.person.full_name, "relationship": relationship.get(member.title_code, ""),
             "state": member.get_state_display(), "included": member.accelerated}
            for member in Case.objects.filter(joins=case).exclude(state=CaseState.WITHDRAWN)
            .select_related("person").only("title_code", "state", "accelerated", "person__surname",
                                           "person__given_names").order_by("created_at")]


def case_needs(*, case: Case, accelerated_documents: dict | None = None) -> list[Need]:
    """What is needed from whom now, first the most pressing. Uses prefetched invitations,
    document requests and authority requests when the case came from employer_cases()."""
    state = case.state
    needs: list[Need] = []
    if state == CaseState.DRAFT:
        status = case_invitation_status(case=case)
        invitation = latest_invitation(case)
        if status == "pending":
            needs.append(_need("candidate", _("Accept the invitation and decide what the employer may see."),
                               invitation.expires_at))
        elif status in ("expired", "revoked", ""):
            needs.append(_need("employer", _("Send the candidate a new invitation.")))
        else:
            needs.append(_need("candidate", _("Complete the application and submit it.")))
        if case.accelerated:
            documents = accelerated_documents if accelerated_documents is not None else case_accelerated_documents(
                case=case)
            if not all(documents.values()):
                needs.append(_need("employer", _("Upload the signed power of attorney and the agreement for the "
                                                 "accelerated procedure.")))
    elif state in (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK):
        due = case.submitted_at + timedelta(days=COMPLETENESS_CHECK_DAYS) if case.submitted_at else None
        needs.append(_need("wsa", _("Check that the application is complete."), due))
    elif state == CaseState.DOCUMENTS_REQUESTED:
        requests = [r for r in case.document_requests.all() if r.fulfilled_at is None]
        for request in requests:
            if request.reason == "employer_declaration":
                needs.append(_need("employer", _("Complete the employment declaration."), request.due_at))
            else:
                needs.append(_need("candidate", _("Provide the requested documents."), request.due_at))
        if not requests:
            needs.append(_need("candidate", _("Provide the requested documents.")))
    elif state == CaseState.AUTHORITY_REVIEW:
        steps = case_authority_deadlines(case=case)
        for step in steps:
            needs.append(_need("authority", step["step"], step["due"], label=step["authority"] or None))
        if not steps:
            needs.append(_need("authority", _("The authorities review the case.")))
    elif state == CaseState.VISA_DECISION:
        needs.append(_need("authority", _("Decide on the visa."), label=_("Visa office")))
    elif state == CaseState.VISA_GRANTED:
        needs.append(_need("candidate", _("Travel to Germany and report the entry.")))
    elif state == CaseState.ENTERED:
        needs.append(_need("authority", _("Issue the residence permit."), label=_("Foreigners' authority")))
    return needs


def case_next_step(*, case: Case) -> Need | None:
    needs = case_needs(case=case)
    return needs[0] if needs else None


# What an employer reads -------------------------------------------------------------------------


def employer_case_messages(*, viewer, case: Case) -> QuerySet[Message]:
    """The employer's thread: with full consent every public message of the case; otherwise only the
    messages of the employer's thread (its members and the case team's replies to it)."""
    messages = case.messages.filter(internal=False).select_related("author").order_by("created_at", "pk")
    if case_consent_scope(case=case) != "full":
        messages = messages.filter(employer_thread__organisation_id=case.employer_id)
    return messages


def employer_case_documents(*, case: Case):
    """The candidate's documents of the case, only with full consent."""
    if case_consent_scope(case=case) != "full":
        return Document.objects.none()
    return Document.objects.filter(case=case).order_by("-created_at", "-pk")


def employer_case_document_get(*, viewer, case: Case, public_id):
    """A document the employer may download: with full consent any of the case, otherwise only
    the § 81a documents its own members uploaded."""
    documents = Document.objects.filter(case=case)
    if case_consent_scope(case=case) != "full":
        members = Membership.objects.filter(organisation_id=case.employer_id, role__in=Role.employer_roles())
        documents = documents.filter(uploaded_by__in=members.values("user_id"))
    try:
        return documents.get(public_id=public_id)
    except Exception as exc:  # DoesNotExist or a malformed id
        raise Http404 from exc


def employer_case_timeline(*, case: Case) -> QuerySet[Event]:
    """Public events; without full consent only the state changes (their payload can hold notes)."""
    events = case.events.filter(internal=False).order_by("created_at", "pk")
    if case_consent_scope(case=case) != "full":
        events = events.filter(kind__in=["created", "transition"])
    return events


def employer_case_candidate(*, case: Case) -> dict | None:
    """The candidate's personal data for the employer: only with full consent."""
    if case_consent_scope(case=case) != "full":
        return None
    person = case.person
    return {
        "given_names": person.given_names, "surname": person.surname, "full_name": person.full_name,
        "email": person.email or (person.user.email if person.user_id else ""),
        "birth_date": person.birth_date, "nationality": person.nationality, "phone": person.phone,
        "city": person.city, "country_of_residence": person.country_of_residence,
    }


EXPORT_CHUNK_SIZE = 500


def _newest_first_in_chunks(cases: QuerySet[Case]):
    """The cases of a queryset ordered newest first ("-created_at", "-pk"), read by keyset in pages of
    EXPORT_CHUNK_SIZE (with their prefetches): memory stays flat whatever the number. Not `iterator()`:
    behind PgBouncer server-side cursors are off, and the driver would then hold the whole result."""
    size, last = EXPORT_CHUNK_SIZE, None
    while True:
        page = cases
        if last is not None:
            page = page.filter(Q(created_at__lt=last.created_at) | Q(created_at=last.created_at, pk__lt=last.pk))
        batch = list(page.order_by("-created_at", "-pk")[:size])
        yield from batch
        if len(batch) < size:
            return
        last = batch[-1]


def employer_export_rows(*, cases: QuerySet[Case]):
    """CSV rows (after a header) for the dashboard export, generated page by page; the candidate's name
    and e-mail only with full consent. Cells that a spreadsheet would run as a formula are neutralised."""
    for case in _newest_first_in_chunks(cases):
        candidate = employer_case_candidate(case=case)
        details = getattr(case, "employer_details", None) if has_related(case, "employer_details") else None
        employment = case.employment if has_related(case, "employment") else None
        need = next(iter(case_needs(case=case)), None)
        yield [_csv_cell(v) for v in [
            case.reference, details.employer_reference if details else "", case.get_state_display(),
            f"{need.who_label}: {need.text}" if need else "", need.due.date().isoformat() if need and need.due else "",
            case.title_code, "yes" if case.accelerated else "no",
            employment.job_title if employment else "",
            candidate["full_name"] if candidate else "", candidate["email"] if candidate else "",
            case.consent_scope if hasattr(case, "consent_scope") else case_consent_scope(case=case),
            timezone.localtime(case.created_at).date().isoformat(),
        ]]


EMPLOYER_EXPORT_HEADER = ["reference", "your_reference", "state", "next_step", "next_step_due", "title",
                          "accelerated", "job_title", "candidate_name", "candidate_email", "consent", "created"]


def has_related(obj, name: str) -> bool:
    """Whether the one-to-one relation `name` of `obj` holds a row (reading it raises when not)."""
    try:
        return getattr(obj, name) is not None
    except ObjectDoesNotExist:
        return False


def _csv_cell(value) -> str:
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text
