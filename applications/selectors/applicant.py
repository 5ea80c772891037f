"""The applicant portal and the application wizard: only the viewer's own cases (not those they see
as an employer)."""


from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from accounts.selectors import user_is_staff_member
from authorities.models import RequestState
from documents.selectors import document_list, documents_for_display
from documents.services import REQUIREMENT_KEY
from wsa.observability.context import bind_case

from .. import rules
from ..lifecycle import CaseState
from ..models import Case, Decision, DocumentRequestReason, Employment, Person, Qualification, WorkExperience
from .visibility import case_timeline, case_visibility_filter


def person_for_user(*, viewer):
    """The viewer's once-only profile, or None before they first used the portal."""
    if not viewer.is_authenticated:
        return None
    return Person.objects.filter(user=viewer).first()


def applicant_case_list(*, viewer) -> QuerySet[Case]:
    if not viewer.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(person__user=viewer).select_related("person", "employer")


def applicant_case_get(*, viewer, public_id) -> Case:
    """One of the viewer's own cases, or 404 (also for cases they could see as employer or staff). With
    its extension link (the status tracker and the case pages ask whether it extends a title)."""
    try:
        return bind_case(applicant_case_list(viewer=viewer).select_related("extension").get(public_id=public_id))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def case_version(*, viewer, public_id, own_only: bool = True) -> int | None:
    """The case's change counter in one cheap query, without loading the case; None if the viewer
    may not see the case. Status fragments build their ETag from it."""
    if own_only:
        if not viewer.is_authenticated:
            return None
        return _own_case_version(viewer_id=viewer.pk, public_id=public_id)
    else:
        visible = case_visibility_filter(viewer=viewer)
        if visible is None:
            return None
        cases = Case.objects.filter(visible)
    try:
        return cases.filter(public_id=public_id).values_list("version", flat=True).first()
    except (ValueError, TypeError):
        return None


def _own_case_version(*, viewer_id: int, public_id) -> int | None:
    """The hot path of every poll (every 5 s per open status page): one statement by the unique
    index on public_id, written out so that no ORM query is compiled per request."""
    try:
        value = Case._meta.get_field("public_id").get_db_prep_value(public_id, connection)
    except (ValueError, TypeError, AttributeError, ValidationError):
        return None
    sql = (f"SELECT c.version FROM {Case._meta.db_table} c JOIN {Person._meta.db_table} p ON p.id = c.person_id "  # noqa: S608
           "WHERE c.public_id = %s AND p.user_id = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [value, viewer_id])
        row = cursor.fetchone()
    return row[0] if row else None


def case_version_and_owner_hash(*, viewer, public_id) -> tuple[int, str] | None:
    """The case's version and the session hash of its owner's current password, if the viewer owns
    the case and is still active; in one statement. The status poll's cache entry is checked against
    it right after it is written (applications.status_poll.remember)."""
    try:
        value = Case._meta.get_field("public_id").get_db_prep_value(public_id, connection)
    except (ValueError, TypeError, AttributeError, ValidationError):
        return None
    user_model = get_user_model()
    sql = (f"SELECT c.version, u.password FROM {Case._meta.db_table} c "  # noqa: S608
           f"JOIN {Person._meta.db_table} p ON p.id = c.person_id "
           f"JOIN {user_model._meta.db_table} u ON u.id = p.user_id "
           "WHERE c.public_id = %s AND p.user_id = %s AND u.is_active")
    with connection.cursor() as cursor:
        cursor.execute(sql, [value, viewer.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0], user_model(pk=viewer.pk, password=row[1]).get_session_auth_hash()


def case_public_messages(*, viewer, case: Case):
    """The message thread of a case; internal notes never reach applicants or employers."""
    messages = case.messages.select_related("author")
    if not user_is_staff_member(user=viewer):
        messages = messages.filter(internal=False)
    return messages.order_by("created_at", "pk")


def case_issued_decisions(*, viewer, case: Case):
    decisions = case.decisions.all()
    if not user_is_staff_member(user=viewer):
        decisions = decisions.filter(status=Decision.Status.ISSUED)
    return decisions.order_by("-issued_at", "-created_at")


def decision_get(*, viewer, public_id):
    """An issued decision of one of the viewer's own cases, or 404."""
    try:
        return Decision.objects.select_related("case").get(
            case__in=applicant_case_list(viewer=viewer), status=Decision.Status.ISSUED, public_id=public_id
        )
    except (Decision.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def applicant_document_request(*, viewer, case: Case) -> dict | None:
    """What the case team asked for while the case waits for documents: the open structured
    requests (reason, note, deadline) and the reason/deadline of the transition that asked."""
    if case.state != CaseState.DOCUMENTS_REQUESTED:
        return None
    event = (
        case_timeline(viewer=viewer, case=case)
        .filter(kind="transition", to_state=CaseState.DOCUMENTS_REQUESTED)
        .order_by("-created_at", "-pk")
        .first()
    )
    payload = (event.payload if event else {}) or {}
    deadline = payload.get("deadline") or None
    if deadline:
        try:
            deadline = date.fromisoformat(str(deadline)[:10])
        except ValueError:
            pass
    requests = list(case.document_requests.filter(fulfilled_at__isnull=True).order_by("due_at"))
    reason = str(payload.get("reason") or payload.get("note") or "")
    if reason in DocumentRequestReason.values:  # a code ("illegible") reads as its label
        reason = str(DocumentRequestReason(reason).label)
    return {
        "reason": reason,
        "deadline": deadline,
        "requested_at": event.created_at if event else None,
        "requests": requests,
    }


def applicant_authority_steps(*, viewer, case: Case) -> list[dict]:
    """The authority steps of the viewer's case as plain rows: what, which office, state and legal deadline."""
    # Not the request and answer documents (JSON, often many kilobytes): this is read on every
    # status page and poll that is not answered from the cache.
    rows = case.authority_requests.select_related("authority").defer("request_body", "response_body", "last_error")
    steps = []
    for row in rows:
        # Not yet sent, or a delivery problem the WSA is fixing: nothing the applicant must act on.
        in_preparation = row.state in (RequestState.PENDING, RequestState.FAILED)
        steps.append({
            "label": row.get_purpose_display(),
            "authority": row.authority.name if row.authority is not None else "",
            "state": gettext("in preparation") if in_preparation else row.get_state_display(),
            "state_value": row.state,
            "outcome": row.get_outcome_display(),
            "deadline": row.due_at,
            "deemed_approval": row.deemed_approval,
        })
    return steps


def qualification_get(*, viewer, pk):
    try:
        return Qualification.objects.get(person__user=viewer, pk=int(pk))
    except (Qualification.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def work_experience_get(*, viewer, pk):
    try:
        return WorkExperience.objects.get(person__user=viewer, pk=int(pk))
    except (WorkExperience.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


# --- The application wizard -------------------------------------------------------------------

def title_needs_job_offer(title_code: str, accelerated: bool = False) -> bool:
    """Titles whose mandatory documents include the employment contract need a job offer."""
    try:
        requirements = rules.required_documents(title_code, accelerated=accelerated)
    except rules.UnknownTitle:
        return False
    return any(r.code == "employment_contract" and r.mandatory for r in requirements)


def case_checklist(*, viewer, case: Case) -> list[dict]:
    """The documents the case's title needs before the visa (rules.required_documents), each with
    the documents of the case uploaded for it. A rejected document does not count."""
    documents = documents_for_display(document_list(viewer=viewer, case=case).order_by("created_at"))
    return requirement_rows(case=case, documents=documents)


def requirement_rows(*, case: Case, documents) -> list[dict]:
    """`documents` (of `case`, already read) under the title's requirements before the visa: per requirement
    its label, whether it is mandatory (else its condition), the documents uploaded for it and whether one of
    them counts (`satisfied`: not rejected); then a row of the other documents. The applicant's checklist and
    the caseworker's completeness check read the same rows."""
    try:
        requirements = [
            r for r in rules.required_documents(case.title_code, accelerated=case.accelerated) if r.stage == "visa"
        ]
    except rules.UnknownTitle:
        requirements = []
    by_code: dict[str, list] = {}
    for document in documents:
        by_code.setdefault((document.extracted or {}).get(REQUIREMENT_KEY, ""), []).append(document)
    rows = []
    for requirement in requirements:
        attached = by_code.pop(requirement.code, [])
        rows.append({
            "code": requirement.code,
            "label": requirement.label,
            "mandatory": requirement.mandatory,
            "condition": requirement.condition_label,
            "documents": attached,
            "satisfied": any(d.state != "rejected" for d in attached),
        })
    others = [d for docs in by_code.values() for d in docs]
    if others:
        rows.append({"code": "", "label": gettext_lazy("Other documents"), "mandatory": False, "condition": None,
                     "documents": others, "satisfied": True})
    return rows


def application_missing(*, viewer, case: Case, checklist: list[dict] | None = None) -> dict[str, list[str]]:
    """What a draft still lacks before it can be submitted, by wizard step: {step: [messages]}."""
    missing: dict[str, list[str]] = {}

    def add(step, message):
        missing.setdefault(step, []).append(message)

    if case.title_code not in rules.TITLE_CODES:
        add("title", _("Choose the residence title you apply for."))
    person = case.person
    for name, message in [
        ("surname", _("Enter your surname as in your passport.")),
        ("birth_date", _("Enter your date of birth.")),
        ("nationality", _("Enter your nationality.")),
        ("passport_number", _("Enter your passport number.")),
        ("passport_expiry", _("Enter the date until which your passport is valid.")),
        ("city", _("Enter the city where you live.")),
        ("country_of_residence", _("Enter the country where you live.")),
    ]:
        if not getattr(person, name):
            add("personal", message)
    if not person.qualifications.exists():
        add("qualification", _("Add at least one qualification."))
    if title_needs_job_offer(case.title_code, case.accelerated) and not case_has_employment(case=case):
        add("employment", _("Enter the job offer."))
    for row in checklist if checklist is not None else case_checklist(viewer=viewer, case=case):
        if row["mandatory"] and not row["satisfied"]:
            add("documents", _("Upload: %(document)s") % {"document": row["label"]})
    return missing


def case_has_employment(*, case: Case) -> bool:
    return Employment.objects.filter(case=case).exists()
