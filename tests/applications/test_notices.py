"""The applicant's e-mail about their case: only what others did, and a request for documents names
what is asked for and the deadline, in the applicant's language."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from applications import services
from applications.models import DocumentRequestReason
from applications.services.document_requests import case_documents_provide, document_request_create
from documents.models import Document
from tests.applications.portal.helpers import FakeResult, pdf_upload
from tests.factories import PersonFactory, UserFactory


@pytest.fixture
def checks_find(monkeypatch):
    """The automatic check of an upload (OCR stands in): clean unless a test says otherwise."""
    outcome = {"findings": []}
    monkeypatch.setattr("documents.tasks._inspect", lambda *a, **k: FakeResult(findings=outcome["findings"]))
    return outcome


def _submitted_case(language="en"):
    user = UserFactory(preferred_language=language)
    case = services.case_create(person=PersonFactory(user=user), actor=user, title_code="18b")
    services.case_submit(case=case, actor=user)
    return user, case


def _ask_for(case, *, due_on, note="Please send all pages of your degree certificate."):
    return document_request_create(case=case, actor=UserFactory(), reason=DocumentRequestReason.INCOMPLETE,
                                   note=note, due_on=due_on)


@pytest.mark.django_db(transaction=True)
def test_the_applicants_own_draft_message_submission_and_upload_send_no_mail(checks_find):
    user, case = _submitted_case()
    services.message_post(case=case, author=user, body="When will I hear from you?")
    assert mail.outbox == []
    _ask_for(case, due_on=timezone.localdate() + timedelta(days=14))
    assert len(mail.outbox) == 1  # the case team's request is news
    mail.outbox.clear()
    document = case_documents_provide(case=case, actor=user, file=pdf_upload("degree.pdf"))
    document.refresh_from_db()
    assert document.state == Document.State.PASSED  # the check ran and recorded its result on the timeline
    assert case.events.filter(kind="document", payload__state="passed").exists()
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_a_check_of_their_upload_that_asks_them_to_act_is_mailed(checks_find):
    checks_find["findings"] = [SimpleNamespace(code="passport_expired", severity="warning")]
    user, case = _submitted_case()
    _ask_for(case, due_on=timezone.localdate() + timedelta(days=14))
    mail.outbox.clear()
    case_documents_provide(case=case, actor=user, file=pdf_upload("passport.pdf"))
    assert len(mail.outbox) == 1
    with translation.override("en"):
        assert str(Document.State.NEEDS_ATTENTION.label) in mail.outbox[0].body


@pytest.mark.django_db(transaction=True)
def test_the_request_for_documents_names_them_and_the_deadline_in_english():
    _user, case = _submitted_case("en")
    mail.outbox.clear()
    due = timezone.localdate() + timedelta(days=21)
    _ask_for(case, due_on=due, note="All pages of the degree certificate & its translation.")
    body = mail.outbox[0].body
    assert "The document is incomplete (pages missing): All pages of the degree certificate & its translation." in body
    day = f"{due.day} {due:%B} {due.year}"  # "26 December 2026": never 12/26/2026
    assert f"Please upload them in the portal by {day}." in body


@pytest.mark.django_db(transaction=True)
def test_the_request_for_documents_is_in_german_for_a_german_reader():
    _user, case = _submitted_case("de")
    mail.outbox.clear()
    due = date.today() + timedelta(days=30)
    _ask_for(case, due_on=due, note="Bitte alle Seiten.")
    body = mail.outbox[0].body
    with translation.override("de"):
        reason = str(DocumentRequestReason.INCOMPLETE.label)
        day = formats.date_format(due, "DATE_FORMAT")
        upload_by = gettext("Please upload them in the portal by %(date)s.") % {"date": day}
    assert day.endswith(str(due.year)) and "." in day  # German: "5. Januar 2027"
    assert f"- {reason}: Bitte alle Seiten." in body
    assert upload_by in body
