"""Appointments at the visa office: the applicant books (applicant portal), the office publishes and
cancels slots and records the attendance (back office). Reads through the hub's selectors, writes
through authorities.appointments; 404 for what is not the viewer's, every staff read of a case's
booking in the access log."""

from datetime import date, timedelta
from itertools import groupby

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localtime
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.decorators import applicant_required, staff_required
from authorities import appointments, forms
from authorities import selectors as authority_selectors
from authorities.office_time import office_time, office_zone, zone_label

from ..audit import access_record_cases
from ..selectors import household as household_selectors
from ..selectors.applicant import applicant_case_get
from ..selectors.staff import staff_scope


def _by_day(slots, zone=None) -> list[tuple]:
    """[(day, [slot, ...]), ...] in the order given, each slot on its day in `zone` (one office's
    slots) or, without it, where its own office is."""
    return [(day, list(group)) for day, group in groupby(
        slots, key=lambda slot: localtime(slot.starts_at, zone or office_zone(slot.authority)).date())]


def _monday(value) -> date | None:
    """The `week` query parameter: a Monday as YYYY-MM-DD, or None (anything else: the page falls back
    to the first week with free slots)."""
    try:
        day = date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None
    return day if day is not None and day.weekday() == 0 else None


def _when(slot) -> str:
    return office_time(slot.starts_at, slot.authority)


@applicant_required
@require_http_methods(["GET", "HEAD", "POST"])
def case_appointment(request, public_id):
    """The free slots of the responsible visa office, one week at a time (the earliest week with a free
    slot first, `?week=<Monday>` for the others), earliest first and grouped by day (radio buttons and
    one button, no JavaScript needed); book, or move the booking to another slot. A POST may name a
    slot of any week: the booking service checks it."""
    return _appointment_page(request, _BookingFor(applicant_case_get(viewer=request.user, public_id=public_id)))


@applicant_required
@require_POST
def case_appointment_cancel(request, public_id):
    return _appointment_cancel(request, _BookingFor(applicant_case_get(viewer=request.user, public_id=public_id)))


@applicant_required
@require_http_methods(["GET", "HEAD", "POST"])
def household_case_appointment(request, public_id):
    """The same page for a family member's case the viewer sees through the household: a child, or a
    member without a login of their own, has nobody else to book for them, and an office without
    family appointments (or a main applicant already booked) sees each person at their own."""
    case = household_selectors.family_case_get(viewer=request.user, public_id=public_id)
    return _appointment_page(request, _BookingFor(case, member=True))


@applicant_required
@require_POST
def household_case_appointment_cancel(request, public_id):
    case = household_selectors.family_case_get(viewer=request.user, public_id=public_id)
    return _appointment_cancel(request, _BookingFor(case, member=True))


class _BookingFor:
    """Whose appointment a booking page is about: the viewer's own case, or (`member`) a family member's
    case the caller found through the household. Names the page's addresses for either."""

    def __init__(self, case, *, member: bool = False):
        self.case, self.member = case, member
        prefix = "applicant:household_case" if member else "applicant:case"
        self.case_url = reverse(prefix if member else "applicant:case_detail", args=[case.public_id])
        self.page_url = reverse(f"{prefix}_appointment", args=[case.public_id])
        self.cancel_url = reverse(f"{prefix}_appointment_cancel", args=[case.public_id])


def _appointment_page(request, booking_for: _BookingFor):
    case, member = booking_for.case, booking_for.member
    appointment = authority_selectors.applicant_appointment(viewer=request.user, case=case,
                                                            for_household=member) or {}
    visa_request, booking = appointment.get("request"), appointment.get("booking")
    form = forms.BookingForm(request.POST if request.method == "POST" else None,
                             initial={"replaces": booking.public_id if booking else None})
    office = booking.slot.authority if booking else (visa_request.authority if visa_request else None)
    waiting = [] if member or booking is not None else household_selectors.family_cases_awaiting_appointment(
        viewer=request.user, case=case, office=office)
    family = waiting if office is not None and office.family_appointments else []
    if request.method == "POST" and form.is_valid():
        chosen = set(request.POST.getlist("family"))
        try:
            new = appointments.appointment_book(
                case=case, slot_id=form.cleaned_data["slot"], actor=request.user,
                replaces=form.cleaned_data["replaces"],
                family=[member_case for member_case in family if str(member_case.public_id) in chosen])
        except appointments.AppointmentError as exc:
            if exc.code in ("already_booked", "booking_changed", "same_slot"):  # e.g. the form sent twice
                messages.info(request, str(exc))
                return redirect(booking_for.page_url)
            form.add_error("slot", str(exc))
        else:
            where = {"when": _when(new.slot), "office": new.slot.authority.name}
            if member:
                messages.success(request, gettext(
                    "The appointment for %(name)s is booked: %(when)s at %(office)s. They must come in person "
                    "and bring their passport.") % {**where, "name": case.person.full_name})
            else:
                messages.success(request, gettext("Your appointment is booked: %(when)s at %(office)s. We have sent "
                                                  "you the details by e-mail.") % where)
            return redirect(booking_for.case_url)
    may_choose = visa_request is not None and (booking is None or appointment.get("changeable"))
    shown = authority_selectors.applicant_slot_week(viewer=request.user, case=case, request=visa_request,
                                                    week=_monday(request.GET.get("week")),
                                                    for_household=member) if may_choose else {}
    week = shown.get("week")
    zone = office_zone(office)
    return render(request, "applicant/case_appointment.html", {
        "office": office, "office_zone": zone, "zone_label": zone_label(zone, timezone.now()),
        "case": case, "member": member, "urls": booking_for,
        "visa_request": visa_request, "booking": booking, "form": form, "form_list": [form],
        "may_choose": may_choose, "week": week, "week_end": week + timedelta(days=6) if week else None,
        "earlier_week": shown.get("earlier"), "later_week": shown.get("later"),
        "days": _by_day(shown.get("slots", []), zone), "changeable": appointment.get("changeable", False),
        "cutoff_hours": appointment.get("cutoff_hours")
        or int(authority_selectors.APPOINTMENT_CUTOFF.total_seconds() // 3600),
        "target": authority_selectors.appointment_target(case=case, request=visa_request),
        "cancel_form": forms.BookingCancelForm(initial={"booking": booking.public_id}) if booking else None,
        "family": family, "family_chosen": set(request.POST.getlist("family")) if request.method == "POST"
        else {str(member_case.public_id) for member_case in family},
        # The office sees each person at their own appointment: the family books theirs from their pages.
        "family_apart": [] if family else waiting,
    }, status=400 if form.is_bound and form.errors else 200)


def _appointment_cancel(request, booking_for: _BookingFor):
    case = booking_for.case
    form = forms.BookingCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(appointments.appointment_error("booking_changed")))
        return redirect(booking_for.page_url)
    try:
        booking = appointments.appointment_cancel(case=case, booking_id=form.cleaned_data["booking"],
                                                  actor=request.user)
    except appointments.AppointmentError as exc:
        messages.error(request, str(exc))
    else:
        when = {"when": _when(booking.slot)}
        if booking_for.member:
            messages.success(request, gettext(
                "The appointment for %(name)s on %(when)s was cancelled. Please book a new one: the visa office "
                "needs to see them in person.") % {**when, "name": case.person.full_name})
        else:
            messages.success(request, gettext("Your appointment on %(when)s was cancelled. Please book a new one: "
                                              "the visa office needs to see you in person.") % when)
    return redirect(booking_for.page_url)


# --- Appointments: the visa office publishes its slots ---------------------------------------


def _office_staff(request) -> list:
    offices = list(authority_selectors.appointment_offices(viewer=request.user))
    if not offices:
        raise PermissionDenied
    return offices


def _record_booking_reads(user, bookings) -> None:
    """A caseworker reading who booked reads those cases: one access record per case shown."""
    access_record_cases(actor=user, cases=[booking.case for booking in bookings])


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_slots(request):
    """The visa office's calendar: publish slots in bulk, the upcoming slots with their bookings."""
    offices = _office_staff(request)
    form = forms.SlotPublishForm(request.POST if request.method == "POST" else None, offices=offices, initial={
        "weekdays": [0, 1, 2, 3, 4], "times": "09:00, 09:30, 10:00, 10:30, 11:00, 11:30"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = appointments.appointment_slots_publish(
            authority=form.chosen_office, actor=request.user, first_day=data["first_day"], last_day=data["last_day"],
            weekdays=data["weekdays"], times=data["times"], minutes=data["minutes"], capacity=data["capacity"])
        messages.success(request, ngettext("%(count)d appointment slot was published.",
                                           "%(count)d appointment slots were published.", created) % {"count": created})
        return redirect("authorities:appointment_slots")
    slots = list(authority_selectors.office_slot_list(viewer=request.user))
    _record_booking_reads(request.user, [booking for slot in slots for booking in slot.active])
    return render(request, "backoffice/appointments.html", {
        "form": form, "days": _by_day(slots), "offices": offices, "several_offices": len(offices) > 1,
        "slot_days": authority_selectors.OFFICE_SLOT_DAYS, "scope": staff_scope(viewer=request.user),
        "office_zones": [(office, zone_label(office_zone(office), timezone.now())) for office in offices],
    }, status=400 if form.is_bound and form.errors else 200)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def appointment_slot_cancel(request, public_id):
    """Cancel a slot (after confirmation): its applicants are told and can book another one."""
    _office_staff(request)
    slot = authority_selectors.office_slot_get(viewer=request.user, public_id=public_id)
    form = forms.SlotCancelForm(request.POST if request.method == "POST" else None)
    if slot.cancelled_at is not None:
        messages.info(request, gettext("This slot has already been cancelled."))
        return redirect("authorities:appointment_slots")
    if request.method == "POST" and form.is_valid():
        count = appointments.appointment_slot_cancel(slot=slot, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, ngettext(
            "The slot was cancelled; %(count)d applicant was told and can book another appointment.",
            "The slot was cancelled; %(count)d applicants were told and can book another appointment.",
            count) % {"count": count})
        return redirect("authorities:appointment_slots")
    bookings = list(authority_selectors.office_slot_bookings(viewer=request.user, slot=slot))
    _record_booking_reads(request.user, bookings)
    return render(request, "backoffice/appointment_slot_cancel.html", {"slot": slot, "bookings": bookings,
                                                                        "form": form})


@staff_required
@require_POST
def appointment_attendance(request, public_id):
    """The visa office records that the applicant came to the appointment (identity, biometrics)."""
    return _booking_record(request, public_id, appointments.appointment_attendance_record,
                           gettext("The attendance was recorded."))


@staff_required
@require_POST
def appointment_missed(request, public_id):
    """The visa office records that nobody came: the applicant is asked to book again."""
    return _booking_record(request, public_id, appointments.appointment_missed_record,
                           gettext("Recorded: the applicant did not come. They are asked to book a new appointment."))


def _booking_record(request, public_id, record, done: str):
    """What the visa office records about one of its bookings (`record`: a service of authorities.appointments),
    then back to its task list with `done` or the reason it was refused."""
    _office_staff(request)
    booking = authority_selectors.office_booking_get(viewer=request.user, public_id=public_id)
    try:
        record(booking=booking, actor=request.user)
    except appointments.AppointmentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("backoffice:home")
