"""Helpers of the appointment tests: a case whose visa office expects the applicant, and slots."""

from datetime import timedelta

from django.utils import timezone

from authorities.models import AppointmentSlot
from tests.authorities.conftest import submit


def case_at_the_visa_office(make_case, capture, **kwargs):
    """A submitted case whose visa request reached the (simulated) visa office."""
    case = make_case(kwargs.pop("title", "18a"), **kwargs)
    with capture(execute=True):
        submit(case, actor=case.person.user)
    case.refresh_from_db()
    return case


def slot(office, *, days=3, hour=9, minute=0, capacity=1, minutes=30, **extra):
    starts = timezone.now().replace(hour=hour, minute=minute, second=0, microsecond=0) + timedelta(days=days)
    return AppointmentSlot.objects.create(authority=office, starts_at=starts, capacity=capacity,
                                          ends_at=starts + timedelta(minutes=minutes), **extra)
