"""The back office's case file: a case and what it carries, for the staff who may read it."""


from django.db.models import Case as DbCase
from django.db.models import QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from accounts.models import OrganisationKind
from accounts.selectors import user_is_staff_member
from authorities.answer_texts import answer_condition_lines
from authorities.models import AuthorityRequest, ErrorCode, Outcome, RequestState
from documents.models import Document
from wsa.observability.context import bind_case

from ..models import Case, CaseAccess, Decision, DocumentRequest, Message
from .office_requests import WAITING_STATES
from .staff import staff_scope
from .visibility import case_list, case_visibility_filter


def case_get_for_staff(*, viewer, public_id) -> Case:
    """One case for the back office (404 when the staff member may not see it)."""
    if not user_is_staff_member(user=viewer):
        raise Http404
    visible = case_visibility_filter(viewer=viewer)
    if visible is None:
        raise Http404
    try:
        return bind_case(Case.objects.filter(visible)
                         .select_related("person", "employer", "employment", "assignment__user", "extension")
                         .get(public_id=public_id))
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def case_documents(*, viewer, case: Case):
    """The documents handed in with a case, with their findings. A document of the person's library is
    the case's only once it was handed in with it (documents.services.document_reuse copies it)."""
    if case_visibility_filter(viewer=viewer) is None:
        return Document.objects.none()
    return (Document.objects.filter(pk__in=_handed_in_or_shared(case)).prefetch_related("findings")
            .order_by("-created_at", "-pk"))


def _handed_in_or_shared(case: Case):
    """The ids of the case's documents and of those a family shares with it (linked to this case,
    handed in with another), as one UNION: with `case = X OR id IN (linked)` PostgreSQL reads the
    whole document table (a hashed subplan cannot use an index; 150-200 ms at 0.5 M documents)."""
    own = Document.objects.filter(case=case).order_by().values("pk")
    return own.union(Document.linked_cases.through.objects.filter(case=case).order_by().values("document_id"))


def case_document_get(*, viewer, case: Case, public_id):
    try:
        return case_documents(viewer=viewer, case=case).get(public_id=public_id)
    except Exception as exc:  # DoesNotExist, ValidationError on a malformed id
        raise Http404 from exc


def case_messages(*, viewer, case: Case) -> QuerySet[Message]:
    """Messages of a case; internal notes only for staff."""
    messages = case.messages.select_related("author")
    if not user_is_staff_member(user=viewer):
        messages = messages.filter(internal=False)
    return messages


def case_decisions(*, viewer, case: Case) -> QuerySet[Decision]:
    decisions = case.decisions.select_related("decided_by", "approved_by")
    if not user_is_staff_member(user=viewer):
        decisions = decisions.filter(status=Decision.Status.ISSUED)
    return decisions


def case_decision_get(*, viewer, case: Case, public_id) -> Decision:
    try:
        return case_decisions(viewer=viewer, case=case).get(public_id=public_id)
    except Exception as exc:
        raise Http404 from exc


def case_document_requests(*, viewer, case: Case) -> QuerySet[DocumentRequest]:
    return case.document_requests.select_related("requested_by")


def case_authority_steps(*, viewer, case: Case) -> list[AuthorityRequest]:
    """Every authority request of the case (the case file is shared by all offices that work it)."""
    scope = staff_scope(viewer=viewer)
    # Which of them still wait for an answer, in the same query (not one per request).
    # Not the request documents sent nor the delivery errors: no page of the case file shows them.
    requests = (AuthorityRequest.objects.filter(case=case).select_related("authority")
                .defer("request_body", "last_error")
                .annotate(wsa_open=DbCase(When(state__in=WAITING_STATES, then=Value(True)), default=Value(False))))
    steps = []
    now = timezone.now()
    for request in requests.order_by("pk"):
        office_id = request.authority.organisation_id if request.authority else None
        # Past a deadline whose silence is approval, the law has answered: nothing is left to answer.
        request.wsa_answerable = (office_id in scope.office_ids and request.wsa_open
                                  and not request.approved_by_silence(now))
        request.wsa_reroutable = scope.is_wsa and _unrouted(request)
        request.wsa_office_name = str(request.authority or "")
        steps.append(request)
    return steps


def conditions_text(conditions) -> str:
    """Conditions of an authority answer (text, list or dict) as one readable line."""
    return " ".join(answer_condition_lines(conditions))


def case_authority_step_get(*, viewer, case: Case, public_id) -> AuthorityRequest:
    """A request of this case to one of the viewer's offices, or 404."""
    scope = staff_scope(viewer=viewer)
    if not scope.office_ids:
        raise Http404
    try:
        return AuthorityRequest.objects.get(case=case, public_id=public_id,
                                            authority__organisation__in=list(scope.office_ids))
    except Exception as exc:
        raise Http404 from exc


def _information_needed(case: Case) -> QuerySet[AuthorityRequest]:
    return AuthorityRequest.objects.filter(case=case, state=RequestState.ANSWERED, outcome=Outcome.INFORMATION_NEEDED)


def case_information_needed(*, case: Case) -> bool:
    """An office of this case answered "information needed" and the step was not sent again yet."""
    return _information_needed(case).exists()


def case_information_needed_step_get(*, viewer, case: Case, public_id) -> AuthorityRequest:
    """For WSA staff (and admins), who follow up the offices' questions: a step of this case that is
    waiting for information, or 404. The caller read the case through case_get_for_staff."""
    if not staff_scope(viewer=viewer).is_wsa:
        raise Http404
    try:
        return _information_needed(case).select_related("authority").get(public_id=public_id)
    except Exception as exc:
        raise Http404 from exc


# A step for which routing found no responsible office: it waits to be sent again (as a query and as a test).
_UNROUTED = {"state": RequestState.FAILED, "error_code": ErrorCode.NO_OFFICE, "authority__isnull": True}


def _unrouted(request: AuthorityRequest) -> bool:
    return (request.state == _UNROUTED["state"] and request.error_code == _UNROUTED["error_code"]
            and request.authority_id is None)


def case_unrouted_steps(*, case: Case) -> list[AuthorityRequest]:
    """The case's steps for which routing found no responsible office (they wait to be sent again)."""
    return list(AuthorityRequest.objects.filter(case=case, **_UNROUTED).order_by("pk"))


def case_unrouted_step_get(*, viewer, case: Case, public_id) -> AuthorityRequest:
    """For WSA staff, who send the case to the authorities: a step of this case that found no responsible
    office, or 404. The caller read the case through case_get_for_staff."""
    if not staff_scope(viewer=viewer).is_wsa:
        raise Http404
    try:
        return AuthorityRequest.objects.get(case=case, public_id=public_id, **_UNROUTED)
    except Exception as exc:
        raise Http404 from exc


def case_access_list(*, viewer, case: Case) -> QuerySet[CaseAccess]:
    """Who read the case file, its documents and decisions: for the applicant (their own case) and staff."""
    allowed = (case.person.user_id is not None and case.person.user_id == viewer.pk) or (
        user_is_staff_member(user=viewer) and case_list(viewer=viewer).filter(pk=case.pk).exists())
    if not allowed:
        return CaseAccess.objects.none()
    return case.accesses.select_related("actor", "organisation")


def decision_get_by_verification_code(*, code: str) -> Decision | None:
    """The public verification page: an issued decision by its code, or None. No viewer: the code is the key."""
    if not code or len(code) > 32:
        return None
    return (Decision.objects.filter(verification_code=code, status=Decision.Status.ISSUED)
            .select_related("case", "decided_by", "approved_by").first())


def decisions_awaiting_approval(*, viewer) -> QuerySet[Decision]:
    """Rejections waiting for a second pair of eyes, for a supervisor of the deciding kind of office."""
    scope = staff_scope(viewer=viewer)
    kinds = []
    if scope.is_supervisor_of_kind(OrganisationKind.VISA_OFFICE):
        kinds.append(Decision.Kind.VISA)
    if scope.is_supervisor_of_kind(OrganisationKind.FOREIGNERS_AUTHORITY):
        kinds.append(Decision.Kind.RESIDENCE_PERMIT)
    visible = case_visibility_filter(viewer=viewer)
    if not kinds or visible is None:
        return Decision.objects.none()
    return (Decision.objects.filter(status=Decision.Status.AWAITING_APPROVAL, kind__in=kinds,
                                    case__in=Case.objects.filter(visible))
            .exclude(decided_by=viewer).select_related("case", "decided_by"))
