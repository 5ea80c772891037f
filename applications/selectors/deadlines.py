"""The deadlines of the back office: the WSA's service targets and the offices' legal deadlines."""

from datetime import datetime, timedelta

from django.db.models import Case as DbCase
from django.db.models import DateTimeField, ExpressionWrapper, F, OuterRef, Subquery, Value, When
from django.utils import timezone

from ..lifecycle import CaseState
from ..models import DUE_LAST, DocumentRequest
from .office_requests import waiting_requests
from .staff import StaffScope

# Service target of the WSA for the completeness check after submission. The law sets none for the
# WSA itself; the accelerated procedure expects receipt/completeness confirmations within 2–4 weeks
# (DOMAIN.md §1.4, [V lexcada]); we aim for the short end. Move to applications/rules (deadlines).
COMPLETENESS_CHECK_DAYS = 14
DUE_SOON_DAYS = 3


# The states in which a case has a deadline in the WSA's view (case_due_expression).
DATED_STATES = (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK, CaseState.DOCUMENTS_REQUESTED,
                CaseState.AUTHORITY_REVIEW)


def case_due_expression(*, state: str | None = None, submitted_at: datetime | None = None):
    """The WSA's deadline of a case as an SQL expression over its row and its requests: the rule
    behind Case.due_at. For the state in the row, or for `state` when a transition writes the state
    in the same UPDATE (whose SET still sees the old row), with the submission time it sets."""
    if state is not None:
        return _due_in_state(state, submitted_at=submitted_at)
    return DbCase(*[When(state=dated, then=_due_in_state(dated)) for dated in DATED_STATES],
                  default=Value(None, output_field=DateTimeField()), output_field=DateTimeField())


def _due_in_state(state: str, *, submitted_at: datetime | None = None):
    """Submitted / completeness check: submitted_at + COMPLETENESS_CHECK_DAYS; documents requested:
    the earliest open request for documents; authority review: the earliest open authority request
    with a due date; any other state: none."""
    if state in (CaseState.SUBMITTED, CaseState.COMPLETENESS_CHECK):
        if submitted_at is not None:
            return Value(submitted_at + timedelta(days=COMPLETENESS_CHECK_DAYS), output_field=DateTimeField())
        return ExpressionWrapper(F("submitted_at") + timedelta(days=COMPLETENESS_CHECK_DAYS),
                                 output_field=DateTimeField())
    if state == CaseState.DOCUMENTS_REQUESTED:
        return Subquery(DocumentRequest.objects.filter(case=OuterRef("pk"), fulfilled_at__isnull=True)
                        .order_by("due_at").values("due_at")[:1], output_field=DateTimeField())
    if state == CaseState.AUTHORITY_REVIEW:
        return request_due_expression(office_ids=None)
    return Value(None, output_field=DateTimeField())


def request_due_expression(*, office_ids):
    """The earliest due date of the case's waiting authority requests (to the offices `office_ids`,
    or to any office)."""
    # A request without a due date (not yet delivered) has none to offer (and NULL must not win
    # the ORDER BY, as it would on SQLite).
    requests = waiting_requests().filter(case=OuterRef("pk"), due_at__isnull=False)
    if office_ids is not None:
        requests = requests.filter(authority__organisation__in=list(office_ids))
    return Subquery(requests.order_by("due_at").values("due_at")[:1], output_field=DateTimeField())


def deadline_expression(*, scope: StaffScope):
    """The legal (or service) deadline that matters to this viewer, as an annotation: the WSA's is
    stored on the case (Case.due_at), an office's is its earliest open request to that office."""
    if scope.sees_all:
        return F("due_at")
    return request_due_expression(office_ids=scope.office_ids)


def deadline_status(*, deadline, now=None) -> str:
    """'overdue', 'soon' or '' for a deadline, for the badge (text plus colour)."""
    if deadline is None or deadline >= DUE_LAST - timedelta(days=1):
        return ""
    now = now or timezone.now()
    if deadline < now:
        return "overdue"
    if deadline < now + timedelta(days=DUE_SOON_DAYS):
        return "soon"
    return ""
