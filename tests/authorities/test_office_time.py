"""Appointments at a visa office abroad are shown in the office's own time, with the zone named, and
with the office's address: on the booking page, on the case page and in the confirmation e-mail."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from authorities.models import AppointmentSlot, Authority
from authorities.office_time import office_time
from tests.authorities.appointment_helpers import case_at_the_visa_office, monday

ADDRESS = "6/50G Shanti Path, Chanakyapuri\nNew Delhi 110021"


def test_a_time_in_kolkata_is_named_with_its_zone_and_other_offices_use_theirs():
    moment = datetime(2027, 1, 9, 4, 0, tzinfo=UTC)
    with translation.override("en"):
        kolkata = office_time(moment, Authority(time_zone="Asia/Kolkata"))
        assert kolkata == "9 January 2027, 09:30 (India Standard Time, UTC+5:30)"
        bogota = office_time(moment, Authority(time_zone="America/Bogota"))
        assert bogota == "8 January 2027, 23:00 (Colombia Standard Time, UTC-5)"
        portal = office_time(moment, Authority())
        assert portal == "9 January 2027, 05:00 (Central European Standard Time, UTC+1)"


def test_the_zone_is_named_in_the_readers_language():
    moment = datetime(2027, 1, 9, 4, 0, tzinfo=UTC)
    kolkata = Authority(time_zone="Asia/Kolkata")
    with translation.override("de"):
        assert office_time(moment, kolkata).endswith("09:30 (Indische Normalzeit, UTC+5:30)")
    with translation.override("vi"):
        assert office_time(moment, kolkata).endswith("(Giờ chuẩn Ấn Độ, UTC+5:30)")
    with translation.override("ar"):  # an Arabic comma between the zone's name and its offset
        assert office_time(moment, kolkata).endswith("، UTC+5:30)")


def test_an_unknown_time_zone_is_refused():
    office = Authority(kind="visa_office", name="Botschaft", time_zone="Asia/Delhi")
    with pytest.raises(ValidationError) as caught:
        office.full_clean()
    assert "time_zone" in caught.value.message_dict


@pytest.mark.django_db
def test_booking_page_case_page_and_e_mail_show_the_kolkata_time_and_the_address(
        client, offices, make_case, django_capture_on_commit_callbacks):
    assert settings.TIME_ZONE == "Europe/Berlin"
    office = offices["visa_ind"]
    Authority.objects.filter(pk=office.pk).update(time_zone="Asia/Kolkata", address=ADDRESS)
    case = case_at_the_visa_office(make_case, django_capture_on_commit_callbacks)
    type(case.person.user).objects.filter(pk=case.person.user_id).update(preferred_language="en")
    # Tuesday next week, 09:30 in New Delhi = 05:00 in Berlin (winter) or 06:00 (summer).
    day = monday(1) + timedelta(days=1)
    starts = datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)
    target = AppointmentSlot.objects.create(authority=office, starts_at=starts, ends_at=starts + timedelta(minutes=30))
    client.force_login(case.person.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = reverse("applicant:case_appointment", args=[case.public_id])
    html = client.get(page, {"week": monday(1).isoformat()}).content.decode()
    assert "All times are the local time of the visa office (India Standard Time, UTC+5:30)." in html
    assert "09:30 – 10:00" in html
    assert "6/50G Shanti Path, Chanakyapuri<br>New Delhi 110021" in html
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {"slot": str(target.public_id)})
    assert response.status_code == 302
    with translation.override("en"):
        when = office_time(starts, Authority(time_zone="Asia/Kolkata"))
    assert when.endswith(", 09:30 (India Standard Time, UTC+5:30)")
    detail = client.get(reverse("applicant:case_detail", args=[case.public_id])).content.decode()
    assert f"Your appointment at {office.name}: {when}." in detail
    assert "Address: 6/50G Shanti Path, Chanakyapuri New Delhi 110021" in detail
    confirmation = [message for message in mail.outbox if case.reference in message.subject]
    assert len(confirmation) == 1  # the applicant's own booking is confirmed: their record of when and where
    assert f"appointment booked at {office.name} for {when}." in confirmation[0].body
    assert "Address: 6/50G Shanti Path, Chanakyapuri New Delhi 110021" in confirmation[0].body
    assert timezone.localtime(starts).strftime("%H:%M") not in confirmation[0].body  # no Berlin time
