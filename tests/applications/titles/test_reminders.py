"""Reminders: 90, 60 and 30 days before a title ends, each once, in the holder's language; none for
ended titles; the employer named in the title only when the holder allowed it."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import formats, timezone, translation

from accounts.models import Membership, Role
from applications import tasks
from applications.models import TitleEnd, TitleKind, TitleReminder
from applications.titles import reminders
from applications.titles.reminders import reminder_due, title_reminders_send
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def run(day):
    mail.outbox.clear()
    title_reminders_send(today=day)
    return list(mail.outbox)


def test_each_reminder_goes_out_once(holder, make_title):
    holder.user.preferred_language = "en"
    holder.user.save()
    title = make_title(holder, days_left=100)
    today = timezone.localdate()
    end = title.valid_until

    assert run(today) == []  # 100 days left
    sent = run(end - timedelta(days=90))
    assert len(sent) == 1 and sent[0].to == [holder.user.email]
    assert "in 90 days" in sent[0].body and "section 81 (4) of the Residence Act" in sent[0].body
    assert "apply to the foreigners' authority" in sent[0].body and "/applicant/titles/" in sent[0].body
    assert run(end - timedelta(days=90)) == []  # the same day again: nothing
    assert run(end - timedelta(days=75)) == []
    assert ["in 60 days" in m.body for m in run(end - timedelta(days=60))] == [True]
    assert ["in 30 days" in m.body for m in run(end - timedelta(days=30))] == [True]
    assert run(end - timedelta(days=10)) == []
    assert run(end + timedelta(days=1)) == []
    assert sorted(TitleReminder.objects.filter(title=title).values_list("days_before", flat=True)) == [30, 60, 90]


def test_a_title_found_late_gets_only_the_nearest_reminder(holder, make_title):
    title = make_title(holder, days_left=50)
    assert len(run(timezone.localdate())) == 1
    assert list(title.reminders.values_list("days_before", flat=True)) == [60]
    assert reminder_due(91) is None and reminder_due(90) == 90 and reminder_due(0) == 30 and reminder_due(-1) is None


def test_the_mail_is_in_the_holders_language(holder, make_title):
    holder.user.preferred_language = "de"
    holder.user.save()
    title = make_title(holder, days_left=30)
    sent = run(timezone.localdate())
    with translation.override("de"):
        german_date = formats.date_format(title.valid_until, "DATE_FORMAT")
    with translation.override("en"):
        english_date = formats.date_format(title.valid_until, "DATE_FORMAT")
    assert german_date != english_date
    assert len(sent) == 1 and german_date in sent[0].subject and english_date not in sent[0].body


def test_a_visa_holder_is_told_to_apply_for_the_residence_permit(holder, make_title):
    holder.user.preferred_language = "en"
    holder.user.save()
    make_title(holder, kind=TitleKind.NATIONAL_VISA, days_left=60)
    (message,) = run(timezone.localdate())
    assert "apply for your residence permit" in message.body and "National visa (type D)" in message.subject


def test_ended_titles_and_titles_without_end_get_none(holder, make_title):
    make_title(holder, days_left=30, ended_at=timezone.now(), end_reason=TitleEnd.REPLACED)
    make_title(holder, kind=TitleKind.SETTLEMENT_PERMIT, valid_until=None)
    assert run(timezone.localdate()) == []
    assert not TitleReminder.objects.exists()


def test_the_employer_is_not_written_to_without_the_holders_consent(holder, make_title, offices):
    employer_user = UserFactory(email="hr@muster.example")
    title = make_title(holder, days_left=30, employer=offices["employer"])
    Membership.objects.create(user=employer_user, organisation=title.employer, role=Role.EMPLOYER_OWNER)
    assert [m.to for m in run(timezone.localdate())] == [[holder.user.email]]


def test_a_failed_send_is_tried_again_the_next_day(holder, make_title, monkeypatch):
    title = make_title(holder, days_left=30)

    def broken(*args, **kwargs):
        raise ConnectionError("mail server down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    assert title_reminders_send(today=timezone.localdate()) == 0
    assert not title.reminders.exists()
    monkeypatch.undo()
    assert title_reminders_send(today=timezone.localdate() + timedelta(days=1)) == 1


def test_the_daily_beat_task_is_scheduled_and_runs(holder, make_title):
    entry = settings.CELERY_BEAT_SCHEDULE["applications-title-reminders"]
    assert entry["task"] == "applications.tasks.title_reminders" and entry["schedule"] == 24 * 3600.0
    make_title(holder, days_left=30)
    mail.outbox.clear()
    assert tasks.title_reminders.delay().get() == 1 and len(mail.outbox) == 1


def test_with_the_holders_consent_the_employers_members_get_a_short_reminder(client, holder, make_title, offices):
    today = timezone.localdate()
    title = make_title(holder, days_left=30, employer=offices["employer"])
    hr = UserFactory(email="hr@muster.example", preferred_language="en")
    Membership.objects.create(user=hr, organisation=title.employer, role=Role.EMPLOYER_MEMBER)
    gone = UserFactory(email="left@muster.example", is_active=False)
    Membership.objects.create(user=gone, organisation=title.employer, role=Role.EMPLOYER_OWNER)
    client.force_login(holder.user)

    response = client.post(f"/applicant/titles/{title.public_id}/employer-reminders/", {"allowed": "yes"})
    assert response.status_code == 302
    title.refresh_from_db()
    assert title.employer_reminders_since is not None

    sent = run(today)
    assert [m.to for m in sent] == [[holder.user.email], ["hr@muster.example"]]
    employer_mail = sent[1]
    with translation.override("en"):
        date_text = formats.date_format(title.valid_until, "DATE_FORMAT")
    assert date_text in employer_mail.subject
    assert "SHARMA" in employer_mail.body and "30 days" in employer_mail.body
    # Only name, kind and end: nothing of the holder's other data or the portal's link to the title.
    assert holder.passport_number not in employer_mail.body
    assert "/applicant/titles/" not in employer_mail.body


def test_the_holder_can_withdraw_and_the_employer_hears_nothing_more(client, holder, make_title, offices):
    title = make_title(holder, days_left=30, employer=offices["employer"])
    Membership.objects.create(user=UserFactory(email="hr@muster.example"), organisation=title.employer,
                              role=Role.EMPLOYER_OWNER)
    client.force_login(holder.user)
    client.post(f"/applicant/titles/{title.public_id}/employer-reminders/", {"allowed": "yes"})
    page = client.get("/applicant/titles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Stop reminding my employer" in page
    client.post(f"/applicant/titles/{title.public_id}/employer-reminders/", {"allowed": "no"})
    title.refresh_from_db()
    assert title.employer_reminders_since is None
    assert [m.to for m in run(timezone.localdate())] == [[holder.user.email]]


def test_nobody_else_can_switch_a_holders_employer_reminders(client, holder, make_title, offices):
    title = make_title(holder, days_left=30, employer=offices["employer"])
    client.force_login(UserFactory())
    response = client.post(f"/applicant/titles/{title.public_id}/employer-reminders/", {"allowed": "yes"})
    assert response.status_code in (403, 404)
    title.refresh_from_db()
    assert title.employer_reminders_since is None


def test_a_title_without_an_employer_offers_nothing_and_refuses(client, holder, make_title):
    title = make_title(holder, days_left=200, employer=None)
    client.force_login(holder.user)
    page = client.get("/applicant/titles/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "employer-reminders" not in page
    response = client.post(f"/applicant/titles/{title.public_id}/employer-reminders/", {"allowed": "yes"},
                           HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "names no employer" in response.content.decode()
    title.refresh_from_db()
    assert title.employer_reminders_since is None
