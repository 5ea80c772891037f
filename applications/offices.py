"""Reads of the offices' work on cases, for the back office: the open tasks of an office's
caseworkers and the appointments of a case. They need the case store's states and decisions, so
they live above the authority hub; every function takes the viewer and returns only what they may see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from authorities.events import information_needed_reason
from authorities.models import (
    AppointmentBooking,
    Authority,
    AuthorityKind,
    AuthorityRequest,
    BookingState,
    Outcome,
    Purpose,
    RequestState,
)

from .lifecycle import CaseState
from .models import Decision
from .selectors.deadlines import COMPLETENESS_CHECK_DAYS, DATED_STATES
from .selectors.staff import staff_scope, viewer_authorities
from .selectors.visibility import case_visibility_filter


def case_appointments(*, viewer, case) -> list[AppointmentBooking]:
    """The bookings of a case (the active one and the history) for the back-office case file; the
    caller has read the case through `applications.selectors.case_file.case_get_for_staff`."""
    if case_visibility_filter(viewer=viewer) is None:
        return []
    return list(AppointmentBooking.objects.filter(case=case).select_related("slot__authority", "booked_by")
                .order_by("-created_at", "-pk"))


# --- open tasks of the viewer's office ---------------------------------------------------------
# The default landing of an office's caseworker: exactly the steps waiting for that office, most
# urgent legal deadline first. A BA, recognition body, register or foreigners' authority answers its
# requests; a visa office records the attendance of appointments that have begun and decides the
# visa once the case was referred to it; a foreigners' authority decides the residence permit after
# entry. The WSA's own work (completeness checks) is its case queue.

OFFICE_TASKS_SHOWN = 50
TASK_ANSWER_STEP = "answer_step"
TASK_RECORD_ATTENDANCE = "record_attendance"
TASK_DECIDE_VISA = "decide_visa"
TASK_DECIDE_PERMIT = "decide_permit"
# The residence permits of a family that entered together: one task, decided in one action
# (applications.household.family_permits_decide); `case` is the main applicant's or, if theirs is
# not among them, the first family member's.
TASK_DECIDE_FAMILY_PERMITS = "decide_family_permits"
TASK_INFORMATION_NEEDED = "information_needed"


@dataclass(frozen=True)
class OfficeTask:
    kind: str
    case: object
    office: Authority
    due_at: datetime | None
    step: str = ""
    booking: str = ""  # public id of the booking whose attendance is to be recorded
    people: int = 1  # how many persons' decisions the task covers (a family's permits)
    request: str = ""  # public id of the request an office answered "information needed" (the WSA's task)
    reason: str = ""  # what that office says is missing, in plain words

    @property
    def office_name(self) -> str:
        """The office's name; an answer can be on record without its office (AuthorityRequest.authority)."""
        return self.office.name if self.office is not None else _("the authority")

    @property
    def sort_key(self) -> tuple:
        """Most urgent deadline first; tasks without one after them, longest waiting application first."""
        latest = datetime.max.replace(tzinfo=UTC)
        return (self.due_at is None, self.due_at or latest, self.case.submitted_at or latest, self.case.pk)


# What a task shows and is ordered by (the task list, OfficeTask.sort_key, _families_together): a case row
# carries its search text and much else, and building 100 whole rows cost more than the queries.
_CASE_COLUMNS = ("public_id", "reference", "due_at", "submitted_at", "joins_id", "title_code")
_TASK_COLUMNS = ("purpose", "due_at", "authority_id", *(f"case__{name}" for name in _CASE_COLUMNS))


def _undecided(kind: str) -> Q:
    return ~Q(Exists(Decision.objects.filter(case=OuterRef("case"), kind=kind, status__in=[
        Decision.Status.AWAITING_APPROVAL, Decision.Status.ISSUED])))


def office_open_tasks(*, viewer, scope=None, limit: int = OFFICE_TASKS_SHOWN,
                      now: datetime | None = None) -> list[OfficeTask]:
    """The open tasks of the offices the viewer is staff of (their memberships only: the WSA and
    admins who see every request have no office tasks), ordered by legal deadline (none: last).
    `scope`: the viewer's staff_scope if already read."""
    if not viewer.is_authenticated:
        return []
    scope = scope or staff_scope(viewer=viewer)
    offices = viewer_authorities(viewer=viewer, scope=scope)
    if not offices:
        return []
    office_of = {office.pk: office for office in offices}.__getitem__
    now = now or timezone.now()
    end_of_today = timezone.make_aware(datetime.combine(timezone.localdate(now), time(23, 59, 59)))
    closed = [CaseState.WITHDRAWN, CaseState.REJECTED, CaseState.CLOSED]
    kinds = {office.kind for office in offices}
    visa_offices = [o for o in offices if o.kind == AuthorityKind.VISA_OFFICE]
    tasks: list[OfficeTask] = []
    # Requests the office owes an answer to; the visa request is answered with the appointment, and the
    # residence permit after entry with the permit's decision (below): only an extension's permit step,
    # applied for in Germany, is answered during the authority review.
    if kinds - {AuthorityKind.VISA_OFFICE}:
        requests = (AuthorityRequest.objects.filter(authority__in=offices, state__in=RequestState.open_states())
                    .exclude(purpose=Purpose.VISA).exclude(case__state__in=closed)
                    .exclude(Q(purpose=Purpose.RESIDENCE_PERMIT) & ~Q(case__state=CaseState.AUTHORITY_REVIEW))
                    .select_related("case").only(*_TASK_COLUMNS)
                    # due_at, case: the order of the index authreq_open_due, so a page stops after `limit`
                    # rows (ordered by due_at and pk, 1 M cases read 29,000 requests: 163 ms against 1.4)
                    .order_by(F("due_at").asc(nulls_last=True), "case_id", "pk")[:limit])
        tasks += [OfficeTask(TASK_ANSWER_STEP, r.case, office_of(r.authority_id), r.due_at, r.purpose)
                  for r in requests]
    # Appointments that have begun (today or earlier) and wait for the attendance record.
    if visa_offices:
        bookings = (AppointmentBooking.objects.filter(state=BookingState.ACTIVE, attended_at__isnull=True,
                                                      slot__authority__in=visa_offices,
                                                      slot__starts_at__lte=end_of_today)
                    .exclude(case__state__in=closed).select_related("case__person", "slot__authority")
                    # Whom the office is to have seen, and when: the row names both.
                    .only("public_id", "slot__starts_at", "slot__authority__name", "slot__authority__time_zone",
                          "case__person__surname", "case__person__given_names",
                          *(f"case__{name}" for name in _CASE_COLUMNS))
                    .order_by("slot__starts_at", "pk")[:limit])
        tasks += [OfficeTask(TASK_RECORD_ATTENDANCE, b.case, b.slot.authority, b.slot.starts_at, Purpose.VISA,
                             str(b.public_id)) for b in bookings]
    # Decisions that fall to the office: the visa after the referral, the permit after entry.
    for kind, office_kind, purpose, state, decision_kind in [
        (TASK_DECIDE_VISA, AuthorityKind.VISA_OFFICE, Purpose.VISA, CaseState.VISA_DECISION, "visa"),
        (TASK_DECIDE_PERMIT, AuthorityKind.FOREIGNERS_AUTHORITY, Purpose.RESIDENCE_PERMIT, CaseState.ENTERED,
         "residence_permit"),
    ]:
        if office_kind not in kinds:
            continue
        # The permit's task carries the case's deadline, which no state of a decision has (DATED_STATES):
        # it comes after every dated task, so when those fill the page there is nothing to read. The visa's
        # carries its request's: three weeks from the attended appointment in the § 81a procedure
        # (§ 31a Abs. 2 AufenthV), none in the regular one.
        if (kind == TASK_DECIDE_PERMIT and state not in DATED_STATES
                and sum(task.due_at is not None for task in tasks) >= limit):
            continue
        # The longest waiting application first, in the order of the index case_state_submitted_id, so
        # that a page stops after `limit` cases (1 M cases: the office's every case in the state read and
        # sorted by an empty deadline, 500-700 ms, against a few ms); applications waiting longer were
        # at the appointment earlier, so their § 31a periods end earlier too.
        rows = _serial_plan(AuthorityRequest.objects.filter(authority__in=offices, purpose=purpose, case__state=state)
                            .filter(_undecided(decision_kind)).select_related("case")
                            .only(*_TASK_COLUMNS).order_by("case__submitted_at", "case_id")[:limit])
        if kind == TASK_DECIDE_PERMIT:
            tasks += _families_together(rows, office_of)
        else:
            tasks += [OfficeTask(kind, r.case, office_of(r.authority_id), r.due_at, purpose) for r in rows]
    return sorted(tasks, key=lambda task: task.sort_key)[:limit]


def _serial_plan(query) -> list:
    """The rows of a query that stops after a page, planned without parallel workers (PostgreSQL). For the
    decisions to take, the planner multiplies the chances of "the case is in the state" and "the request is
    the office's permit step" as if they were independent (they go together), expects to walk ten times
    the cases it does and starts parallel workers, whose start costs more than the walk itself (at 1 M
    cases, under load: 20-35 ms against 3 ms)."""
    if connection.vendor != "postgresql":
        return list(query)
    # SET LOCAL ends with the transaction; inside a caller's transaction it is undone by hand.
    nested = connection.in_atomic_block
    with transaction.atomic(using=query.db), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        rows = list(query)
        if nested:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather TO DEFAULT")
    return rows


def _families_together(rows, office_of) -> list[OfficeTask]:
    """The permit decisions of one office, a family's (a main case and the cases joined to it) as one task."""
    families: dict[tuple, list] = {}
    for row in rows:
        families.setdefault((row.authority_id, row.case.joins_id or row.case.pk), []).append(row)
    tasks = []
    for members in families.values():
        first = min(members, key=lambda row: (row.case.joins_id is not None, row.case.pk))
        due = min((row.case.due_at for row in members if row.case.due_at), default=None)
        kind = TASK_DECIDE_FAMILY_PERMITS if len(members) > 1 else TASK_DECIDE_PERMIT
        tasks.append(OfficeTask(kind, first.case, office_of(first.authority_id), due, Purpose.RESIDENCE_PERMIT,
                                people=len(members)))
    return tasks


# --- the WSA's tasks from the offices' answers --------------------------------------------------
# An office that answers "information needed" stops its step (for the BA the deemed approval of
# § 36 Abs. 2 S. 1 BeschV no longer runs): the WSA gets what is missing from the applicant (a request
# for documents) or from the file, and sends the step again (authorities.services.authority_request_resend).
# The law sets the WSA no period for this; its target is that of the completeness check.


def wsa_information_needed_tasks(*, viewer, scope=None, limit: int = OFFICE_TASKS_SHOWN) -> list[OfficeTask]:
    """The steps of open cases whose office answered "information needed" and that were not sent
    again, for WSA staff (and admins; `scope`: the viewer's staff_scope if already read); oldest
    answer first. One query."""
    if not viewer.is_authenticated or not (scope or staff_scope(viewer=viewer)).is_wsa:
        return []
    rows = (AuthorityRequest.objects.filter(state=RequestState.ANSWERED, outcome=Outcome.INFORMATION_NEEDED,
                                            case__state__in=[CaseState.AUTHORITY_REVIEW,
                                                             CaseState.DOCUMENTS_REQUESTED,
                                                             CaseState.COMPLETENESS_CHECK])
            .select_related("case", "authority")
            .only("public_id", "answered_at", "response_body", "authority__name", *_TASK_COLUMNS)
            .order_by("answered_at", "pk")[:limit])
    return [OfficeTask(TASK_INFORMATION_NEEDED, r.case, r.authority,
                       r.answered_at + timedelta(days=COMPLETENESS_CHECK_DAYS) if r.answered_at else None,
                       r.purpose, request=str(r.public_id),
                       reason=information_needed_reason(r.response_body, with_note=True)) for r in rows]
