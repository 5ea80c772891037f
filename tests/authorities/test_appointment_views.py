"""The appointment pages: the applicant books (portal), the visa office publishes and cancels slots
(back office). German by default, English with the language cookie."""

from datetime import UTC, timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from applications.models import CaseAccess, Event
from authorities import appointments
from authorities.models import AppointmentBooking, AppointmentSlot, BookingState
from tests.auth import give_totp
from tests.authorities.appointment_helpers import case_at_the_visa_office, monday, slot, slot_in_week
from tests.factories import UserFactory


@pytest.fixture
def at_office(offices, make_case, django_capture_on_commit_callbacks):
    def make(**kwargs):
        return case_at_the_visa_office(make_case, django_capture_on_commit_callbacks, **kwargs)

    return make


def signed_in(client, user, language="en"):
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def staff_of(office, role=Role.CASEWORKER):
    user = give_totp(UserFactory())
    Membership.objects.create(user=user, organisation=office.organisation, role=role)
    return user


def page(case):
    return reverse("applicant:case_appointment", args=[case.public_id])


# --- applicant ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_case_page_asks_to_book_and_the_booking_page_lists_free_future_slots_by_day(client, offices, at_office):
    case = at_office(accelerated=True)
    office = offices["visa_ind"]
    later, earlier = slot_in_week(office, weekday=2, hour=10), slot_in_week(office, weekday=1, hour=11)  # one week
    slot(office, days=3, hour=9, minute=45, capacity=1, booked=1)  # full (:45: never on a slot_in_week hour)
    slot(office, days=-1)                                   # past
    slot(office, days=5, cancelled_at=timezone.now())       # cancelled
    foreign = slot(offices["visa_vnm"], days=3)              # another office
    signed_in(client, case.person.user)
    detail = client.get(reverse("applicant:case_detail", args=[case.public_id])).content.decode()
    assert "Book your appointment" in detail and page(case) in detail
    response = client.get(page(case))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('type="radio"') == 2 and str(foreign.public_id) not in html
    assert html.index(str(earlier.public_id)) < html.index(str(later.public_id))
    assert html.count("<fieldset") == 2  # one group per day
    assert "Legal target" in html and "§ 31a AufenthV" in html
    assert "<script" not in html.split('id="main"')[-1].split("</main>")[0]  # works without JavaScript


@pytest.mark.django_db
def test_booking_rebooking_and_cancelling_in_english(client, offices, at_office):
    case = at_office()
    first, second = slot(offices["visa_ind"], days=3), slot(offices["visa_ind"], days=6)
    signed_in(client, case.person.user)
    response = client.post(page(case), {"slot": first.public_id}, follow=True)
    assert "Your appointment is booked" in response.content.decode()
    booking = AppointmentBooking.objects.get(case=case, state=BookingState.ACTIVE)
    assert client.get(reverse("applicant:case_detail", args=[case.public_id])).content.decode().count(
        "Change or cancel your appointment") == 1
    # The same form again (double submit): nothing new, a clear note.
    again = client.post(page(case), {"slot": second.public_id}, follow=True).content.decode()
    assert "already booked" in again and AppointmentBooking.objects.filter(case=case).count() == 1
    moved = client.post(page(case), {"slot": second.public_id, "replaces": booking.public_id}, follow=True)
    assert moved.status_code == 200
    active = AppointmentBooking.objects.get(case=case, state=BookingState.ACTIVE)
    assert active.slot == second
    cancelled = client.post(reverse("applicant:case_appointment_cancel", args=[case.public_id]),
                            {"booking": active.public_id}, follow=True).content.decode()
    assert "was cancelled" in cancelled
    assert not AppointmentBooking.objects.filter(case=case, state=BookingState.ACTIVE).exists()
    statuses = list(Event.objects.filter(case=case, kind="authority", payload__status__in=[
        "booked", "rebooked", "booking_cancelled"]).order_by("pk").values_list("payload__status", flat=True))
    assert statuses == ["booked", "rebooked", "booking_cancelled"]


@pytest.mark.django_db
@pytest.mark.parametrize(("setup", "message"), [
    ("taken", "Someone else has just booked the last place"),
    ("past", "This appointment is in the past"),
    ("foreign", "belongs to another visa office"),
    ("garbage", "Please choose one of the listed appointments"),
    ("missing", "Please choose an appointment"),
])
def test_bad_bookings_get_a_clear_message(client, offices, at_office, setup, message):
    case = at_office()
    slot(offices["visa_ind"], days=8)  # something to choose from
    target = {
        "taken": lambda: slot(offices["visa_ind"], capacity=1, booked=1).public_id,
        "past": lambda: slot(offices["visa_ind"], days=-2).public_id,
        "foreign": lambda: slot(offices["visa_vnm"]).public_id,
        "garbage": lambda: "'; DROP TABLE x; --",
        "missing": lambda: "",
    }[setup]()
    signed_in(client, case.person.user)
    response = client.post(page(case), {"slot": target})
    assert response.status_code == 400 and message in response.content.decode()
    assert 'data-error-summary' in response.content.decode()
    assert not AppointmentBooking.objects.filter(case=case).exists()


@pytest.mark.django_db
def test_a_case_not_at_the_visa_office_cannot_book(client, offices, make_case):
    case = make_case("18a")  # a draft: nothing sent to the visa office
    target = slot(offices["visa_ind"])
    signed_in(client, case.person.user)
    html = client.get(page(case)).content.decode()
    assert "You cannot book an appointment for this application" in html and 'type="radio"' not in html
    response = client.post(page(case), {"slot": target.public_id})
    assert response.status_code == 400 and "not at the step" in response.content.decode()
    detail = client.get(reverse("applicant:case_detail", args=[case.public_id])).content.decode()
    assert "Book your appointment" not in detail


@pytest.mark.django_db
def test_the_booking_page_in_german(client, offices, at_office):
    case = at_office()
    target = slot(offices["visa_ind"], days=3)
    signed_in(client, case.person.user, language="de")
    response = client.get(page(case))
    assert response.status_code == 200 and 'lang="de"' in response.content.decode()
    weekday = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"][
        timezone.localtime(target.starts_at).weekday()]
    assert weekday in response.content.decode()
    client.post(page(case), {"slot": target.public_id})
    assert AppointmentBooking.objects.filter(case=case, state=BookingState.ACTIVE).exists()


@pytest.mark.django_db
def test_someone_elses_case_is_a_404_and_changes_nothing(client, offices, at_office):
    case, other = at_office(), at_office()
    target = slot(offices["visa_ind"])
    booking = appointments.appointment_book(case=other, slot_id=target.public_id, actor=other.person.user)
    signed_in(client, case.person.user)
    assert client.get(page(other)).status_code == 404
    assert client.post(page(other), {"slot": slot(offices["visa_ind"], days=5).public_id}).status_code == 404
    assert client.post(reverse("applicant:case_appointment_cancel", args=[other.public_id]),
                       {"booking": booking.public_id}).status_code == 404
    # Someone else's booking id on one's own case: not found, nothing cancelled.
    client.post(reverse("applicant:case_appointment_cancel", args=[case.public_id]), {"booking": booking.public_id})
    booking.refresh_from_db()
    assert booking.state == BookingState.ACTIVE


def at(office, delta, **extra):
    """A slot `delta` from now (whatever the weekday: for the window's ends)."""
    starts = timezone.now().replace(second=0, microsecond=0) + delta
    return AppointmentSlot.objects.create(authority=office, starts_at=starts, ends_at=starts + timedelta(minutes=30),
                                          **extra)


def radios(html) -> int:
    return html.count('type="radio"')


@pytest.mark.django_db
def test_the_first_page_shows_only_the_week_of_the_earliest_free_slot(client, offices, at_office):
    case = at_office()
    office = offices["visa_ind"]
    slot_in_week(office, weeks=1, weekday=0, capacity=1, booked=1)        # full: does not count
    first = [slot_in_week(office, weeks=2, weekday=day, hour=9) for day in (0, 4)]
    later = slot_in_week(office, weeks=3, weekday=1)
    signed_in(client, case.person.user)
    html = client.get(page(case)).content.decode()
    assert radios(html) == 2 and all(str(s.public_id) in html for s in first)
    assert str(later.public_id) not in html
    assert f'?week={monday(3).isoformat()}"' in html and "Later dates" in html and "Earlier dates" not in html
    assert "Week from" in html and "<script" not in html.split('id="main"')[-1].split("</main>")[0]


@pytest.mark.django_db
def test_later_and_earlier_dates_move_by_week_with_free_slots_and_stop_at_the_window_ends(client, offices,
                                                                                          at_office):
    case = at_office()
    office = offices["visa_ind"]
    soonest = at(office, timedelta(days=1))
    middle = at(office, timedelta(days=15))
    last = at(office, timedelta(days=41))                  # the last week of the 6-week window
    beyond = at(office, timedelta(days=50))                # outside, in a later week: never reachable
    signed_in(client, case.person.user)
    seen, url, forward = [], page(case), []
    while url:                                             # follow "Later dates" to the end
        html = client.get(url).content.decode()
        seen.append([s for s in (soonest, middle, last, beyond) if str(s.public_id) in html])
        forward.append(html)
        later = html.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&") if 'rel="next"' in html \
            else None
        url = later
    assert seen == [[soonest], [middle], [last]]
    assert 'rel="prev"' not in forward[0] and "Earlier dates" not in forward[0]
    assert "Later dates" not in forward[-1] and "Earlier dates" in forward[-1]
    back = forward[-1].split('rel="prev" href="')[1].split('"')[0]
    html = client.get(back).content.decode()
    assert str(middle.public_id) in html and radios(html) == 1
    # Asking for the week beyond the window directly shows the first week instead.
    beyond_week = timezone.localdate(beyond.starts_at)
    beyond_week -= timedelta(days=beyond_week.weekday())
    html = client.get(page(case), {"week": beyond_week.isoformat()}).content.decode()
    assert str(soonest.public_id) in html and str(beyond.public_id) not in html


@pytest.mark.django_db
@pytest.mark.parametrize("week", [
    "", "garbage", "2025-13-01", "2025-1-6", "0001-01-01", "9999-12-27x", "'; DROP TABLE x; --",
    "tuesday", "past-monday", "far-monday", "empty-monday", "x" * 5000,
])
def test_a_bad_week_falls_back_to_the_first_week_with_free_slots(client, offices, at_office, week):
    case = at_office()
    office = offices["visa_ind"]
    first, second = slot_in_week(office, weeks=1), slot_in_week(office, weeks=4)
    week = {"tuesday": (monday(4) + timedelta(days=1)).isoformat(), "past-monday": monday(-1).isoformat(),
            "far-monday": monday(10).isoformat(), "empty-monday": monday(2).isoformat()}.get(week, week)
    signed_in(client, case.person.user)
    response = client.get(page(case), {"week": week})
    html = response.content.decode()
    assert response.status_code == 200
    assert str(first.public_id) in html and str(second.public_id) not in html and radios(html) == 1


@pytest.mark.django_db
def test_booking_works_from_a_later_week_and_with_a_slot_of_another_week(client, offices, at_office):
    case = at_office()
    office = offices["visa_ind"]
    slot_in_week(office, weeks=1)
    later, other = slot_in_week(office, weeks=3, weekday=2), slot_in_week(office, weeks=5, weekday=4)
    signed_in(client, case.person.user)
    url = f"{page(case)}?week={monday(3).isoformat()}"
    html = client.get(url).content.decode()
    assert str(later.public_id) in html and radios(html) == 1
    response = client.post(url, {"slot": later.public_id}, follow=True)
    assert "Your appointment is booked" in response.content.decode()
    booking = AppointmentBooking.objects.get(case=case, state=BookingState.ACTIVE)
    assert booking.slot == later
    # Moving to a slot the page does not show now (another week): the service checks the slot.
    moved = client.post(page(case), {"slot": other.public_id, "replaces": booking.public_id}, follow=True)
    assert moved.status_code == 200
    assert AppointmentBooking.objects.get(case=case, state=BookingState.ACTIVE).slot == other


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "texts", "absent"), [
    ("de", ["Woche vom", "Spätere Termine", "Frühere Termine"], ["Later dates", "Earlier dates", "Week from"]),
    ("en", ["Week from", "Later dates", "Earlier dates"], ["Spätere Termine", "Frühere Termine", "Woche vom"]),
])
def test_the_week_navigation_in_german_and_english(client, offices, at_office, language, texts, absent):
    case = at_office(accelerated=True)
    office = offices["visa_ind"]
    for weeks in (1, 2, 3):
        slot_in_week(office, weeks=weeks)
    signed_in(client, case.person.user, language=language)
    html = client.get(page(case), {"week": monday(2).isoformat()}).content.decode()
    assert f'lang="{language}"' in html
    assert all(text in html for text in texts) and not any(text in html for text in absent)
    assert "§ 31a AufenthV" in html  # the legal-target hint is still there


# --- back office -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_visa_office_publishes_slots_in_bulk(client, offices):
    staff = staff_of(offices["visa_ind"])
    signed_in(client, staff)
    url = reverse("authorities:appointment_slots")
    assert client.get(url).status_code == 200
    start = timezone.localdate() + timedelta(days=1)
    response = client.post(url, {"office": offices["visa_ind"].pk, "first_day": start.isoformat(),
                                 "last_day": (start + timedelta(days=6)).isoformat(),
                                 "weekdays": ["0", "1", "2", "3", "4"], "times": "09:00, 09:30, 10:00",
                                 "minutes": "30", "capacity": "2"}, follow=True)
    assert "15 appointment slots were published" in response.content.decode()
    assert AppointmentSlot.objects.filter(authority=offices["visa_ind"], capacity=2).count() == 15
    bad = client.post(url, {"office": offices["visa_vnm"].pk, "first_day": start.isoformat(),
                            "last_day": (start - timedelta(days=1)).isoformat(), "weekdays": ["0"],
                            "times": "9 Uhr", "minutes": "30", "capacity": "0"})
    assert bad.status_code == 400
    assert not AppointmentSlot.objects.filter(authority=offices["visa_vnm"]).exists()


@pytest.mark.django_db
def test_an_office_abroad_publishes_and_reads_its_slots_in_its_own_time(client, offices):
    """New Delhi's "09:00" is nine o'clock in New Delhi (03:30 UTC), not in Berlin, on the calendar too."""
    office = offices["visa_ind"]
    office.time_zone = "Asia/Kolkata"
    office.save(update_fields=["time_zone"])
    signed_in(client, staff_of(office))
    start = timezone.localdate() + timedelta(days=8 - timezone.localdate().weekday())  # a Tuesday
    client.post(reverse("authorities:appointment_slots"), {
        "office": office.pk, "first_day": start.isoformat(), "last_day": start.isoformat(),
        "weekdays": [str(start.weekday())], "times": "09:00", "minutes": "30", "capacity": "1"})
    published = AppointmentSlot.objects.get(authority=office)
    assert (published.starts_at.astimezone(UTC).hour, published.starts_at.astimezone(UTC).minute) == (3, 30)
    html = client.get(reverse("authorities:appointment_slots")).content.decode()
    assert "09:00 – 09:30" in html
    assert f"Times at {office.name} are its local time (India Standard Time, UTC+5:30)." in html


@pytest.mark.django_db
def test_slot_list_shows_bookings_and_records_the_read(client, offices, at_office):
    case = at_office()
    target = slot(offices["visa_ind"], days=2)
    appointments.appointment_book(case=case, slot_id=target.public_id, actor=case.person.user)
    staff = staff_of(offices["visa_ind"])
    signed_in(client, staff)
    html = client.get(reverse("authorities:appointment_slots")).content.decode()
    assert case.reference in html and case.person.surname in html
    assert CaseAccess.objects.filter(case=case, actor=staff).count() == 1
    file = client.get(reverse("backoffice:case_detail", args=[case.public_id])).content.decode()
    assert "Appointment at the visa office" in file and offices["visa_ind"].name in file


@pytest.mark.django_db
def test_visa_office_cancels_a_slot_and_the_applicant_can_rebook(client, offices, at_office):
    case = at_office()
    target = slot(offices["visa_ind"], days=2)
    appointments.appointment_book(case=case, slot_id=target.public_id, actor=case.person.user)
    staff = staff_of(offices["visa_ind"])
    signed_in(client, staff)
    url = reverse("authorities:appointment_slot_cancel", args=[target.public_id])
    assert case.reference in client.get(url).content.decode()
    response = client.post(url, {"reason": "Holiday"}, follow=True)
    assert "1 applicant was told" in response.content.decode()
    assert Event.objects.filter(case=case, payload__status="slot_cancelled", internal=False).exists()
    signed_in(client, case.person.user)
    detail = client.get(reverse("applicant:case_detail", args=[case.public_id])).content.decode()
    assert "Book your appointment" in detail


@pytest.mark.django_db
def test_staff_of_another_office_and_other_staff_get_nothing(client, offices, at_office):
    target = slot(offices["visa_ind"], days=2)
    other_visa = staff_of(offices["visa_vnm"])
    signed_in(client, other_visa)
    assert str(target.public_id) not in client.get(reverse("authorities:appointment_slots")).content.decode()
    url = reverse("authorities:appointment_slot_cancel", args=[target.public_id])
    assert client.get(url).status_code == 404
    assert client.post(url, {"reason": "x"}).status_code == 404
    ba = staff_of(offices["ba"])
    signed_in(client, ba)
    assert client.get(reverse("authorities:appointment_slots")).status_code == 403
    assert client.post(url, {}).status_code == 403
    target.refresh_from_db()
    assert target.cancelled_at is None
