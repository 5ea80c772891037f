"""Appointments at the visa office: the office publishes slots, the applicant books, moves or cancels
one, the office records the attendance. Writes only here; the case store learns of each through
the hub's timeline signal (services.case_event).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import selectors, signals
from .models import AppointmentBooking, AppointmentSlot, AuthorityRequest, BookingState, RequestState
from .office_time import office_zone
from .services import (
    answer_fetch_enqueue,
    case_event,
    case_model,
    request_due_at_from_appointment,
    visa_office_ask_again,
)


def _where(slot: AppointmentSlot) -> dict:
    """What a timeline entry about an appointment keeps of the office: its time zone (the time is shown
    in it) and its address."""
    office = slot.authority
    return {"time_zone": office_zone(office).key, "address": office.address}


# Event payload `status` codes (kind "authority").
STATUS_BOOKED = "booked"
STATUS_REBOOKED = "rebooked"
STATUS_BOOKING_CANCELLED = "booking_cancelled"
STATUS_SLOT_CANCELLED = "slot_cancelled"
STATUS_ATTENDED = "appointment_attended"
STATUS_MISSED = "appointment_missed"

# The applicant books the in-person appointment (biometrics, identity check, fee) from the slots
# the visa office published. Locks: Case, then AppointmentBooking, then AppointmentSlot (by pk), as
# above Case before AuthorityRequest. The check constraints of the models are the last line: a
# slot's `booked` never exceeds its capacity, and a case never has two active bookings.

# Publishing at most this many days and slots at once (a quarter of a year of a busy office).
SLOTS_PUBLISH_MAX_DAYS = 92
SLOTS_PUBLISH_MAX = 3000


class AppointmentError(Exception):
    """A booking that is not possible; `code` for tests and callers, the message is translated."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def appointment_error(code: str) -> AppointmentError:
    """The AppointmentError for `code`, its message in the active language (also for the views)."""
    hours = int(selectors.APPOINTMENT_CUTOFF.total_seconds() // 3600)
    messages = {
        "not_at_step": _("Your application is not at the step where you book an appointment at the visa office."),
        "unknown_slot": _("This appointment does not exist (any more). Please choose another one."),
        "other_office": _("This appointment belongs to another visa office. Please choose one of the "
                          "appointments listed for your application."),
        "slot_cancelled": _("The visa office has cancelled this appointment. Please choose another one."),
        "slot_past": _("This appointment is in the past. Please choose a later one."),
        "slot_taken": _("Someone else has just booked the last place of this appointment. Please choose another one."),
        "already_booked": _("You have already booked an appointment for this application. You can change it below."),
        "booking_changed": _("Your appointment has already been changed or cancelled (perhaps the form was sent "
                             "twice). Please check your appointment below."),
        "same_slot": _("This is already your appointment."),
        "too_late": _("Appointments can only be changed or cancelled until %(hours)d hours before they start. "
                      "Please contact the visa office.") % {"hours": hours},
        "not_started": _("The appointment has not begun yet: attendance can be recorded from its start."),
        "not_ended": _("The appointment has not ended yet: that the applicant did not come can be recorded from "
                       "its end."),
        "no_family_appointments": _("This visa office sees each applicant at their own appointment. Please book "
                                    "an appointment for each family member's application."),
        "family_not_at_step": _("A family member's application is not at the step where an appointment is "
                                "booked, or it already has one."),
        "family_no_room": _("This appointment has not enough free places for your family. Please choose another one."),
    }
    return AppointmentError(code, messages[code])


def _booking_request(case) -> AuthorityRequest:
    request = selectors.appointment_request(case=case)
    if request is None:
        raise appointment_error("not_at_step")
    request.case = case
    return request


def _locked_slots(*pks: int) -> dict[int, AppointmentSlot]:
    rows = AppointmentSlot.objects.select_for_update().select_related("authority").filter(pk__in=pks).order_by("pk")
    return {slot.pk: slot for slot in rows}


def _booking_end(booking: AppointmentBooking, *, state: str, actor, now) -> None:
    booking.state, booking.ended_at, booking.ended_by = state, now, actor
    booking.save(update_fields=["state", "ended_at", "ended_by"])
    AppointmentSlot.objects.filter(pk=booking.slot_id).update(booked=F("booked") - 1)


def _ask_office_after_booking(request: AuthorityRequest) -> None:
    """The office learns of the booking on its next answer fetch (the simulated visa office decides
    with the booked slot); fetch once after the commit."""
    if request.state in RequestState.open_states() and request.remote_id:
        transaction.on_commit(partial(answer_fetch_enqueue, request.pk), robust=True)


def _family_requests(family_cases) -> list[AuthorityRequest]:
    """The visa steps of the family's cases (locked), each at the step and without a booking."""
    requests = []
    for member_case in family_cases:
        request = selectors.appointment_request(case=member_case)
        if request is None or AppointmentBooking.objects.filter(case=member_case, state=BookingState.ACTIVE).exists():
            raise appointment_error("family_not_at_step")
        request.case = member_case
        requests.append(request)
    return requests


@transaction.atomic
def appointment_book(*, case, slot_id, actor, replaces=None, family=()) -> AppointmentBooking:
    """Books the slot `slot_id` (public id) for the case, or moves the case's booking `replaces`
    (public id of the active booking) to it. Raises AppointmentError (see `_appointment_error`).

    `family`: cases of the family applying together (the caller has checked that the actor may act for
    them) that get a place in the same slot, one booking each, if the office offers family
    appointments (Authority.family_appointments) and the slot has room for all; only with a first
    booking. Attendance is still recorded per booking, so per person."""
    now = timezone.now()
    family_ids = sorted({member.pk for member in family} - {case.pk})
    locked_cases = {row.pk: row for row in case_model().objects.select_for_update()
                    .filter(pk__in=[case.pk, *family_ids]).order_by("pk")}
    case = locked_cases[case.pk]
    request = _booking_request(case)
    active = AppointmentBooking.objects.select_for_update().filter(case=case, state=BookingState.ACTIVE).first()
    if replaces is None and active is not None:
        raise appointment_error("already_booked")
    if family_ids and active is not None:
        raise appointment_error("already_booked")
    family_requests = _family_requests([locked_cases[pk] for pk in family_ids if pk in locked_cases])
    if len(family_requests) != len(family_ids):
        raise appointment_error("family_not_at_step")
    if replaces is not None and (active is None or str(active.public_id) != str(replaces)):
        raise appointment_error("booking_changed")
    try:
        slot_pk = AppointmentSlot.objects.filter(public_id=slot_id).values_list("pk", flat=True).first()
    except (ValueError, TypeError, DjangoValidationError):
        slot_pk = None
    if slot_pk is None:
        raise appointment_error("unknown_slot")
    slots = _locked_slots(slot_pk, *([active.slot_id] if active else []))
    slot = slots[slot_pk]
    if slot.authority_id != request.authority_id:
        raise appointment_error("other_office")
    if active is not None and active.slot_id == slot.pk:
        raise appointment_error("same_slot")
    if active is not None and slots[active.slot_id].starts_at - now <= selectors.APPOINTMENT_CUTOFF:
        raise appointment_error("too_late")
    if slot.cancelled_at is not None:
        raise appointment_error("slot_cancelled")
    if slot.starts_at <= now:
        raise appointment_error("slot_past")
    if family_requests and not slot.authority.family_appointments:
        raise appointment_error("no_family_appointments")
    if any(member.authority_id != slot.authority_id for member in family_requests):
        raise appointment_error("other_office")
    if slot.booked >= slot.capacity:
        raise appointment_error("slot_taken")
    if slot.booked + 1 + len(family_requests) > slot.capacity:
        raise appointment_error("family_no_room")
    previous = None
    if active is not None:
        previous = slots[active.slot_id]
        _booking_end(active, state=BookingState.REBOOKED, actor=actor, now=now)
    AppointmentSlot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
    booking = AppointmentBooking.objects.create(slot=slot, case=case, request=request, booked_by=actor)
    extra = {"appointment": slot.starts_at.isoformat(), "booking": str(booking.public_id), **_where(slot)}
    if previous is not None:
        extra["previous"] = previous.starts_at.isoformat()
    case_event(request=request, status=STATUS_REBOOKED if previous else STATUS_BOOKED, internal=False, actor=actor,
           **extra)
    _ask_office_after_booking(request)
    for member_request in family_requests:
        AppointmentSlot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
        member_booking = AppointmentBooking.objects.create(slot=slot, case=member_request.case,
                                                           request=member_request, booked_by=actor)
        case_event(request=member_request, status=STATUS_BOOKED, internal=False, actor=actor,
                   appointment=slot.starts_at.isoformat(), booking=str(member_booking.public_id), **_where(slot))
        _ask_office_after_booking(member_request)
    return booking


@transaction.atomic
def appointment_cancel(*, case, booking_id, actor) -> AppointmentBooking:
    """The applicant cancels their active booking (until the cut-off before it starts)."""
    now = timezone.now()
    case = case_model().objects.select_for_update().get(pk=case.pk)
    try:
        booking = (AppointmentBooking.objects.select_for_update(of=("self",)).select_related("request__authority")
                   .filter(case=case, state=BookingState.ACTIVE, public_id=booking_id).first())
    except (ValueError, TypeError, DjangoValidationError):
        booking = None
    if booking is None:
        raise appointment_error("booking_changed")
    slot = _locked_slots(booking.slot_id)[booking.slot_id]
    if slot.starts_at - now <= selectors.APPOINTMENT_CUTOFF:
        raise appointment_error("too_late")
    _booking_end(booking, state=BookingState.CANCELLED, actor=actor, now=now)
    booking.request.case = case
    case_event(request=booking.request, status=STATUS_BOOKING_CANCELLED, internal=False, actor=actor,
           appointment=slot.starts_at.isoformat(), booking=str(booking.public_id), **_where(slot))
    return booking


@transaction.atomic
def appointment_attendance_record(*, booking: AppointmentBooking, actor,
                                  now: datetime | None = None) -> AppointmentBooking:
    """The visa office records that the applicant came to the booked appointment (identity check,
    photo and fingerprints in person, § 49 AufenthG). Only its own staff, only for an active booking
    whose slot has begun; recorded once. Moves the case on when every approval is already in."""
    now = now or timezone.now()
    case, locked = _office_booking_locked(booking, actor)
    if locked.attended_at is not None:
        return locked
    if locked.state != BookingState.ACTIVE:
        raise appointment_error("booking_changed")
    if locked.slot.starts_at > now:
        raise appointment_error("not_started")
    locked.attended_at, locked.attended_by = now, actor
    locked.save(update_fields=["attended_at", "attended_by"])
    request = locked.request
    request.case = case
    due = request_due_at_from_appointment(case, request, now)
    if due is not None:
        request.due_at, request.overdue_since = due, None
        AuthorityRequest.objects.filter(pk=request.pk).update(
            due_at=due, overdue_since=None, deadline_source=request.deadline_source, updated_at=now)
    case_event(request=request, status=STATUS_ATTENDED, internal=False, actor=actor, moves_deadline=due is not None,
               appointment=locked.slot.starts_at.isoformat(), booking=str(locked.public_id), **_where(locked.slot))
    visa_office_ask_again(case)
    signals.procedure_step_done.send(sender=AuthorityRequest, case=case, actor=actor)
    booking.__dict__.update(attended_at=locked.attended_at, attended_by_id=locked.attended_by_id)
    return locked


@transaction.atomic
def appointment_missed_record(*, booking: AppointmentBooking, actor,
                              now: datetime | None = None) -> AppointmentBooking:
    """The visa office records that the applicant did not come: the booking ends, the task leaves the office's
    list and the applicant is asked to book a new appointment (until then an active booking in the past kept
    them from booking again, and the office's task stayed for ever). Only its own staff, only once the slot
    has ended, only for an active booking without an attendance record."""
    now = now or timezone.now()
    case, locked = _office_booking_locked(booking, actor)
    if locked.state != BookingState.ACTIVE or locked.attended_at is not None:
        raise appointment_error("booking_changed")
    if locked.slot.ends_at > now:
        raise appointment_error("not_ended")
    _locked_slots(locked.slot_id)
    _booking_end(locked, state=BookingState.MISSED, actor=actor, now=now)
    locked.request.case = case
    case_event(request=locked.request, status=STATUS_MISSED, internal=False, actor=actor,
               appointment=locked.slot.starts_at.isoformat(), booking=str(locked.public_id), **_where(locked.slot))
    booking.__dict__.update(state=locked.state, ended_at=locked.ended_at)
    return locked


def appointment_bookings_end(*, case, actor=None) -> None:
    """The case was withdrawn (and is locked): an active booking ends and frees its place; the
    withdrawal's own event tells the story."""
    now = timezone.now()
    for booking in AppointmentBooking.objects.select_for_update().filter(case=case, state=BookingState.ACTIVE):
        _locked_slots(booking.slot_id)  # bookings of a slot change under its lock (see appointment_slot_cancel)
        _booking_end(booking, state=BookingState.CANCELLED, actor=actor, now=now)


def _office_booking_locked(booking: AppointmentBooking, actor):
    """The booking's case and the booking, both locked, for what its visa office records about it; only the
    office's own staff (`actor` None: the system)."""
    case = case_model().objects.select_for_update().get(pk=booking.case_id)
    locked = (AppointmentBooking.objects.select_for_update(of=("self",)).select_related("slot__authority", "request")
              .get(pk=booking.pk))
    if actor is not None:
        _require_office_staff(actor=actor, authority=locked.slot.authority)
    return case, locked


def _require_office_staff(*, actor, authority) -> None:
    if not selectors.appointment_offices(viewer=actor).filter(pk=authority.pk).exists():
        raise PermissionDenied


def appointment_slots_plan(*, first_day: date, last_day: date, weekdays, times, zone=None) -> list[datetime]:
    """The start times of a bulk publication, earliest first: "09:00" is nine o'clock where the office
    is (`zone`; the portal's time zone when None)."""
    weekdays = {int(day) for day in weekdays}
    starts = []
    day = first_day
    while day <= last_day:
        if day.weekday() in weekdays:
            starts += [timezone.make_aware(datetime.combine(day, moment), zone) for moment in sorted(set(times))]
        day += timedelta(days=1)
    return starts


@transaction.atomic
def appointment_slots_publish(*, authority, actor, first_day: date, last_day: date, weekdays, times,
                              minutes: int, capacity: int) -> int:
    """Publishes a slot of `minutes` with room for `capacity` applicants on every chosen weekday
    between the two days at each of the daily `times`. Start times the office already offers are
    left alone (idempotent); past ones are skipped. Returns the number of new slots."""
    if actor is not None:
        _require_office_staff(actor=actor, authority=authority)
    if capacity < 1 or minutes < 5 or last_day < first_day or (last_day - first_day).days >= SLOTS_PUBLISH_MAX_DAYS:
        raise ValueError("Invalid slot plan.")
    now = timezone.now()
    starts = [start for start in appointment_slots_plan(first_day=first_day, last_day=last_day, weekdays=weekdays,
                                                        times=times, zone=office_zone(authority)) if start > now]
    if len(starts) > SLOTS_PUBLISH_MAX:
        raise ValueError("Too many slots at once.")
    if not starts:
        return 0
    existing = set(AppointmentSlot.objects.filter(authority=authority, cancelled_at__isnull=True,
                                                  starts_at__in=starts).values_list("starts_at", flat=True))
    length = timedelta(minutes=minutes)
    new = [AppointmentSlot(authority=authority, starts_at=start, ends_at=start + length, capacity=capacity,
                           created_by=actor) for start in starts if start not in existing]
    AppointmentSlot.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def appointment_slot_cancel(*, slot: AppointmentSlot, actor, reason: str = "") -> int:
    """The visa office cancels a slot: every active booking of it ends (`slot_cancelled`), its
    applicant gets a public event and an e-mail and can book another slot. Returns that number."""
    if actor is not None:
        _require_office_staff(actor=actor, authority=slot.authority)
    reason = reason.strip()[:500]
    for _attempt in range(5):
        with transaction.atomic():
            # The usual order: the cases, their bookings, then the slot. Bookings of a slot change only
            # under the slot's lock, so once we hold it the set we locked must still be the active one;
            # if a booking came or went in between, start again.
            case_ids = list(AppointmentBooking.objects.filter(slot=slot, state=BookingState.ACTIVE)
                            .values_list("case_id", flat=True))
            cases = {case.pk: case for case in
                     case_model().objects.select_for_update().filter(pk__in=case_ids).order_by("pk")}
            bookings = list(AppointmentBooking.objects.select_for_update(of=("self",))
                            .select_related("request__authority")
                            .filter(slot=slot, state=BookingState.ACTIVE, case_id__in=list(cases)).order_by("pk"))
            locked = _locked_slots(slot.pk).get(slot.pk)
            if locked is None or locked.cancelled_at is not None:
                return 0
            active = set(AppointmentBooking.objects.filter(slot=locked, state=BookingState.ACTIVE)
                         .values_list("pk", flat=True))
            if active != {booking.pk for booking in bookings}:
                continue
            now = timezone.now()
            for booking in bookings:
                _booking_end(booking, state=BookingState.SLOT_CANCELLED, actor=actor, now=now)
                booking.request.case = cases[booking.case_id]
                case_event(request=booking.request, status=STATUS_SLOT_CANCELLED, internal=False, actor=actor,
                       appointment=locked.starts_at.isoformat(), booking=str(booking.public_id), **_where(locked))
            AppointmentSlot.objects.filter(pk=locked.pk).update(cancelled_at=now, cancelled_by=actor,
                                                                 cancellation_reason=reason)
            slot.cancelled_at, slot.cancelled_by, slot.cancellation_reason = now, actor, reason
            return len(bookings)
    raise RuntimeError(f"The bookings of slot {slot.pk} kept changing; try again.")
