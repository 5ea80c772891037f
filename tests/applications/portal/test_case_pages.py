"""After submission: status page and its live fragment, messages, document requests, entry report,
decisions, withdrawal, own data."""

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import formats, timezone, translation

from applications import services
from applications.models import Decision, Message
from documents.models import Document
from tests.auth import reauthenticated
from tests.procedure import walk

from .helpers import minimal_pdf, pdf_upload, upload_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(person):
    case = services.case_create(person=person, actor=person.user, title_code="18g", procedure_language="en")
    upload_for(person, case=case, name="passport.pdf", requirement="passport")
    services.case_submit(case=case, actor=person.user)
    return case


# --- status ---------------------------------------------------------------------------------

def test_status_page_shows_state_timeline_and_what_is_needed_next(client_in, case):
    response = client_in.get(reverse("applicant:case_detail", args=[case.public_id]))
    page = response.text
    assert response.status_code == 200
    assert case.reference in page and "Submitted" in page
    assert "The application was submitted." in page and "The case was created." in page
    assert "What we need from you next" in page and "Nothing at the moment" in page
    assert f'hx-get="{reverse("applicant:case_status", args=[case.public_id])}"' in page
    assert 'hx-trigger="every 5s"' in page


def test_a_document_that_needs_attention_links_from_the_timeline_to_what_the_check_found(client_in, case):
    """After submitting, "Document “contract.pdf”: Please check" stood in the timeline with no way to read why."""
    page = client_in.get(reverse("applicant:case_detail", args=[case.public_id])).text
    assert "See what the check found" not in page
    for state in ("passed", "needs_attention"):
        services.event_append(case=case, kind="document", actor=None,
                     payload={"document": "x", "name": f"{state}.pdf", "state": state, "what": state})
    page = client_in.get(reverse("applicant:case_detail", args=[case.public_id])).text
    entries = {line.split("</time>")[1].split("</li>")[0] for line in page.split("<li><time")[1:]}
    attention = next(entry for entry in entries if "needs_attention.pdf" in entry)
    assert f'href="{reverse("applicant:documents")}"' in attention and "See what the check found" in attention
    assert "See what the check found" not in next(entry for entry in entries if "passed.pdf" in entry)


def test_status_fragment_answers_304_while_unchanged_and_200_after_a_change(
        client_in, case, django_assert_max_num_queries):
    url = reverse("applicant:case_status", args=[case.public_id])
    first = client_in.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag and "<html" not in first.text and "Timeline" in first.text

    # Unchanged: session, user, and one query for the version; the case graph is not loaded.
    with django_assert_max_num_queries(3):
        unchanged = client_in.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged["ETag"] == etag and unchanged.content == b""

    walk(case, "start_completeness_check")
    with django_assert_max_num_queries(12):
        changed = client_in.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Completeness check" in changed.text
    assert "data-announce" in changed.text  # the change is announced to screen readers


def test_status_fragment_of_someone_elses_case_is_not_found(client_in, person, other_person):
    theirs = services.case_create(person=other_person, title_code="18b")
    url = reverse("applicant:case_status", args=[theirs.public_id])
    assert client_in.get(url).status_code == 404
    assert client_in.get(url, HTTP_IF_NONE_MATCH="*").status_code == 404


def test_status_page_shows_a_document_request_and_accepts_one_upload(client_in, case, private_storage):
    deadline = (date.today() + timedelta(days=14)).isoformat()
    walk(case, "start_completeness_check", "request_documents",
         payloads={"request_documents": {"reason": "The passport scan is cropped.", "deadline": deadline}})
    page = client_in.get(reverse("applicant:case_detail", args=[case.public_id])).text
    assert "The passport scan is cropped." in page and "Send the requested documents" in page
    assert "Your case team needs documents from you." in page

    response = client_in.post(reverse("applicant:case_provide_documents", args=[case.public_id]),
                              {"file": pdf_upload("passport-full.pdf"), "document_type": "passport",
                               "note": "Here is the full page."})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "completeness_check"
    assert Document.objects.filter(case=case, original_name="passport-full.pdf").exists()
    event = case.events.filter(kind="transition", to_state="completeness_check").last()
    assert event.payload["transition"] == "documents_provided" and event.payload["note"] == "Here is the full page."


def test_answering_a_request_that_is_no_longer_open_leaves_nothing_behind(client_in, case, private_storage):
    before = Document.objects.count()
    response = client_in.post(reverse("applicant:case_provide_documents", args=[case.public_id]),
                              {"file": pdf_upload("late.pdf"), "document_type": "other"}, follow=True)
    assert "not waiting for documents any more" in response.text
    assert Document.objects.count() == before
    assert not Document.objects.filter(original_name="late.pdf").exists()


# --- messages -------------------------------------------------------------------------------

def test_messages_are_posted_and_internal_notes_never_shown(client_in, case):
    services.message_post(case=case, author=None, body="Internal: passport looks fine.", internal=True)
    services.message_post(case=case, author=None, body="Please confirm your start date.")
    url = reverse("applicant:case_messages", args=[case.public_id])
    response = client_in.post(url, {"body": "  The start date is 1 March.  "})
    assert response.status_code == 302
    assert Message.objects.filter(case=case, internal=False, body="The start date is 1 March.").exists()
    page = client_in.get(url).text
    assert "Please confirm your start date." in page and "The start date is 1 March." in page
    assert "Internal: passport looks fine." not in page
    empty = client_in.post(url, {"body": "   "})
    assert empty.status_code == 200 and "kern-error" in empty.text


# --- entry, decisions, withdrawal -----------------------------------------------------------

def test_entry_report_after_the_visa_was_granted(client_in, case):
    url = reverse("applicant:case_entry", args=[case.public_id])
    assert client_in.get(url).status_code == 302  # not before the visa
    walk(case, "start_completeness_check", "start_authority_review", "refer_to_visa_decision", "grant_visa")
    page = client_in.get(reverse("applicant:case_detail", args=[case.public_id])).text
    assert "Report your entry" in page
    bad = client_in.post(url, {"entry_date": (date.today() + timedelta(days=3)).isoformat(), "street": "x",
                               "postal_code": "1011", "city": "Berlin"})
    assert bad.status_code == 200 and "cannot be in the future" in bad.text and "five digits" in bad.text
    response = client_in.post(url, {"entry_date": date.today().isoformat(), "street": "Invalidenstraße 1",
                                    "postal_code": "10115", "city": "Berlin"})
    assert response.status_code == 302
    case.refresh_from_db()
    case.person.refresh_from_db()
    assert case.state == "entered"
    assert (case.person.street, case.person.postal_code, case.person.city, case.person.country_of_residence) == (
        "Invalidenstraße 1", "10115", "Berlin", "DEU")
    event = case.events.filter(to_state="entered").get()
    assert event.payload["entry_date"] == date.today().isoformat()
    # Back on the form: not "once your visa has been granted" (it was), but that the entry is on record.
    again = client_in.get(url, follow=True).text
    assert "already on record" in again and "once your visa has been granted" not in again


def issued_decision(case, *, status=Decision.Status.ISSUED):
    decision = Decision.objects.create(
        case=case, kind=Decision.Kind.VISA, outcome=Decision.Outcome.GRANTED, status=status,
        decided_by=case.person.user, issued_at=timezone.now() if status == Decision.Status.ISSUED else None,
        verification_code=f"CODE{Decision.objects.count()}" if status == Decision.Status.ISSUED else None,
    )
    decision.pdf.save("decision.pdf", ContentFile(minimal_pdf("Bescheid")), save=True)
    return decision


def test_issued_decisions_are_listed_and_downloaded_as_attachment(client_in, case, private_storage):
    issued = issued_decision(case)
    draft = issued_decision(case, status=Decision.Status.DRAFT)
    page = client_in.get(reverse("applicant:case_decisions", args=[case.public_id])).text
    assert reverse("applicant:decision_download", args=[issued.public_id]) in page
    assert reverse("applicant:decision_download", args=[draft.public_id]) not in page
    assert issued.verification_code in page and "/verify/" in page
    response = client_in.get(reverse("applicant:decision_download", args=[issued.public_id]))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert client_in.get(reverse("applicant:decision_download", args=[draft.public_id])).status_code == 404


def test_a_blue_card_case_names_its_title_an_eu_blue_card_not_a_residence_permit(client_in, case, private_storage):
    """§ 18g AufenthG grants an EU Blue Card, a residence title of its own (§ 4 Abs. 1 S. 2 Nr. 2a AufenthG)."""
    status_url = reverse("applicant:case_detail", args=[case.public_id])
    assert "After your entry: EU Blue Card from the foreigners" in client_in.get(status_url).text
    permit = issued_decision(case)
    Decision.objects.filter(pk=permit.pk).update(kind=Decision.Kind.RESIDENCE_PERMIT)
    page = client_in.get(reverse("applicant:case_decisions", args=[case.public_id])).text
    assert "EU Blue Card: granted" in page and "Residence permit" not in page
    type(case).objects.filter(pk=case.pk).update(title_code="18b")
    page = client_in.get(reverse("applicant:case_decisions", args=[case.public_id])).text
    assert "Residence permit: granted" in page and "EU Blue Card" not in page


def test_withdraw_an_open_case_after_confirmation(client_in, case):
    url = reverse("applicant:case_withdraw", args=[case.public_id])
    page = client_in.get(url)
    assert "Withdraw application" in page.text
    unconfirmed = client_in.post(url, {"reason": "Found another job"})
    assert unconfirmed.status_code == 200 and "Please confirm" in unconfirmed.text
    case.refresh_from_db()
    assert case.state == "submitted"
    client_in.post(url, {"reason": "Found another job", "confirm": "on"})
    case.refresh_from_db()
    assert case.state == "withdrawn"
    assert case.events.get(to_state="withdrawn").payload["reason"] == "Found another job"
    assert client_in.get(url).status_code == 302  # no second withdrawal


# --- own data -------------------------------------------------------------------------------

def test_export_contains_profile_cases_events_messages_and_files(client_in, case, private_storage):
    services.message_post(case=case, author=None, body="Welcome!")
    services.message_post(case=case, author=None, body="secret staff note", internal=True)
    issued_decision(case)
    reauthenticated(client_in)  # the export asks for the password again (tests/security)
    response = client_in.get(reverse("applicant:data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert "data.json" in names
    assert any(n.startswith("documents/") and n.endswith("passport.pdf") for n in names)
    assert any(n.startswith("decisions/") for n in names)
    data = json.loads(archive.read("data.json"))
    assert data["person"]["surname"] == "SHARMA"
    assert data["person"]["qualifications"][0]["title"] == "B.Tech Computer Science"
    exported = data["cases"][0]
    assert exported["reference"] == case.reference
    assert any(e["to_state"] == "submitted" for e in exported["events"])
    assert [m["body"] for m in exported["messages"]] == ["Welcome!"]
    assert data["documents"][0]["sha256"] == Document.objects.get(case=case).sha256


def test_status_page_lists_the_authority_steps_with_their_deadlines(client_in, case):
    from authorities.models import Authority, AuthorityRequest, Purpose

    walk(case, "start_completeness_check", "start_authority_review")
    due = timezone.now() + timedelta(days=14)
    office = Authority.objects.create(kind="ba", name="BA – ZAV")
    AuthorityRequest.objects.update_or_create(
        case=case, purpose="ba_approval", defaults={"state": "sent", "due_at": due, "authority": office,
                                                    "sent_at": timezone.now(), "idempotency_key": f"t-{case.pk}"})
    page = client_in.get(reverse("applicant:case_detail", args=[case.public_id])).text
    assert "Where your application stands" in page
    assert str(Purpose.BA_APPROVAL.label) in page and "BA – ZAV" in page
    with translation.override("en"):
        assert "Legal deadline: " + formats.date_format(timezone.localtime(due), "DATE_FORMAT") in page


