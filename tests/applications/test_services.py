from datetime import date

import pytest
from django.core import mail

from applications import services
from applications.models import Event
from tests.factories import PersonFactory, UserFactory


@pytest.mark.django_db
def test_references_are_sequential_per_year():
    first = services.reference_allocate(today=date(2026, 5, 1))
    second = services.reference_allocate(today=date(2026, 5, 2))
    next_year = services.reference_allocate(today=date(2027, 1, 1))
    assert (first, second, next_year) == ("WSA-2026-000001", "WSA-2026-000002", "WSA-2027-000001")


@pytest.mark.django_db(transaction=True)
def test_case_create_writes_event_and_notifies_the_applicant_in_their_language():
    user = UserFactory(preferred_language="de")
    person = PersonFactory(user=user)
    case = services.case_create(person=person, actor=user, title_code="18b")
    assert case.reference.startswith("WSA-")
    assert Event.objects.filter(case=case, kind="created").count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert case.reference in mail.outbox[0].subject
    assert str(case.public_id) in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_internal_notes_are_not_sent_to_the_applicant():
    staff = UserFactory()
    case = services.case_create(person=PersonFactory())
    mail.outbox.clear()
    services.message_post(case=case, author=staff, body="Passport copy looks cropped.", internal=True)
    assert mail.outbox == []
    assert Event.objects.get(case=case, kind="note").internal is True
