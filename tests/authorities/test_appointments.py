"""Booking the in-person appointment at the visa office (authorities.appointments.appointment_*)."""

import threading
from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import Membership, Role
from applications import procedure
from applications import services as case_services
from applications.lifecycle import CaseState
from applications.models import Case, Event
from authorities import appointments, selectors, services
from authorities.models import AppointmentBooking, AppointmentSlot, AuthorityRequest, BookingState, RequestState
from tests.authorities.appointment_helpers import case_at_the_visa_office, monday, slot, slot_in_week
from tests.factories import UserFactory


@pytest.fixture
def at_office(offices, make_case, django_capture_on_commit_callbacks):
    def make(**kwargs):
        return case_at_the_visa_office(make_case, django_capture_on_commit_callbacks, **kwargs)

    return make


def book(case, target, **kwargs):
    return appointments.appointment_book(case=case, slot_id=target.public_id, actor=case.person.user, **kwargs)


def error_of(call) -> str:
    with pytest.raises(appointments.AppointmentError) as caught:
        call()
    return caught.value.code


@pytest.mark.django_db
def test_book_appends_a_public_event_bumps_the_version_and_counts_the_place(offices, at_office,
                                                                          django_capture_on_commit_callbacks):
    case = at_office()
    target = slot(offices["visa_ind"], capacity=2)
    version = Case.objects.get(pk=case.pk).version
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(case, target)
    assert booking.state == BookingState.ACTIVE and booking.request.purpose == "visa"
    assert AppointmentSlot.objects.get(pk=target.pk).booked == 1
    assert Case.objects.get(pk=case.pk).version > version
    event = Event.objects.get(case=case, kind="authority", payload__status="booked")
    assert event.internal is False and event.actor == case.person.user
    assert event.payload["appointment"] == target.starts_at.isoformat()
    assert any(case.reference in message.subject for message in mail.outbox)  # notify_event e-mailed it


@pytest.mark.django_db
def test_rebook_moves_the_place_and_keeps_the_history(offices, at_office):
    case = at_office()
    first, second = slot(offices["visa_ind"], days=3), slot(offices["visa_ind"], days=4)
    old = book(case, first)
    new = book(case, second, replaces=old.public_id)
    old.refresh_from_db()
    assert (old.state, new.state) == (BookingState.REBOOKED, BookingState.ACTIVE) and old.ended_at
    assert [s.booked for s in AppointmentSlot.objects.filter(pk__in=[first.pk, second.pk]).order_by("starts_at")] \
        == [0, 1]
    event = Event.objects.get(case=case, payload__status="rebooked")
    assert (event.payload["previous"], event.payload["appointment"]) == (first.starts_at.isoformat(),
                                                                         second.starts_at.isoformat())


@pytest.mark.django_db
def test_cancel_frees_the_place_and_the_applicant_can_book_again(offices, at_office):
    case = at_office()
    target = slot(offices["visa_ind"])
    booking = book(case, target)
    appointments.appointment_cancel(case=case, booking_id=booking.public_id, actor=case.person.user)
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED and AppointmentSlot.objects.get(pk=target.pk).booked == 0
    assert Event.objects.get(case=case, payload__status="booking_cancelled").internal is False
    assert book(case, target).state == BookingState.ACTIVE
    # A second cancel of the old booking (double submit) is refused and changes nothing.
    assert error_of(lambda: appointments.appointment_cancel(case=case, booking_id=booking.public_id,
                                                        actor=case.person.user)) == "booking_changed"


@pytest.mark.django_db
def test_capacity_is_never_exceeded(offices, at_office):
    target = slot(offices["visa_ind"], capacity=2)
    book(at_office(), target)
    book(at_office(), target)
    assert error_of(lambda: book(at_office(), target)) == "slot_taken"
    assert AppointmentSlot.objects.get(pk=target.pk).booked == 2
    assert AppointmentBooking.objects.filter(slot=target, state=BookingState.ACTIVE).count() == 2


@pytest.mark.django_db
def test_the_database_refuses_overbooking_and_two_active_bookings_per_case(offices, at_office):
    case = at_office()
    target = slot(offices["visa_ind"])
    booking = book(case, target)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentSlot.objects.filter(pk=target.pk).update(booked=2)
    other = slot(offices["visa_ind"], days=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentBooking.objects.create(slot=other, case=case, request=booking.request)


@pytest.mark.django_db
def test_bad_bookings_are_refused_with_their_reason(offices, at_office):
    case = at_office()
    office = offices["visa_ind"]
    past = slot(office, days=-1)
    cancelled = slot(office, days=6, cancelled_at=timezone.now())
    foreign = slot(offices["visa_vnm"])
    assert error_of(lambda: book(case, past)) == "slot_past"
    assert error_of(lambda: book(case, cancelled)) == "slot_cancelled"
    assert error_of(lambda: book(case, foreign)) == "other_office"
    unknown = appointments.appointment_book
    assert error_of(lambda: unknown(case=case, slot_id="not-a-uuid", actor=None)) == "unknown_slot"
    target = slot(office)
    booking = book(case, target)
    assert error_of(lambda: book(case, slot(office, days=8))) == "already_booked"  # the form sent twice
    assert error_of(lambda: book(case, target, replaces=booking.public_id)) == "same_slot"
    assert error_of(lambda: book(case, slot(office, days=9), replaces=past.public_id)) == "booking_changed"
    assert AppointmentBooking.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_the_case_must_be_at_the_visa_office(offices, make_case, at_office):
    target = slot(offices["visa_ind"])
    draft = make_case("18a")
    assert error_of(lambda: book(draft, target)) == "not_at_step"
    case = at_office()
    case_services.case_transition(case=case, transition="withdraw", actor=case.person.user)
    assert error_of(lambda: book(Case.objects.get(pk=case.pk), target)) == "not_at_step"
    refused = at_office()
    AuthorityRequest.objects.filter(case=refused, purpose="visa").update(outcome="rejected")
    assert error_of(lambda: book(refused, target)) == "not_at_step"
    assert AppointmentSlot.objects.get(pk=target.pk).booked == 0


@pytest.mark.django_db
def test_changes_end_at_the_cut_off(offices, at_office):
    case = at_office()
    soon = slot(offices["visa_ind"], days=0, hour=0)
    AppointmentSlot.objects.filter(pk=soon.pk).update(starts_at=timezone.now() + timedelta(hours=5),
                                                       ends_at=timezone.now() + timedelta(hours=6))
    booking = book(case, soon)  # booking a near slot is fine ...
    later = slot(offices["visa_ind"], days=10)
    # ... changing or cancelling it within 24 hours is not.
    assert error_of(lambda: book(case, later, replaces=booking.public_id)) == "too_late"
    assert error_of(lambda: appointments.appointment_cancel(case=case, booking_id=booking.public_id,
                                                        actor=case.person.user)) == "too_late"


@pytest.mark.django_db
def test_the_simulated_visa_office_decides_with_the_booked_slot_once_attended(offices, at_office, settings,
                                                                             django_capture_on_commit_callbacks):
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 3600  # the office has not decided yet
    case = at_office(employment=False, employer=False, title="18b",
                     passport_expiry=timezone.localdate() + timedelta(days=200))
    visa = AuthorityRequest.objects.get(case=case, purpose="visa")
    assert visa.state == RequestState.ACKNOWLEDGED
    assert Event.objects.get(case=case, payload__status="booking_requested").internal is False
    # The booked appointment is 150 days away: the passport is then valid for less than 90 more days.
    target = slot(offices["visa_ind"], days=150)
    settings.WSA_AUTHORITY_SIMULATOR_DELAY = 0
    from authorities.models import SimulatedSubmission

    record = SimulatedSubmission.objects.get(idempotency_key=visa.idempotency_key)
    record.record["ready_at"] = record.record["received_at"]
    record.save(update_fields=["record"])
    with django_capture_on_commit_callbacks(execute=True):
        booking = book(case, target)
        for approval in AuthorityRequest.objects.filter(case=case).exclude(purpose="visa"):
            services.authority_request_record_answer(request=approval, outcome="approved")
    visa.refresh_from_db()
    # Booked, approvals in, but the applicant has not come yet: the office only confirmed receipt.
    assert (visa.state, visa.outcome) == (RequestState.ACKNOWLEDGED, "")
    with django_capture_on_commit_callbacks(execute=True):  # the day of the appointment has come
        appointments.appointment_attendance_record(booking=booking, actor=None, now=target.starts_at)
    visa.refresh_from_db()
    assert (visa.state, visa.outcome) == (RequestState.ANSWERED, "rejected")
    # The visa adapter carries the booked appointment to the office (e.g. on a resend).
    from authorities.adapters.registry import adapter_for

    assert adapter_for(visa.authority).build_data(visa)["appointment"] == target.starts_at.isoformat()


@pytest.mark.django_db
def test_cancelling_a_slot_tells_its_applicants_and_frees_them_to_book_again(offices, at_office):
    visa_staff = UserFactory()
    Membership.objects.create(user=visa_staff, organisation=offices["visa_ind"].organisation, role=Role.CASEWORKER)
    target = slot(offices["visa_ind"], capacity=3)
    first, second = at_office(), at_office()
    book(first, target)
    book(second, target)
    assert appointments.appointment_slot_cancel(slot=target, actor=visa_staff, reason="Office closed") == 2
    target.refresh_from_db()
    assert target.cancelled_at and target.booked == 0 and target.cancellation_reason == "Office closed"
    assert set(AppointmentBooking.objects.values_list("state", flat=True)) == {BookingState.SLOT_CANCELLED}
    events = Event.objects.filter(payload__status="slot_cancelled")
    assert {e.case_id for e in events} == {first.pk, second.pk} and not any(e.internal for e in events)
    assert book(first, slot(offices["visa_ind"], days=4)).state == BookingState.ACTIVE
    assert appointments.appointment_slot_cancel(slot=target, actor=visa_staff) == 0  # already cancelled


@pytest.mark.django_db
def test_only_the_offices_own_staff_publish_and_cancel(offices):
    outsider = UserFactory()
    Membership.objects.create(user=outsider, organisation=offices["visa_vnm"].organisation, role=Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        appointments.appointment_slots_publish(authority=offices["visa_ind"], actor=outsider,
                                           first_day=timezone.localdate() + timedelta(days=1),
                                           last_day=timezone.localdate() + timedelta(days=2), weekdays=range(7),
                                           times=[time(9)], minutes=30, capacity=1)
    with pytest.raises(PermissionDenied):
        appointments.appointment_slot_cancel(slot=slot(offices["visa_ind"]), actor=outsider)


@pytest.mark.django_db
def test_publishing_in_bulk_is_idempotent_and_skips_past_times(offices):
    staff = UserFactory()
    Membership.objects.create(user=staff, organisation=offices["visa_ind"].organisation, role=Role.CASEWORKER)
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    plan = {"authority": offices["visa_ind"], "actor": staff, "first_day": monday,
            "last_day": monday + timedelta(days=13), "weekdays": [0, 2, 4], "times": [time(9), time(9, 30)],
            "minutes": 30, "capacity": 2}
    assert appointments.appointment_slots_publish(**plan) == 2 * 3 * 2
    assert appointments.appointment_slots_publish(**plan) == 0
    slots = list(AppointmentSlot.objects.filter(authority=offices["visa_ind"]))
    assert {s.starts_at.astimezone(timezone.get_current_timezone()).weekday() for s in slots} == {0, 2, 4}
    assert all(s.capacity == 2 and s.ends_at - s.starts_at == timedelta(minutes=30) for s in slots)
    today = {**plan, "first_day": timezone.localdate(), "last_day": timezone.localdate(), "weekdays": range(7),
             "times": [time(0, 0)]}
    assert appointments.appointment_slots_publish(**today) == 0  # already past
    with pytest.raises(ValueError):
        appointments.appointment_slots_publish(**{**plan, "last_day": monday + timedelta(days=200)})


@pytest.mark.django_db
def test_the_legal_target_is_three_weeks_in_the_accelerated_procedure(offices, at_office):
    accelerated = at_office(accelerated=True)
    request = selectors.appointment_request(case=accelerated)
    pre_approval = AuthorityRequest.objects.get(case=accelerated, purpose="pre_approval_81a")
    assert pre_approval.outcome == "approved"
    # Counted from the later of the visa request reaching the mission and the pre-approval (§ 31a AufenthV).
    later = max(request.sent_at, pre_approval.answered_at)
    assert selectors.appointment_target(case=accelerated, request=request) == {
        "due": timezone.localdate(later) + timedelta(weeks=3), "source": "§ 31a AufenthV"}
    AuthorityRequest.objects.filter(pk=pre_approval.pk).update(state=RequestState.SENT, outcome="")
    assert selectors.appointment_target(case=accelerated, request=request) == {"due": None,
                                                                               "source": "§ 31a AufenthV"}
    regular = at_office(title="18b")
    assert selectors.appointment_target(case=regular, request=selectors.appointment_request(case=regular)) is None


@pytest.mark.django_db
def test_the_free_slots_one_week_at_a_time_in_two_queries_whatever_the_data(offices, at_office,
                                                                           django_assert_num_queries):
    case, other = at_office(), at_office()
    office = offices["visa_ind"]
    request = selectors.appointment_request(case=case)
    viewer = case.person.user                                                 # as the view has it: loaded
    week2 = [slot_in_week(office, weeks=2, weekday=day, hour=hour) for day in (0, 6) for hour in (9, 14)]
    week4 = slot_in_week(office, weeks=4, weekday=3)
    slot_in_week(office, weeks=1, capacity=1, booked=1)                      # full
    slot_in_week(office, weeks=3, cancelled_at=timezone.now())                # cancelled
    slot_in_week(offices["visa_vnm"], weeks=1)                                # another office

    def shown(week=None):
        return selectors.applicant_slot_week(viewer=viewer, case=case, request=request, week=week)

    with django_assert_num_queries(2):
        first = shown()
    assert first == {"week": monday(2), "slots": week2, "earlier": None, "later": monday(4)}
    assert shown(monday(4)) == {"week": monday(4), "slots": [week4], "earlier": monday(2), "later": None}
    for fallback in (monday(3), monday(1), monday(9), monday(4) + timedelta(days=1), None):
        assert shown(fallback)["week"] == monday(2)
    for weeks in range(5):                                                    # more data, the same queries
        for day in range(7):
            slot_in_week(office, weeks=weeks + 1, weekday=day, hour=16)
    with django_assert_num_queries(2):
        assert shown()["week"] == monday(1)
    # Someone else's case: nothing (and the week list is empty too).
    assert selectors.applicant_slot_week(viewer=other.person.user, case=case, request=request)["slots"] == []


@pytest.mark.django_db
def test_withdrawing_the_application_frees_the_place(offices, at_office):
    case = at_office()
    target = slot(offices["visa_ind"])
    booking = book(case, target)
    case_services.case_transition(case=Case.objects.get(pk=case.pk), transition="withdraw", actor=case.person.user)
    booking.refresh_from_db()
    assert booking.state == BookingState.CANCELLED and AppointmentSlot.objects.get(pk=target.pk).booked == 0


@pytest.mark.django_db
def test_visa_decided_cases_cannot_book(offices, at_office):
    case = at_office()
    Case.objects.filter(pk=case.pk).update(state=CaseState.VISA_GRANTED)
    assert selectors.appointment_request(case=Case.objects.get(pk=case.pk)) is None


# --- the race for the last place: two connections at once (PostgreSQL row locks) --------------------


def _submitted_and_delivered(make_case) -> Case:
    """A case the WSA found complete whose requests reached the offices: the visa office expects a booking."""
    case = make_case("18a")
    case_services.case_submit(case=case, actor=case.person.user)
    procedure.case_send_to_authorities(case=case)
    for request in AuthorityRequest.objects.filter(case=case):
        services.outbox_relay_deliver(outbox_id=request.outbox.get().pk)
    return Case.objects.get(pk=case.pk)


@pytest.mark.django_db(transaction=True)
def test_two_applicants_racing_for_the_last_place_get_one_booking(offices, make_case):
    if connection.vendor != "postgresql":
        pytest.skip("row locks of two concurrent connections need PostgreSQL")
    cases = [_submitted_and_delivered(make_case) for _ in range(2)]
    target = slot(offices["visa_ind"], capacity=1)
    barrier = threading.Barrier(2)
    results: dict[int, str] = {}

    def attempt(index: int):
        from django.db import connections

        try:
            barrier.wait(timeout=10)
            book(cases[index], target)
            results[index] = "booked"
        except appointments.AppointmentError as exc:
            results[index] = exc.code
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[index] = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(results.values()) == ["booked", "slot_taken"], results
    assert AppointmentSlot.objects.get(pk=target.pk).booked == 1
    assert AppointmentBooking.objects.filter(slot=target, state=BookingState.ACTIVE).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_slot_lock_holds_the_second_booking_until_the_first_commits(offices, make_case):
    """Deterministic variant: the first booking holds the slot's row lock while the second tries."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks of two concurrent connections need PostgreSQL")
    cases = [_submitted_and_delivered(make_case) for _ in range(2)]
    target = slot(offices["visa_ind"], capacity=1)
    holding = threading.Event()
    outcome = {}

    def second():
        from django.db import connections

        try:
            holding.wait(timeout=10)
            book(cases[1], target)
            outcome["second"] = "booked"
        except appointments.AppointmentError as exc:
            outcome["second"] = exc.code
        finally:
            connections.close_all()

    worker = threading.Thread(target=second)
    worker.start()
    with transaction.atomic():
        book(cases[0], target)
        holding.set()
        worker.join(timeout=1.0)
        assert worker.is_alive(), "the second booking must wait for the slot's row lock"
    worker.join(timeout=30)
    assert outcome == {"second": "slot_taken"}


@pytest.mark.django_db
def test_only_the_visa_office_records_attendance_and_only_from_the_appointments_start(offices, at_office):
    case = at_office()
    target = slot(offices["visa_ind"], days=2)
    booking = book(case, target)
    own = UserFactory()
    Membership.objects.create(user=own, organisation=offices["visa_ind"].organisation, role=Role.CASEWORKER)
    other = UserFactory()
    Membership.objects.create(user=other, organisation=offices["visa_vnm"].organisation, role=Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        appointments.appointment_attendance_record(booking=booking, actor=other)
    assert error_of(lambda: appointments.appointment_attendance_record(booking=booking, actor=own)) == "not_started"
    assert not Event.objects.filter(case=case, payload__status="appointment_attended").exists()
    appointments.appointment_attendance_record(booking=booking, actor=own, now=target.starts_at)
    again = appointments.appointment_attendance_record(booking=booking, actor=own, now=target.ends_at)
    assert again.attended_at == target.starts_at and again.attended_by == own  # recorded once
    event = Event.objects.get(case=case, payload__status="appointment_attended")
    assert event.internal is False and event.actor == own


@pytest.mark.django_db
def test_a_cancelled_booking_cannot_be_attended(offices, at_office):
    case = at_office()
    target = slot(offices["visa_ind"], days=3)
    booking = book(case, target)
    appointments.appointment_cancel(case=case, booking_id=booking.public_id, actor=case.person.user)
    assert error_of(lambda: appointments.appointment_attendance_record(
        booking=booking, actor=None, now=target.starts_at)) == "booking_changed"
