"""Uploads, the document library, live check states, replace/delete, download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from applications import services
from documents.models import Document, Finding

from .helpers import FakeResult, minimal_pdf, pdf_upload, png_upload, stored_files, upload_for

pytestmark = pytest.mark.django_db

LIBRARY = "applicant:documents"


def test_real_pdf_and_png_are_uploaded_checked_and_listed(client_in, person, private_storage,
                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_in.post(reverse(LIBRARY), {
            "document_type": "degree_certificate", "files": [pdf_upload("degree.pdf"), png_upload("photo.png")],
        }, follow=True)
    assert response.status_code == 200
    assert "2 files were uploaded" in response.text
    documents = {d.original_name: d for d in Document.objects.filter(owner=person)}
    assert set(documents) == {"degree.pdf", "photo.png"}
    assert documents["degree.pdf"].content_type == "application/pdf"
    assert documents["photo.png"].content_type == "image/png"
    assert len(stored_files(private_storage)) == 2
    for document in documents.values():
        document.refresh_from_db()
        # The check ran (whatever it found): the state is final, never stuck in "checking".
        assert document.state in {"passed", "needs_attention", "rejected"}
        assert document.checked_at is not None
        assert document.original_name in response.text or document.original_name in \
            client_in.get(reverse(LIBRARY)).text


@pytest.mark.parametrize(("name", "data", "message"), [
    ("invoice.pdf", b"<html><script>alert(1)</script></html>", "This file type is not accepted"),
    ("empty.pdf", b"", "The file is empty"),
    ("big.pdf", minimal_pdf() + b"0" * 4096, "The file is too large"),
    ("../../../../etc/cron.d/evil.pdf", b"#!/bin/sh\nrm -rf /\n", "This file type is not accepted"),
])
def test_bad_uploads_end_with_a_clear_message_and_leave_nothing_behind(client_in, person, private_storage, settings,
                                                                       name, data, message):
    settings.WSA_UPLOAD_MAX_BYTES = 2048
    response = client_in.post(reverse(LIBRARY), {
        "document_type": "passport", "files": [SimpleUploadedFile(name, data, content_type="application/pdf")],
    })
    assert response.status_code == 200
    assert message in response.text
    assert "data-error-summary" in response.text and "kern-error" in response.text
    assert not Document.objects.exists()
    assert stored_files(private_storage) == []


def test_one_bad_file_does_not_stop_the_good_ones(client_in, person, private_storage):
    response = client_in.post(reverse(LIBRARY), {
        "document_type": "cv", "files": [pdf_upload("cv.pdf"), SimpleUploadedFile("cv.exe", b"MZ\x90\x00")],
    })
    assert response.status_code == 200
    assert "cv.exe: This file type is not accepted" in response.text
    assert list(Document.objects.values_list("original_name", flat=True)) == ["cv.pdf"]
    assert len(stored_files(private_storage)) == 1


def test_upload_without_a_file_asks_for_one(client_in, person):
    response = client_in.post(reverse(LIBRARY), {"document_type": "cv"})
    assert response.status_code == 200 and "This field is required" in response.text


def test_check_state_fragment_polls_while_checking_and_shows_findings(client_in, person, fake_checks,
                                                                      django_capture_on_commit_callbacks):
    document = upload_for(person, name="passport.pdf", document_type="passport")
    fragment = client_in.get(reverse("documents:status", args=[document.public_id]))
    assert 'hx-trigger="every 2s"' in fragment.text and "Uploaded" in fragment.text
    from documents.checks.findings import finding
    fake_checks.result = FakeResult(findings=[finding("mrz_unreadable")])
    from documents.tasks import check_document
    check_document(document.pk)
    fragment = client_in.get(reverse("documents:status", args=[document.public_id]))
    assert "hx-trigger" not in fragment.text
    assert "Needs your attention" in fragment.text
    assert "machine-readable zone of your passport could not be read" in fragment.text


def test_download_is_an_attachment_that_is_never_sniffed(client_in, person):
    document = upload_for(person, name="degree.pdf")
    response = client_in.get(reverse("documents:download", args=[document.public_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="degree.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == minimal_pdf()


def test_someone_elses_document_is_not_found(client_in, person, other_person, private_storage):
    theirs = upload_for(other_person, name="their-passport.pdf")
    for name in ("documents:download", "documents:status", "applicant:document_delete",
                 "applicant:document_replace"):
        assert client_in.get(reverse(name, args=[theirs.public_id])).status_code == 404, name
    assert client_in.post(reverse("applicant:document_delete", args=[theirs.public_id])).status_code == 404
    assert Document.objects.filter(pk=theirs.pk).exists()
    response = client_in.get(reverse("applicant:passport_prefill", args=[theirs.public_id]))
    assert response.status_code == 404


def test_replace_and_delete_before_submission(client_in, person, private_storage):
    case = services.case_create(person=person, actor=person.user, title_code="20a")
    document = upload_for(person, case=case, name="old-cv.pdf", requirement="cv")
    response = client_in.post(reverse("applicant:document_replace", args=[document.public_id]),
                              {"file": png_upload("new-cv.png")})
    assert response.status_code == 302
    new = Document.objects.get(case=case)
    assert new.original_name == "new-cv.png" and new.extracted["requirement"] == "cv"
    assert not Document.objects.filter(pk=document.pk).exists()

    page = client_in.get(reverse("applicant:document_delete", args=[new.public_id]))
    assert "Delete this document?" in page.text
    client_in.post(reverse("applicant:document_delete", args=[new.public_id]))
    assert not Document.objects.filter(case=case).exists()


def test_replace_keeps_the_old_file_when_the_new_one_is_refused(client_in, person, private_storage):
    document = upload_for(person, name="cv.pdf")
    response = client_in.post(reverse("applicant:document_replace", args=[document.public_id]),
                              {"file": SimpleUploadedFile("cv.pdf", b"")})
    assert response.status_code == 200 and "The file is empty" in response.text
    assert Document.objects.filter(pk=document.pk).exists()
    assert len(stored_files(private_storage)) == 1


def test_documents_of_a_submitted_application_can_no_longer_be_changed(client_in, person, private_storage):
    case = services.case_create(person=person, actor=person.user, title_code="20a")
    document = upload_for(person, case=case, name="cv.pdf", requirement="cv")
    services.case_submit(case=case, actor=person.user)
    response = client_in.post(reverse("applicant:document_delete", args=[document.public_id]), follow=True)
    assert "can no longer be changed" in response.text
    response = client_in.post(reverse("applicant:document_replace", args=[document.public_id]),
                              {"file": pdf_upload()}, follow=True)
    assert "can no longer be changed" in response.text
    assert Document.objects.filter(pk=document.pk).exists() and len(stored_files(private_storage)) == 1
    library = client_in.get(reverse(LIBRARY)).text
    assert reverse("applicant:document_delete", args=[document.public_id]) not in library


def test_prefill_the_profile_from_a_passport_after_confirmation(client_in, applicant_user):
    person = services.person_ensure(user=applicant_user)
    document = upload_for(person, name="passport.pdf", document_type="passport")
    Document.objects.filter(pk=document.pk).update(state="passed", extracted={
        "document_type": "passport", "surname": "SHARMA", "given_names": "PRIYA", "passport_number": "Z1234567",
        "nationality": "IND", "birth_date": "1994-03-14", "sex": "F", "expiry_date": "2031-06-30",
        "issuing_state": "IND",
    })
    profile = client_in.get(reverse("applicant:profile"))
    url = reverse("applicant:passport_prefill", args=[document.public_id])
    assert url in profile.text and "Prefill my profile from my passport" in profile.text
    confirm = client_in.get(url)
    assert "SHARMA" in confirm.text and "will change" in confirm.text
    person.refresh_from_db()
    assert person.surname == ""  # nothing changes before the confirmation
    client_in.post(url)
    person.refresh_from_db()
    assert (person.surname, person.given_names, str(person.birth_date), person.passport_number, person.sex,
            str(person.passport_expiry)) == ("SHARMA", "PRIYA", "1994-03-14", "Z1234567", "F", "2031-06-30")


def test_findings_are_stored_per_document(person, fake_checks):
    from documents.checks.findings import finding
    from documents.tasks import check_document

    document = upload_for(person, name="scan.pdf")
    fake_checks.result = FakeResult(findings=[finding("pdf_active_content", found="JavaScript")])
    assert check_document(document.pk) == "rejected"
    assert list(Finding.objects.filter(document=document).values_list("code", flat=True)) == ["pdf_active_content"]


def test_staff_who_may_read_the_case_can_download_its_documents_employers_cannot(client, person):
    from accounts.models import OrganisationKind, Role
    from tests.factories import MembershipFactory, OrganisationFactory

    case = services.case_create(person=person, actor=person.user, title_code="18g",
                                employer=OrganisationFactory(kind=OrganisationKind.EMPLOYER))
    document = upload_for(person, case=case, name="contract.pdf")
    library = upload_for(person, name="cv.pdf")
    wsa = MembershipFactory(organisation=OrganisationFactory(kind=OrganisationKind.WSA), role=Role.CASEWORKER).user
    employer = MembershipFactory(organisation=case.employer, role=Role.EMPLOYER_OWNER).user
    client.force_login(wsa)
    assert client.get(reverse("documents:download", args=[document.public_id])).status_code == 200
    # The applicant's library holds what was not handed in with the case: not for staff.
    assert client.get(reverse("documents:download", args=[library.public_id])).status_code == 404
    client.force_login(employer)
    assert client.get(reverse("documents:download", args=[document.public_id])).status_code == 404
