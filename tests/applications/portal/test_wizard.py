"""The application wizard, as an applicant uses it: start, steps, drafts, check page, submit."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from applications import rules, services
from applications.models import Case, Event
from documents.models import Document

from .helpers import pdf_upload, stored_files, upload_for

pytestmark = pytest.mark.django_db


def step_url(case, step):
    return reverse("applicant:apply_step", args=[case.public_id, step])


def mandatory_codes(title_code, accelerated=False):
    return [r.code for r in rules.required_documents(title_code, accelerated=accelerated)
            if r.mandatory and r.stage == "visa"]


def test_whole_flow_from_title_finder_link_to_submitted_case_with_reference_and_receipt(client_in, applicant_user):
    # The title finder links here; its answers are in the session.
    session = client_in.session
    session["title_finder_answers"] = {"qualification": "academic", "german_level": "B1", "english_level": "C1",
                                       "has_job_offer": "yes", "annual_gross_salary_eur": "58000",
                                       "occupation_isco": "2512", "hours_per_week": "40"}
    session.save()
    start = client_in.get(reverse("applicant:apply_start") + "?title=18g")
    assert start.status_code == 200
    assert "EU Blue Card" in start.text

    title_page = client_in.get(reverse("applicant:apply_new"))
    assert "Step 1 of 7" in title_page.text
    assert re.search(r'<input[^>]*value="18g"[^>]*checked', title_page.text)  # preselected from ?title=
    response = client_in.post(reverse("applicant:apply_new"), {"title_code": "18g", "procedure_language": "en"})
    case = Case.objects.get(person__user=applicant_user)
    assert case.state == "draft" and case.title_code == "18g" and case.procedure_language == "en"
    assert response.url == step_url(case, "personal")

    assert "Step 2 of 7" in client_in.get(step_url(case, "personal")).text
    response = client_in.post(step_url(case, "personal"), {
        "p-surname": "Sharma", "p-given_names": "Priya", "p-birth_date": "1994-03-14", "p-sex": "F",
        "p-nationality": "ind", "p-passport_number": "z1234567", "p-passport_issuing_state": "IND",
        "p-passport_expiry": (date.today() + timedelta(days=2000)).isoformat(),
        "c-email": applicant_user.email, "c-city": "Bengaluru", "c-country_of_residence": "IND",
    })
    assert response.url == step_url(case, "qualification")
    case.person.refresh_from_db()
    assert (case.person.surname, case.person.nationality, case.person.passport_number) == ("Sharma", "IND",
                                                                                          "Z1234567")

    qualification_page = client_in.get(step_url(case, "qualification"))
    assert re.search(r'<input[^>]*value="academic"[^>]*checked', qualification_page.text)
    response = client_in.post(step_url(case, "qualification"), {
        "kind": "academic", "title": "B.Tech Computer Science", "recognition": "full", "comparable": "on",
    })
    assert response.url == step_url(case, "languages")

    languages_page = client_in.get(step_url(case, "languages"))
    assert '<option value="B1" selected>' in languages_page.text  # carried over from the title finder
    response = client_in.post(step_url(case, "languages"), {"german_level": "B1", "english_level": "C1"})
    assert response.url == step_url(case, "employment")

    employment_page = client_in.get(step_url(case, "employment"))
    assert 'value="58000"' in employment_page.text  # carried over from the title finder
    response = client_in.post(step_url(case, "employment"), {
        "job_title": "Software Developer", "occupation_isco": "2512", "annual_gross_salary": "58000",
        "weekly_hours": "40", "start_date": (date.today() + timedelta(days=90)).isoformat(),
        "workplace_city": "Berlin", "workplace_state": "BE",
    })
    assert response.url == step_url(case, "documents")

    documents_page = client_in.get(step_url(case, "documents"))
    assert "Step 6 of 7" in documents_page.text
    for code in mandatory_codes("18g"):
        assert f'id="req-{code}"' in documents_page.text
        response = client_in.post(step_url(case, "documents"), {
            "action": "upload", "requirement": code, "files": [pdf_upload(f"{code}.pdf")],
        })
        assert response.status_code == 302, response.content
    response = client_in.post(step_url(case, "documents"), {"action": "continue"})
    assert response.url == step_url(case, "check")

    check_page = client_in.get(step_url(case, "check"))
    assert "Step 7 of 7" in check_page.text and "Check your answers" in check_page.text
    assert "Software Developer" in check_page.text and "Sharma" in check_page.text

    response = client_in.post(step_url(case, "check"), {"declaration": "on"})
    assert response.url == reverse("applicant:apply_done", args=[case.public_id])
    case.refresh_from_db()
    assert case.state == "submitted" and case.submitted_at is not None

    done = client_in.get(response.url)
    assert case.reference in done.text and "Application submitted" in done.text
    receipt = client_in.get(reverse("applicant:case_receipt", args=[case.public_id]))
    assert receipt.status_code == 200
    assert case.reference in receipt.text and "Acknowledgement of receipt" in receipt.text
    assert Document.objects.filter(case=case).first().sha256 in receipt.text


def test_a_draft_is_saved_after_every_step_and_can_be_resumed_from_home(client_in, person):
    response = client_in.post(reverse("applicant:apply_new"),
                              {"title_code": "20a", "procedure_language": "de", "save_exit": "1"})
    assert response.url == reverse("applicant:home")
    case = Case.objects.get(person=person)
    home = client_in.get(reverse("applicant:home"))
    assert case.reference in home.text
    resume_url = reverse("applicant:apply_resume", args=[case.public_id])
    assert resume_url in home.text
    # The profile is complete, so the first incomplete step is the documents checklist.
    assert client_in.get(resume_url).url == step_url(case, "documents")


def test_resume_sends_to_the_first_incomplete_step(client_in, applicant_user):
    person = services.person_ensure(user=applicant_user)
    case = services.case_create(person=person, actor=applicant_user, title_code="18b")
    assert client_in.get(reverse("applicant:apply_resume", args=[case.public_id])).url == step_url(case, "personal")


def test_validation_errors_are_shown_inline_and_nothing_is_saved(client_in, person):
    case = services.case_create(person=person, actor=person.user, title_code="18g")
    response = client_in.post(step_url(case, "personal"), {
        "p-surname": "", "p-birth_date": "not a date", "p-nationality": "India",
        "p-passport_number": "Z1234567", "p-passport_expiry": "2001-01-01", "c-city": "", "c-country_of_residence": "",
    })
    assert response.status_code == 200
    page = response.text
    assert "data-error-summary" in page and "Please check your entries" in page
    assert 'aria-invalid="true"' in page and "kern-form-input--error" in page
    assert "Your passport has expired" in page
    assert "three-letter country code" in page
    person.refresh_from_db()
    assert person.surname == "SHARMA"

    response = client_in.post(step_url(case, "employment"), {"job_title": "Dev", "annual_gross_salary": "-5",
                                                             "weekly_hours": "90"})
    assert response.status_code == 200
    assert "more than 0" in response.text and "at most 60" in response.text
    assert not hasattr(Case.objects.get(pk=case.pk), "employment_id")


def test_documents_step_and_submit_refuse_an_incomplete_application(client_in, person):
    case = services.case_create(person=person, actor=person.user, title_code="20a")
    response = client_in.post(step_url(case, "documents"), {"action": "continue"})
    assert response.status_code == 200
    assert "These documents are still missing" in response.text
    response = client_in.post(step_url(case, "check"), {"declaration": "on"})
    assert response.status_code == 200
    assert "not complete yet" in response.text
    case.refresh_from_db()
    assert case.state == "draft"
    response = client_in.post(step_url(case, "check"), {})
    assert "Please confirm the declaration" in response.text


def complete_draft(person, title_code="20a"):
    case = services.case_create(person=person, actor=person.user, title_code=title_code)
    for code in mandatory_codes(title_code):
        upload_for(person, case=case, name=f"{code}.pdf", requirement=code)
    return case


def test_the_check_step_writes_out_what_the_document_checks_found(client_in, person):
    """The last page before submitting said only "contract.pdf (Needs your attention)": one could submit without
    having read why."""
    from documents.models import Finding

    case = complete_draft(person)
    document = Document.objects.filter(case=case).first()
    Document.objects.filter(pk=document.pk).update(state="needs_attention")
    Finding.objects.create(document=document, code="contract_hours_differ", severity="warning", field="weekly_hours",
                           expected="40.0", found="38.5")
    page = client_in.get(step_url(case, "check"), HTTP_ACCEPT_LANGUAGE="en").text
    section = page.split('id="a-documents"')[1].split("</section>")[0]
    assert "The contract states 38.5 working hours a week, but the application states 40." in section
    Document.objects.filter(pk=document.pk).update(state="passed")
    page = client_in.get(step_url(case, "check"), HTTP_ACCEPT_LANGUAGE="en").text
    assert "working hours a week" not in page.split('id="a-documents"')[1].split("</section>")[0]


def test_double_submit_is_harmless(client_in, person):
    case = complete_draft(person)
    first = client_in.post(step_url(case, "check"), {"declaration": "on"})
    second = client_in.post(step_url(case, "check"), {"declaration": "on"})
    done = reverse("applicant:apply_done", args=[case.public_id])
    assert first.url == done and second.url == done
    assert Event.objects.filter(case=case, kind="transition", to_state="submitted").count() == 1
    assert case.reference in client_in.get(done).text
    # Every other wizard step of a submitted case leads to its confirmation, too.
    assert client_in.get(step_url(case, "personal")).url == done


def test_someone_elses_draft_is_not_found(client_in, person, other_person):
    theirs = complete_draft(other_person)
    for url in [step_url(theirs, "personal"), step_url(theirs, "check"),
                reverse("applicant:apply_resume", args=[theirs.public_id]),
                reverse("applicant:apply_done", args=[theirs.public_id]),
                reverse("applicant:case_detail", args=[theirs.public_id])]:
        assert client_in.get(url).status_code == 404, url
    assert client_in.post(step_url(theirs, "check"), {"declaration": "on"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "draft"


def test_reuse_from_the_library_copies_the_document_into_the_case(client_in, person):
    case = services.case_create(person=person, actor=person.user, title_code="20a")
    library = upload_for(person, name="my-cv.pdf")
    response = client_in.post(step_url(case, "documents"),
                              {"action": "reuse", "requirement": "cv", "document": str(library.public_id)})
    assert response.status_code == 302
    copy = Document.objects.get(case=case)
    assert copy.extracted["requirement"] == "cv" and copy.sha256 == library.sha256 and copy.pk != library.pk
    assert copy.file.name != library.file.name
    page = client_in.get(step_url(case, "documents"))
    assert "my-cv.pdf" in page.text


def test_accelerated_procedure_needs_an_employer(client_in, person):
    case = services.case_create(person=person, actor=person.user, title_code="18g")
    page = client_in.get(step_url(case, "title"))
    assert 'name="accelerated"' not in page.text
    client_in.post(step_url(case, "title"), {"title_code": "18g", "procedure_language": "en", "accelerated": "on"})
    case.refresh_from_db()
    assert case.accelerated is False


def test_title_finder_answers_can_also_be_posted(client_in, person):
    response = client_in.post(reverse("applicant:apply_start"), {"title": "19c", "german_level": "b2"})
    assert response.url == reverse("applicant:apply_new")
    page = client_in.get(response.url).text
    assert re.search(r'<input[^>]*value="19c"[^>]*checked', page)
    client_in.post(reverse("applicant:apply_new"), {"title_code": "19c", "procedure_language": "de"})
    case = Case.objects.get(person=person)
    person.languages.all().delete()
    assert '<option value="B2" selected>' in client_in.get(step_url(case, "languages")).text


def test_a_refused_upload_in_the_checklist_is_shown_at_its_item(client_in, person, private_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = services.case_create(person=person, actor=person.user, title_code="20a")
    response = client_in.post(step_url(case, "documents"), {
        "action": "upload", "requirement": "cv", "files": [SimpleUploadedFile("cv.pdf", b"<html>hi</html>")],
    })
    assert response.status_code == 200
    row = response.text.split('id="req-cv"')[1].split('class="wsa-checklist__item"')[0]
    assert "cv.pdf: This file type is not accepted" in row and 'aria-invalid="true"' in row
    assert "data-error-summary" in response.text
    assert not Document.objects.exists() and stored_files(private_storage) == []
