from datetime import date

import pytest
from django.core import mail
from django.db import transaction

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
    case = services.case_create(person=person, actor=None, title_code="18b")  # e.g. an employer's invitation
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


@pytest.mark.django_db(transaction=True)
def test_news_of_one_change_arrive_as_one_email_and_later_news_in_the_next():
    user = UserFactory(preferred_language="en")
    case = services.case_create(person=PersonFactory(user=user), actor=None, title_code="18b")
    mail.outbox.clear()
    with transaction.atomic():  # two timeline entries in one transaction: one e-mail naming both
        services.event_append(case=case, kind="message", payload={"text": "a"})
        services.case_submit(case=case, actor=None)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body.count("\n- ") == 2
    services.case_transition(case=case, transition="withdraw", actor=None)
    assert len(mail.outbox) == 2
    assert mail.outbox[1].body.count("\n- ") == 1  # only what is new since the first e-mail
    assert "withdrawn" in mail.outbox[1].body.lower()


@pytest.mark.django_db(transaction=True)
def test_a_queued_notice_takes_the_news_that_arrive_before_it_runs(settings, monkeypatch):
    from applications import tasks

    queued = []
    monkeypatch.setattr(tasks.notify_case, "apply_async", lambda args, **options: queued.append((args, options)))
    settings.WSA_NOTIFY_DELAY_SECONDS = 60
    user = UserFactory(preferred_language="en")
    case = services.case_create(person=PersonFactory(user=user), actor=None, title_code="18b")
    services.case_submit(case=case, actor=None)
    services.case_transition(case=case, transition="withdraw", actor=None)
    assert queued == [((case.pk,), {"countdown": 60, "retry": False})]  # one task for the three entries
    assert tasks.notify_case.run(case.pk) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].body.count("\n- ") == 3
    assert tasks.notify_case.run(case.pk) == 0  # nothing new: no second e-mail


@pytest.mark.django_db(transaction=True)
def test_a_failed_send_gives_the_news_back_for_the_retry(monkeypatch):
    from applications import tasks

    user = UserFactory(preferred_language="en")
    case = services.case_create(person=PersonFactory(user=user), actor=None, title_code="18b")
    mail.outbox.clear()
    services.case_submit(case=case, actor=None)
    assert len(mail.outbox) == 1
    mail.outbox.clear()
    monkeypatch.setattr(tasks, "send_mail", lambda *a, **k: (_ for _ in ()).throw(ConnectionError("smtp down")))
    services.event_append(case=case, kind="message", payload={"text": "b"})
    monkeypatch.undo()
    assert mail.outbox == []
    assert tasks.notify_case.run(case.pk) == 1  # the retry still has the entry to tell
    assert mail.outbox[0].body.count("\n- ") == 1


@pytest.mark.django_db(transaction=True)
def test_the_entries_of_a_burst_ask_the_cache_once(settings, monkeypatch):
    from django.core.cache import cache, caches

    from applications import tasks
    from wsa.celery import app as celery_app

    queued, added = [], []
    monkeypatch.setattr(tasks.notify_case, "apply_async", lambda args, **options: queued.append(args))
    real_add = caches["default"].add
    monkeypatch.setattr(caches["default"], "add", lambda *a, **k: added.append(a[0]) or real_add(*a, **k))
    celery_app.conf.task_always_eager = False  # put back by the _eager_celery fixture
    settings.WSA_NOTIFY_DELAY_SECONDS = 60
    user = UserFactory(preferred_language="en")
    case = services.case_create(person=PersonFactory(user=user), actor=None, title_code="18b")
    services.case_submit(case=case, actor=None)
    cache.delete(services.notify_pending_key(case.pk))  # even without the mark: the task is still waiting
    services.event_append(case=case, kind="message", payload={"text": "b"})
    assert queued == [(case.pk,)] and added == [services.notify_pending_key(case.pk)]
    assert tasks.notify_case.run(case.pk) == 1 and mail.outbox[-1].body.count("\n- ") == 3


@pytest.mark.django_db(transaction=True)
def test_eager_tasks_tell_every_change_at_once(settings):
    settings.WSA_NOTIFY_DELAY_SECONDS = 60  # ignored by eager tasks: each change is its own e-mail
    user = UserFactory(preferred_language="en")
    case = services.case_create(person=PersonFactory(user=user), actor=None, title_code="18b")
    mail.outbox.clear()
    services.case_submit(case=case, actor=None)
    services.case_transition(case=case, transition="withdraw", actor=None)
    assert len(mail.outbox) == 2



@pytest.mark.django_db(transaction=True)
def test_nobody_is_told_about_their_own_actions():
    """Their own draft, upload, message and submission are news to nobody; what the case team does is."""
    user = UserFactory(preferred_language="en")
    case = services.case_create(person=PersonFactory(user=user), actor=user, title_code="18b")
    services.event_append(case=case, kind="message", actor=user, payload={"text": "my question"})
    services.case_submit(case=case, actor=user)
    assert mail.outbox == []
    caseworker = UserFactory()
    services.case_transition(case=case, transition="start_completeness_check", actor=caseworker)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [user.email]
    assert mail.outbox[0].body.count("\n- ") == 1  # only the case team's step, not the applicant's own
