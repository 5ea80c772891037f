"""Helpers of the appointment tests: a case whose visa office expects the applicant, and slots."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from authorities.models import AppointmentSlot
from tests.authorities.conftest import confirm_complete


def case_at_the_visa_office(make_case, capture, **kwargs):
    """A case the WSA found complete, whose visa request reached the (simulated) visa office."""
    case = make_case(kwargs.pop("title", "18a"), **kwargs)
    with capture(execute=True):
        confirm_complete(case, actor=case.person.user)
    case.refresh_from_db()
    return case


def slot(office, *, days=3, hour=9, minute=0, capacity=1, minutes=30, **extra):
    starts = timezone.now().replace(hour=hour, minute=minute, second=0, microsecond=0) + timedelta(days=days)
    return AppointmentSlot.objects.create(authority=office, starts_at=starts, capacity=capacity,
                                          ends_at=starts + timedelta(minutes=minutes), **extra)


def monday(weeks=0):
    """The Monday (portal's time zone) of this week, or of the week `weeks` later."""
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) + timedelta(weeks=weeks)


def slot_in_week(office, *, weeks=1, weekday=0, hour=9, capacity=1, minutes=30, **extra):
    """A slot in the week `weeks` after this one (1 … 5 lie wholly inside the 6-week booking window)."""
    starts = timezone.make_aware(datetime.combine(monday(weeks) + timedelta(days=weekday), time(hour)))
    return AppointmentSlot.objects.create(authority=office, starts_at=starts, capacity=capacity,
                                          ends_at=starts + timedelta(minutes=minutes), **extra)
