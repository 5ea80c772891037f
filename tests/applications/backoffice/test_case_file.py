"""The case file: documents with findings, download and preview headers, requests for documents,
authority steps, and the access log."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.http import Http404
from django.urls import reverse
from django.utils import formats, timezone

from accounts.models import Role
from applications import services
from applications.models import CaseAccess, DocumentRequest
from applications.selectors.case_file import case_access_list
from applications.selectors.deadlines import COMPLETENESS_CHECK_DAYS
from documents import selectors as document_selectors
from documents.models import Document, Finding
from tests.factories import UserFactory

from .conftest import login

pytestmark = pytest.mark.django_db


def make_document(case, *, content_type="application/pdf", name="passport.pdf", data=b"%PDF-1.4 test"):
    document = Document(owner=case.person, case=case, document_type="passport", original_name=name,
                        sha256="0" * 64, size=len(data), content_type=content_type)
    document.file.save("x", ContentFile(data), save=False)
    document.save()
    Finding.objects.create(document=document, code="name_mismatch", severity="warning", field="surname",
                           expected="SHARMA", found="SHARNA", confidence=0.82)
    return document


def test_case_file_shows_data_documents_findings_steps_and_timeline(client, make_case, make_staff, add_request):
    case = make_case("authority_review")
    add_request(case, "ba")
    make_document(case)
    login(client, make_staff("wsa"))
    html = client.get(reverse("backoffice:case_detail", args=[case.public_id])).content.decode()
    for expected in [case.reference, "SHARMA", case.person.passport_number, "Software Developer", "58.000,00 €",
                     "passport.pdf", "SHARNA", "Bundesagentur für Arbeit"]:
        assert expected in html, expected
    # The finding is a sentence, not its code.
    assert "name_mismatch" not in html and "stimmt nicht mit dem" in html



def test_findings_speak_to_the_caseworker_and_to_the_applicant_each_in_their_words(client, make_case, make_staff):
    """The catalogue's message speaks to the applicant ("Your passport expired … Please upload …"); the caseworker
    reads what the check found, in the third person (documents.checks.findings.STAFF_MESSAGES)."""
    case = make_case("authority_review")
    document = make_document(case)
    Finding.objects.create(document=document, code="passport_expired", severity="error", field="expiry_date",
                           found="2025-03-04", expected="2026-12-07")
    Document.objects.filter(pk=document.pk).update(state=Document.State.NEEDS_ATTENTION)
    login(client, make_staff("wsa"))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    html = client.get(reverse("backoffice:case_detail", args=[case.public_id])).content.decode()
    assert "The passport expired on 4 March 2025." in html
    assert "The name in the document (SHARNA) does not match the name in the application (SHARMA)." in html
    assert "Checked, with findings" in html
    for applicant_words in ("Your passport", "Please upload", "you entered", "your name", "Needs your attention"):
        assert applicant_words not in html, applicant_words

    client.logout()
    login(client, case.person.user)
    html = client.get(reverse("applicant:documents")).content.decode()
    assert "Your passport expired on 4 March 2025. Please upload a valid passport." in html
    assert "does not match the name you entered (SHARMA)" in html and "Needs your attention" in html

def test_download_is_an_attachment_and_preview_is_sandboxed(client, make_case, make_staff):
    case = make_case("completeness_check")
    pdf = make_document(case)
    office_file = make_document(case, content_type="application/vnd.ms-word", name="cv.doc")
    caseworker = make_staff("wsa")
    login(client, caseworker)
    download = client.get(reverse("backoffice:document_download", args=[case.public_id, pdf.public_id]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "application/octet-stream"
    preview = client.get(reverse("backoffice:document_preview", args=[case.public_id, pdf.public_id]))
    assert preview.status_code == 200
    assert preview["Content-Disposition"].startswith("inline")
    assert preview["Content-Type"] == "application/pdf"
    assert preview["X-Content-Type-Options"] == "nosniff"
    assert preview["Content-Security-Policy"].startswith("sandbox")
    assert b"".join(preview.streaming_content) == b"%PDF-1.4 test"
    # No inline preview for anything but PDF, PNG and JPEG.
    assert client.get(reverse("backoffice:document_preview", args=[case.public_id, office_file.public_id])
                      ).status_code == 404
    # The access log has both reads, with the office and role as the reason.
    accesses = CaseAccess.objects.filter(case=case, object_kind="document").order_by("created_at", "pk")
    assert [(a.action, a.role, a.organisation_name) for a in accesses] == [
        ("download", Role.CASEWORKER, "Work-and-Stay-Agentur"), ("preview", Role.CASEWORKER, "Work-and-Stay-Agentur")]
    assert accesses[0].object_id == str(pdf.public_id)


def test_documents_of_a_case_the_viewer_may_not_see_are_404(client, make_case, make_staff, add_request):
    case = make_case("authority_review")
    document = make_document(case)
    other = make_case("authority_review")
    add_request(other, "ba")
    login(client, make_staff("ba"))
    assert client.get(reverse("backoffice:document_download", args=[case.public_id, document.public_id])
                      ).status_code == 404
    # Nor through a case the viewer may see.
    assert client.get(reverse("backoffice:document_download", args=[other.public_id, document.public_id])
                      ).status_code == 404


def test_access_log_records_staff_reads_and_the_applicant_sees_it(client, make_case, make_staff, add_request):
    applicant = UserFactory()
    case = make_case("authority_review", user=applicant)
    add_request(case, "ba")
    ba = make_staff("ba", name="Mehmet Yilmaz")
    login(client, ba).get(reverse("backoffice:case_detail", args=[case.public_id]))
    record = CaseAccess.objects.get(case=case)
    assert (record.actor, record.object_kind, record.action, record.role, record.organisation_name) == (
        ba, "case", "view", Role.CASEWORKER, "Bundesagentur für Arbeit – ZAV")
    # The applicant's own reads are not logged; the applicant can list who read the file.
    login(client, applicant).get(reverse("applicant:case_detail", args=[case.public_id]))
    assert CaseAccess.objects.filter(case=case).count() == 1
    assert list(case_access_list(viewer=applicant, case=case)) == [record]
    # Nobody else can list it, except staff who may see the case.
    assert list(case_access_list(viewer=UserFactory(), case=case)) == []
    assert list(case_access_list(viewer=make_staff("visa"), case=case)) == []
    assert list(case_access_list(viewer=make_staff("wsa"), case=case)) == [record]


def test_request_documents_notifies_the_applicant(client, make_case, make_staff, django_capture_on_commit_callbacks):
    applicant = UserFactory(preferred_language="en")
    case = make_case("completeness_check", user=applicant)
    mail.outbox.clear()
    login(client, make_staff("wsa"))
    url = reverse("backoffice:case_request_documents", args=[case.public_id])
    refused = client.post(url, {"request-reason": "other", "request-note": "", "request-deadline": "2000-01-01"})
    assert refused.status_code == 400
    deadline = (timezone.localdate() + timedelta(days=14)).isoformat()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"request-reason": "illegible", "request-note": "Please scan page 2 again.",
                                     "request-deadline": deadline})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "documents_requested"
    request = DocumentRequest.objects.get(case=case)
    assert (request.reason, request.note) == ("illegible", "Please scan page 2 again.")
    event = case.events.filter(kind="transition").last()
    assert event.payload == {"transition": "request_documents", "reason": "illegible",
                             "note": "Please scan page 2 again.", "deadline": deadline,
                             "request": str(request.public_id)}
    assert not event.internal
    assert [m.to for m in mail.outbox] == [[applicant.email]]
    # The workspace's timeline writes the deadline as every page writes a date, not as stored.
    workspace = client.get(reverse("backoffice:case_detail", args=[case.public_id])).content.decode()
    written = formats.date_format(timezone.localdate() + timedelta(days=14), "DATE_FORMAT")
    assert written in workspace and f"deadline {deadline}" not in workspace and f"Frist {deadline}" not in workspace
    # The queue's deadline is now the request's (stored on the case for the search's order).
    assert case.due_at == request.due_at
    # The applicant reads the reason, not its code.
    login(client, applicant)
    page = client.get(reverse("applicant:case_detail", args=[case.public_id])).content.decode()
    assert "illegible" not in page and "Das Dokument ist nicht lesbar" in page
    # Documents provided: the request counts as fulfilled, the completeness target counts again.
    services.case_transition(case=case, transition="documents_provided", actor=applicant)
    request.refresh_from_db()
    assert request.fulfilled_at is not None
    case.refresh_from_db()
    assert case.due_at == case.submitted_at + timedelta(days=COMPLETENESS_CHECK_DAYS)


def test_wsa_moves_the_case_forward(client, make_case, make_staff):
    case = make_case("submitted")
    login(client, make_staff("wsa"))
    client.post(reverse("backoffice:case_transition", args=[case.public_id, "start_completeness_check"]))
    client.post(reverse("backoffice:case_transition", args=[case.public_id, "start_authority_review"]))
    case.refresh_from_db()
    assert case.state == "authority_review"
    # Not a staff transition: refused.
    assert client.post(reverse("backoffice:case_transition", args=[case.public_id, "withdraw"])).status_code == 403


def test_staff_see_only_what_the_case_carries_never_the_persons_library(client, make_case, make_staff):
    case = make_case("completeness_check")
    handed_in = make_document(case, name="passport.pdf")
    library = make_document(case, name="old-payslip.pdf")
    library.case = None
    library.save()
    login(client, make_staff("wsa"))
    page = client.get(reverse("backoffice:case_detail", args=[case.public_id])).content.decode()
    assert "passport.pdf" in page and "old-payslip.pdf" not in page
    assert client.get(reverse("backoffice:document_download", args=[case.public_id, handed_in.public_id])
                      ).status_code == 200
    for name in ("document_download", "document_preview"):
        assert client.get(reverse(f"backoffice:{name}", args=[case.public_id, library.public_id])).status_code == 404
    staff = make_staff("wsa", name="Other")
    assert document_selectors.document_get(viewer=staff, public_id=handed_in.public_id) == handed_in
    with pytest.raises(Http404):
        document_selectors.document_get(viewer=staff, public_id=library.public_id)
