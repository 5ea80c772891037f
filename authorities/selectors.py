"""Reads of the authority hub; every function takes the viewer and returns only what they may see.

Caseworkers of an office see the requests to their office (Authority.organisation and their staff
memberships). The WSA runs the hub: its staff see every request, including those no office could
be found for.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.db.models.functions import Trunc
from django.http import Http404
from django.utils import timezone

from accounts.models import OrganisationKind, Role
from accounts.selectors import authority_organisations_for_user, organisation_list_for_user
from applications.rules.catalogue import APPOINTMENT

from . import routing
from .models import (
    AppointmentBooking,
    AppointmentSlot,
    Authority,
    AuthorityKind,
    AuthorityRequest,
    BookingState,
    Outbox,
    OutboxState,
    Outcome,
    Purpose,
    RequestState,
)


def viewer_sees_all_requests(*, viewer) -> bool:
    if not viewer.is_authenticated:
        return False
    return viewer.is_superuser or organisation_list_for_user(
        user=viewer, kinds=[OrganisationKind.WSA], roles=Role.staff_roles()
    ).exists()


def authority_list(*, viewer) -> QuerySet[Authority]:
    """The offices whose requests the viewer may see."""
    if not viewer.is_authenticated:
        return Authority.objects.none()
    if viewer_sees_all_requests(viewer=viewer):
        return Authority.objects.all()
    return Authority.objects.filter(organisation__in=authority_organisations_for_user(user=viewer))


def _overdue_q(now) -> Q:
    return Q(state__in=RequestState.open_states(), due_at__lt=now)


def authority_request_list(*, viewer, authority: Authority | int | None = None, state: str | None = None,
                           overdue: bool | None = None) -> QuerySet[AuthorityRequest]:
    """Requests of the viewer's offices; optionally of one office, in one state, (not) overdue."""
    if not viewer.is_authenticated:
        return AuthorityRequest.objects.none()
    requests = AuthorityRequest.objects.select_related("case", "authority")
    if not viewer_sees_all_requests(viewer=viewer):
        requests = requests.filter(authority__in=authority_list(viewer=viewer))
    if authority is not None:
        requests = requests.filter(authority=authority)
    if state:
        requests = requests.filter(state=state)
    if overdue is True:
        requests = requests.filter(_overdue_q(timezone.now()))
    elif overdue is False:
        requests = requests.exclude(_overdue_q(timezone.now()))
    return requests.order_by("due_at", "created_at", "pk")


# The board lists the most urgent requests of each office and counts the rest up to a cap: at
# national scale an office has tens of thousands of open requests (counting them all costs a
# quarter of a second per view; listing them all, megabytes of HTML).
BOARD_ROWS = 10
BOARD_COUNT_CAP = 1000


def authority_board(*, viewer) -> list[dict]:
    """The back-office overview: per office (and "no office" for the hub's staff) the overdue,
    the other open and the failed requests — the BOARD_ROWS most urgent of each, with their counts
    (exact up to BOARD_COUNT_CAP). A constant number of queries however many offices and requests."""
    now = timezone.now()
    offices = list(authority_list(viewer=viewer).order_by("kind", "name"))
    sees_all = viewer_sees_all_requests(viewer=viewer)
    if connection.vendor == "postgresql":
        buckets = _board_buckets_sql(offices=offices, unrouted=sees_all, now=now)
    else:
        buckets = _board_buckets_python(viewer=viewer, now=now)
    ids = [pk for bucket in buckets.values() for _count, rows in bucket.values() for pk in rows]
    loaded = AuthorityRequest.objects.select_related("case", "authority").in_bulk(ids)
    groups: dict[int | None, dict] = {}
    for office in offices:
        groups[office.pk] = _board_group(office, buckets.get(office.pk), loaded)
    board = list(groups.values())
    if sees_all and buckets.get(None) and any(count for count, _rows in buckets[None].values()):
        board.append(_board_group(None, buckets[None], loaded))
    return board


def _board_group(office, bucket, loaded) -> dict:
    group = {"authority": office}
    for name in ("overdue", "open", "failed"):
        count, rows = (bucket or {}).get(name, (0, []))
        group[name] = [loaded[pk] for pk in rows if pk in loaded]
        group[f"{name}_count"] = count
        group[f"{name}_shown"] = f"{BOARD_COUNT_CAP:,}+" if count > BOARD_COUNT_CAP else str(count)
    return group


def _board_buckets_sql(*, offices, unrouted: bool, now) -> dict:
    """{office id or None: {bucket: (count up to the cap + 1, [request ids, most urgent first])}} in
    one query: per office and bucket a capped count and a LIMITed list, each written as index range
    scans (authreq_open_due: office, deadline, case; authreq_authority_case; authreq_authority_state)
    so that an office with tens of thousands of open requests costs no more than one with ten."""
    table = AuthorityRequest._meta.db_table
    # Each bucket is a union of parts that the indexes can read in order: (condition, order).
    buckets = {
        "overdue": [("r.state IN ('sent', 'acknowledged') AND r.due_at < %(now)s", "r.due_at, r.case_id, r.id")],
        "open": [
            ("r.state = 'pending' AND r.due_at < %(now)s", "r.due_at, r.case_id, r.id"),
            ("r.state IN ('pending', 'sent', 'acknowledged') AND r.due_at >= %(now)s", "r.due_at, r.case_id, r.id"),
            ("r.state IN ('pending', 'sent', 'acknowledged') AND r.due_at IS NULL", "r.due_at, r.case_id, r.id"),
        ],
        "failed": [("r.state = 'failed'", "r.case_id, r.id")],
    }
    assert set(RequestState.open_states()) == {"sent", "acknowledged"}  # noqa: S101 - the SQL spells them out

    def columns(match: str) -> str:
        out = []
        for name, parts in buckets.items():
            order = parts[0][1].replace("r.", "").replace("due_at", "due_at NULLS LAST")
            counted = " UNION ALL ".join(
                f"(SELECT 1 FROM {table} r WHERE {match} AND {where} LIMIT %(cap)s)"  # noqa: S608
                for where, _order in parts)
            listed = " UNION ALL ".join(
                f"(SELECT r.id, r.due_at, r.case_id FROM {table} r WHERE {match} AND {where} "  # noqa: S608
                f"ORDER BY {part_order} LIMIT %(rows)s)" for where, part_order in parts)
            out.append(f"(SELECT count(*) FROM ({counted}) counted) AS {name}_count")  # noqa: S608
            out.append(f"ARRAY(SELECT id FROM ({listed}) listed ORDER BY {order} LIMIT %(rows)s) "  # noqa: S608
                       f"AS {name}_rows")
        return ", ".join(out)

    # The table name and the conditions are constants of this module; the values are parameters.
    sql = f"SELECT o.id, {columns('r.authority_id = o.id')} FROM unnest(%(offices)s::bigint[]) AS o(id)"  # noqa: S608
    if unrouted:
        sql += f" UNION ALL SELECT NULL, {columns('r.authority_id IS NULL')}"
    params = {"now": now, "cap": BOARD_COUNT_CAP + 1, "rows": BOARD_ROWS,
              "offices": [office.pk for office in offices]}
    result = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for office_id, *values in cursor.fetchall():
            result[office_id] = {name: (values[2 * i], list(values[2 * i + 1] or []))
                                 for i, name in enumerate(buckets)}
    return result


def _board_buckets_python(*, viewer, now) -> dict:
    """The same buckets by reading the waiting requests (SQLite, the embedded default)."""
    waiting = [RequestState.PENDING, *RequestState.open_states(), RequestState.FAILED]
    buckets: dict = {}
    rows = (authority_request_list(viewer=viewer).filter(state__in=waiting).order_by("due_at", "case_id", "pk")
            .values_list("pk", "authority_id", "state", "due_at"))
    for pk, authority_id, state, due_at in rows:
        if state == RequestState.FAILED:
            name = "failed"
        elif due_at and due_at < now and state in RequestState.open_states():
            name = "overdue"
        else:
            name = "open"
        bucket = buckets.setdefault(authority_id, {"overdue": [0, []], "open": [0, []], "failed": [0, []]})
        bucket[name][0] += 1
        if len(bucket[name][1]) < BOARD_ROWS:
            bucket[name][1].append(pk)
    return {office: {name: tuple(value) for name, value in bucket.items()} for office, bucket in buckets.items()}


# --- Appointments at the visa office ------------------------------------------------------------
# The applicant books the in-person appointment (biometrics, identity check, fee) once the visa
# office has the visa request; the office's caseworkers publish the slots and see who booked them.

# How far ahead the applicant's booking page lists free slots, and at most how many.
APPOINTMENT_DAYS_AHEAD = 42
APPOINTMENT_SLOTS_SHOWN = 240
# Changing or cancelling a booking is possible until this long before the appointment.
APPOINTMENT_CUTOFF = timedelta(hours=24)
# The back office lists the upcoming slots of this many days.
OFFICE_SLOT_DAYS = 28


def appointment_request(*, case, requests: list[AuthorityRequest] | None = None) -> AuthorityRequest | None:
    """The visa step for which the applicant of `case` may book an appointment now: the visa office
    has the request (sent, receipt confirmed, or answered without a refusal) and the visa is not
    decided yet. None otherwise. The services check it again under the case's row lock. `requests`:
    every request of the case, already read with its office (no query then)."""
    if not case.awaits_visa_appointment:
        return None
    if requests is None:
        requests = (AuthorityRequest.objects.select_related("authority").filter(case=case, purpose=Purpose.VISA)
                    .defer("request_body", "response_body", "last_error"))
    bookable = {*RequestState.open_states(), RequestState.ANSWERED}
    return min((r for r in requests if r.case_id == case.pk and r.purpose == Purpose.VISA
                and r.authority_id is not None and r.authority.kind == AuthorityKind.VISA_OFFICE
                and r.state in bookable and r.outcome != Outcome.REJECTED),
               key=lambda r: r.pk, default=None)


def appointment_target(*, case, request: AuthorityRequest | None) -> dict | None:
    """The legal target of the appointment, or None where the law sets none (regular procedure).
    In the § 81a procedure the mission offers the appointment within three weeks of the pre-approval
    being presented (§ 31a AufenthV; `applications.rules` VISA_APPOINTMENT_ACCELERATED): counted from
    the later of the visa request reaching the office and the foreigners' authority's pre-approval.
    {"due": date or None while the pre-approval is outstanding, "source": "§ 31a AufenthV"}."""
    if request is None:
        return None
    step = routing.step_for(case, Purpose.VISA)
    deadline = next((d for d in (step.deadlines if step else ()) if d.kind == APPOINTMENT), None)
    if deadline is None:
        return None
    pre_approved = (AuthorityRequest.objects.filter(case=case, purpose=Purpose.PRE_APPROVAL_81A,
                                                    state=RequestState.ANSWERED, outcome=Outcome.APPROVED)
                    .values_list("answered_at", flat=True).first())
    if pre_approved is None or request.sent_at is None:
        return {"due": None, "source": deadline.source}
    return {"due": deadline.due(timezone.localdate(max(pre_approved, request.sent_at))), "source": deadline.source}


APPROVALS_GRANTED = "granted"
APPROVALS_REFUSED = "refused"
APPROVALS_PENDING = "pending"


def case_approvals_state(*, case, requests: list[AuthorityRequest] | None = None) -> str:
    """`refused` as soon as one approval step is answered `rejected`; `granted` when every approval
    step is approved (or the case has none); `pending` otherwise. `requests`: every request of the
    case, already read (no query then)."""
    if requests is not None:
        outcomes = [(r.state, r.outcome) for r in requests if r.purpose in routing.APPROVAL_STEPS]
    else:
        outcomes = list(AuthorityRequest.objects.filter(case=case, purpose__in=routing.APPROVAL_STEPS)
                        .values_list("state", "outcome"))
    if any(state == RequestState.ANSWERED and outcome == Outcome.REJECTED for state, outcome in outcomes):
        return APPROVALS_REFUSED
    if all(state == RequestState.ANSWERED and outcome == Outcome.APPROVED for state, outcome in outcomes):
        return APPROVALS_GRANTED
    return APPROVALS_PENDING


def case_has_active_booking(*, case) -> bool:
    return AppointmentBooking.objects.filter(case=case, state=BookingState.ACTIVE).exists()


def case_appointment_attended(*, case) -> bool:
    """The visa office recorded the applicant's attendance, or the case has no visa step at an office."""
    if not AuthorityRequest.objects.filter(case=case, purpose=Purpose.VISA, authority__isnull=False).exists():
        return not AuthorityRequest.objects.filter(case=case, purpose=Purpose.VISA).exists()
    return AppointmentBooking.objects.filter(case=case, state=BookingState.ACTIVE, attended_at__isnull=False).exists()


def visa_office_context(*, request) -> dict:
    """What the hub tells the visa office when asking for its answer: the booked slot, whether (and
    when) the applicant attended, and the state of the approvals (granted, refused, pending). The
    office decides on nothing else. A system read, for no viewer."""
    if request.purpose != Purpose.VISA:
        return {}
    booking = (AppointmentBooking.objects.filter(request_id=request.pk, state=BookingState.ACTIVE)
               .values_list("slot__starts_at", "attended_at").first())
    starts, attended = booking or (None, None)
    return {"appointment": starts.isoformat() if starts else "",
            "attended": attended.isoformat() if attended else "",
            "approvals": case_approvals_state(case=request.case_id)}


def booked_appointment(*, request) -> str:
    """The start (ISO) of the slot booked for a visa request, or "": what the hub tells the visa
    office (its adapter's data, the simulated office's calendar). A system read, for no viewer."""
    if request.purpose != Purpose.VISA:
        return ""
    starts = (AppointmentBooking.objects.filter(request_id=request.pk, state=BookingState.ACTIVE)
              .values_list("slot__starts_at", flat=True).first())
    return starts.isoformat() if starts else ""


def _may_book(viewer, case, for_household: bool) -> bool:
    """The viewer books for their own case or, with `for_household`, for a family member's case the caller
    found among those the viewer sees through the household (applications.selectors.household.family_case_get)."""
    return viewer.is_authenticated and (for_household or case.person.user_id == viewer.pk)


def case_active_booking(*, case) -> AppointmentBooking | None:
    """The case's active booking (at most one: a unique constraint) with its slot and office."""
    return (AppointmentBooking.objects.select_related("slot__authority")
            .filter(case=case, state=BookingState.ACTIVE).first())


def applicant_appointment(*, viewer, case, requests: list[AuthorityRequest] | None = None,
                          active_booking=None, for_household: bool = False) -> dict | None:
    """For the applicant's own case: the visa step to book for (or None: not at that step) and the
    active booking. Two queries, none with what the caller already read: `requests` (every request of
    the case with its office) and `active_booking` (a callable returning case_active_booking's answer).
    None for anyone else's case (see `_may_book` for a family member's)."""
    if not _may_book(viewer, case, for_household) or case.never_submitted:
        return None
    request = appointment_request(case=case, requests=requests)
    booking = active_booking() if active_booking is not None else case_active_booking(case=case)
    if request is None and booking is None:
        return None
    changeable = booking is not None and booking.slot.starts_at - timezone.now() > APPOINTMENT_CUTOFF
    return {"request": request, "booking": booking, "changeable": changeable and request is not None,
            "cutoff_hours": int(APPOINTMENT_CUTOFF.total_seconds() // 3600)}


def _week_start(monday: date) -> datetime:
    """Monday 00:00 of the week in the portal's time zone (aware; each Monday on its own, so DST-safe)."""
    return timezone.make_aware(datetime.combine(monday, time.min))


def _free_slots_in_window(*, viewer, case, request: AuthorityRequest | None, now: datetime,
                          for_household: bool = False) -> QuerySet:
    """The free slots of the next APPOINTMENT_DAYS_AHEAD days of the office responsible for the
    viewer's own case (unordered); none for anyone else's case (see `_may_book`)."""
    if request is None or not _may_book(viewer, case, for_household) or request.case_id != case.pk:
        return AppointmentSlot.objects.none()
    until = now + timedelta(days=APPOINTMENT_DAYS_AHEAD)
    return AppointmentSlot.objects.filter(authority_id=request.authority_id, cancelled_at__isnull=True,
                                          starts_at__gt=now, starts_at__lt=until, booked__lt=F("capacity"))


def applicant_free_slots(*, viewer, case, request: AuthorityRequest, now: datetime | None = None,
                         week: date | None = None, for_household: bool = False):
    """The free, future slots of the office responsible for the viewer's own case, earliest first;
    with `week` (a Monday) only those of that week (Monday to Sunday in the portal's time zone)."""
    slots = _free_slots_in_window(viewer=viewer, case=case, request=request, now=now or timezone.now(),
                                  for_household=for_household)
    if week is not None:
        slots = slots.filter(starts_at__gte=_week_start(week), starts_at__lt=_week_start(week + timedelta(days=7)))
    return slots.order_by("starts_at", "pk")[:APPOINTMENT_SLOTS_SHOWN]


def applicant_free_slot_weeks(*, viewer, case, request: AuthorityRequest, now: datetime | None = None,
                              for_household: bool = False) -> list[date]:
    """The Mondays (portal's time zone) of the weeks with a free slot in the booking window, earliest
    first: at most seven, one query."""
    slots = _free_slots_in_window(viewer=viewer, case=case, request=request, now=now or timezone.now(),
                                  for_household=for_household)
    starts = (slots.annotate(week=Trunc("starts_at", "week")).order_by("week")
              .values_list("week", flat=True).distinct())
    return sorted({timezone.localtime(start).date() for start in starts})


def applicant_slot_week(*, viewer, case, request: AuthorityRequest, week: date | None = None,
                        now: datetime | None = None, for_household: bool = False) -> dict:
    """One week of the applicant's free slots, for a short page: `week` if it has free slots in the
    window, else (none asked for, not a Monday, out of the window, nothing free) the earliest week
    with a free slot. {"week": Monday or None, "slots": [...], "earlier": / "later": the Monday of
    the neighbouring week with free slots or None}. Two queries (one when nothing is free)."""
    now = now or timezone.now()
    weeks = applicant_free_slot_weeks(viewer=viewer, case=case, request=request, now=now, for_household=for_household)
    if not weeks:
        return {"week": None, "slots": [], "earlier": None, "later": None}
    index = weeks.index(week) if week in weeks else 0
    return {"week": weeks[index],
            "slots": list(applicant_free_slots(viewer=viewer, case=case, request=request, now=now,
                                               week=weeks[index], for_household=for_household)),
            "earlier": weeks[index - 1] if index > 0 else None,
            "later": weeks[index + 1] if index + 1 < len(weeks) else None}


def appointment_offices(*, viewer) -> QuerySet[Authority]:
    """The visa offices whose slots the viewer manages: those of their own staff memberships (the WSA
    and admins do not run a visa office's calendar)."""
    if not viewer.is_authenticated:
        return Authority.objects.none()
    return Authority.objects.filter(kind=AuthorityKind.VISA_OFFICE,
                                     organisation__in=authority_organisations_for_user(user=viewer)).order_by("name")


def office_slot_list(*, viewer, authority: Authority | None = None, days: int = OFFICE_SLOT_DAYS,
                     now: datetime | None = None) -> QuerySet[AppointmentSlot]:
    """The upcoming slots of the viewer's visa offices (cancelled ones included), with the active
    bookings and their cases."""
    now = now or timezone.now()
    offices = appointment_offices(viewer=viewer)
    if authority is not None:
        offices = offices.filter(pk=authority.pk)
    active = AppointmentBooking.objects.filter(state=BookingState.ACTIVE).select_related("case__person")
    return (AppointmentSlot.objects.filter(authority__in=offices, ends_at__gt=now,
                                           starts_at__lt=now + timedelta(days=days))
            .select_related("authority").prefetch_related(Prefetch("bookings", queryset=active, to_attr="active"))
            .order_by("starts_at", "pk"))


def office_slot_get(*, viewer, public_id) -> AppointmentSlot:
    """One slot of the viewer's visa offices, or 404."""
    try:
        return (AppointmentSlot.objects.select_related("authority")
                .get(public_id=public_id, authority__in=appointment_offices(viewer=viewer)))
    except (AppointmentSlot.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def office_booking_get(*, viewer, public_id) -> AppointmentBooking:
    """One booking at a slot of the viewer's visa offices, or 404."""
    try:
        return (AppointmentBooking.objects.select_related("slot__authority", "case")
                .get(public_id=public_id, slot__authority__in=appointment_offices(viewer=viewer)))
    except (AppointmentBooking.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def office_slot_bookings(*, viewer, slot: AppointmentSlot) -> QuerySet[AppointmentBooking]:
    """The active bookings of one of the viewer's slots (with their cases)."""
    if not appointment_offices(viewer=viewer).filter(pk=slot.authority_id).exists():
        return AppointmentBooking.objects.none()
    return (AppointmentBooking.objects.filter(slot=slot, state=BookingState.ACTIVE)
            .select_related("case__person").order_by("pk"))


# --- Operations figures -----------------------------------------------------------------------
# For the metrics endpoint (wsa/observability): counts over the whole hub, no viewer, nothing about
# a case. Each query runs on an index (outbox_state_due, authreq_open_due_any), so a scrape every
# few seconds stays cheap at national scale.

# How far ahead "due soon" looks: the operators' warning before a legal deadline is missed.
DEADLINE_WARNING = timedelta(hours=24)
NO_OFFICE = "none"


def outbox_figures(*, now: datetime) -> dict[str, float]:
    """Outbox rows waiting to be sent (`pending`), those due now (`due`), dead letters (`dead`) and
    how many seconds the longest-waiting due row has waited (`oldest_due_seconds`, 0 when none)."""
    pending = Outbox.objects.filter(state=OutboxState.PENDING)
    due = pending.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    oldest = due.aggregate(oldest=Min("next_attempt_at"))["oldest"]
    return {
        "pending": pending.count(),
        "due": due.count(),
        "dead": Outbox.objects.filter(state=OutboxState.DEAD).count(),
        "oldest_due_seconds": max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
    }


def _open_requests_by_office_kind(due: Q) -> dict[str, int]:
    counts = dict.fromkeys(AuthorityKind.values, 0)
    rows = (AuthorityRequest.objects.filter(due, state__in=RequestState.open_states())
            .values("authority__kind").annotate(n=Count("pk")).order_by())
    for row in rows:
        counts[row["authority__kind"] or NO_OFFICE] = row["n"]
    return counts


def deadline_figures(*, now: datetime) -> dict[str, dict[str, int]]:
    """Per office kind, the requests sent but unanswered past their legal deadline (`overdue`) and
    those whose deadline ends within DEADLINE_WARNING (`due_soon`). Every kind is present (0 when
    none), so an alert sees a series fall to 0 rather than vanish."""
    return {
        "overdue": _open_requests_by_office_kind(Q(due_at__lt=now)),
        "due_soon": _open_requests_by_office_kind(Q(due_at__gte=now, due_at__lt=now + DEADLINE_WARNING)),
    }
