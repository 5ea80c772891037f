"""Starting and following cases: dashboard, next steps, employment declaration, the § 81a accelerated
procedure and the eligibility verdict."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import services as account_services
from applications import services
from applications.employer import services as employer_services
from applications.employer.selectors import case_accelerated_documents, case_needs, case_next_step
from applications.models import LanguageSkill, Person, Qualification
from applications.selectors.eligibility import case_eligibility
from documents.models import Document

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.mark.django_db
def test_dashboard_lists_cases_with_next_step_and_filters(client, member, start_case, accepted_case):
    pending, _ = start_case(email="a@example.org")
    accepted = accepted_case("status")
    services.case_submit(case=accepted, actor=accepted.person.user)
    client.force_login(member)
    page = client.get(reverse("employer:home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert pending.reference in page and accepted.reference in page
    assert "Accept the invitation" in page or "Einladung" in page
    filtered = client.get(reverse("employer:home"), {"state": "submitted"}).content.decode()
    assert accepted.reference in filtered and pending.reference not in filtered
    export = b"".join(client.get(reverse("employer:export_csv"), {"state": "submitted"}).streaming_content).decode()
    assert accepted.reference in export and pending.reference not in export
    assert export.lstrip("\ufeff").startswith("reference,your_reference,state")


@pytest.mark.django_db
def test_needs_tell_who_must_act(start_case, accepted_case):
    pending, invitation = start_case(email="b@example.org")
    needs = case_needs(case=pending)
    assert needs[0].who == "candidate" and needs[0].due == invitation.expires_at
    case = accepted_case("status")
    services.case_submit(case=case, actor=case.person.user)
    assert case_next_step(case=case).who == "wsa"


@pytest.mark.django_db
def test_csv_export_neutralises_formulas(client, owner, organisation):
    employer_services.employer_case_start(
        organisation=organisation, actor=owner, given_names="", surname="X", email="x@example.org",
        employment={"job_title": "=HYPERLINK(\"http://evil\")", "annual_gross_salary": Decimal("50000"),
                    "weekly_hours": Decimal("40")}, details={"employer_reference": "+cmd"})
    client.force_login(owner)
    export = b"".join(client.get(reverse("employer:export_csv")).streaming_content).decode()
    assert "'=HYPERLINK" in export and "'+cmd" in export


@pytest.mark.django_db
def test_employer_edits_employment_only_while_draft(client, member, accepted_case):
    case = accepted_case("status")
    client.force_login(member)
    url = reverse("employer:case_employment", args=[case.public_id])
    form = client.get(url)
    assert form.status_code == 200 and "Software Developer" in form.content.decode()
    data = {"job_title": "Senior Developer", "occupation_kldb": "", "occupation_isco": "2512", "duties": "Lead",
            "required_qualification": "academic", "annual_gross_salary": "61.000,50", "weekly_hours": "40",
            "start_date": "2030-01-01", "duration_months": "", "workplace_street": "A 1",
            "workplace_postal_code": "10115", "workplace_city": "Berlin", "workplace_state": "BE"}
    assert client.post(url, data).status_code == 302
    case.employment.refresh_from_db()
    assert case.employment.job_title == "Senior Developer"
    assert case.employment.annual_gross_salary == Decimal("61000.50")
    services.case_submit(case=case, actor=case.person.user)
    assert client.post(url, {**data, "job_title": "Changed"}).status_code == 302
    case.employment.refresh_from_db()
    assert case.employment.job_title == "Senior Developer"


@pytest.mark.django_db
def test_accelerated_procedure_fee_deadlines_and_documents(client, member, accepted_case, candidate_user):
    case = accepted_case("status")
    client.force_login(member)
    url = reverse("employer:case_accelerated", args=[case.public_id])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The fee as money in English, its source linked to the paragraph.
    assert "€411.00" in page and "aufenthv/__47.html" in page and "Abs. 1 Nr. 15 AufenthV" in page
    assert "§ 36 Abs. 2 S. 2 BeschV" in page or "§ 31a AufenthV" in page
    # Uploading before choosing the procedure is refused.
    refused = client.post(url, {"action": "upload", "requirement": "power_of_attorney_81a",
                                "file": SimpleUploadedFile("vollmacht.pdf", PDF, "application/pdf")})
    assert refused.status_code == 400 and not Document.objects.filter(case=case).exists()
    assert client.post(url, {"action": "choose", "accelerated": "on"}).status_code == 302
    case.refresh_from_db()
    assert case.accelerated
    assert any(n.who == "employer" for n in case_needs(case=case))
    for requirement in ("power_of_attorney_81a", "agreement_81a"):
        response = client.post(url, {"action": "upload", "requirement": requirement,
                                     "file": SimpleUploadedFile(f"{requirement}.pdf", PDF, "application/pdf")})
        assert response.status_code == 302
    documents = case_accelerated_documents(case=case)
    assert all(documents.values())
    assert not any(n.who == "employer" for n in case_needs(case=case))
    # The employer may download what its own members uploaded even without full consent ...
    document = documents["agreement_81a"][0]
    assert document.owner_id == case.person_id
    download = client.get(reverse("employer:case_document", args=[case.public_id, document.public_id]))
    assert download.status_code == 200
    # ... but not the candidate's own documents.
    from documents.services import document_upload

    own = document_upload(person=case.person, uploaded_by=candidate_user, case=case,
                          file=SimpleUploadedFile("passport.pdf", PDF, "application/pdf"))
    assert client.get(reverse("employer:case_document", args=[case.public_id, own.public_id])).status_code == 404
    services.case_consent_set(case=case, actor=candidate_user, scope="full")
    assert client.get(reverse("employer:case_document", args=[case.public_id, own.public_id])).status_code == 200


@pytest.mark.django_db
def test_accelerated_can_be_chosen_when_starting_but_not_for_the_chancenkarte(owner, organisation):
    from .conftest import employment_data

    case, _ = employer_services.employer_case_start(
        organisation=organisation, actor=owner, given_names="A", surname="B", email="ab@example.org",
        employment=employment_data(), accelerated=True, title_code="18b")
    assert case.accelerated
    with pytest.raises(account_services.EmployerError):
        employer_services.employer_case_start(organisation=organisation, actor=owner, given_names="A", surname="B",
                                     email="ab2@example.org", employment=employment_data(), accelerated=True,
                                     title_code="20a")


@pytest.mark.django_db
def test_case_eligibility_from_person_and_employment(accepted_case):
    case = accepted_case("full")
    result = case_eligibility(case=case)
    assert not result.available and result.missing_inputs
    Person.objects.filter(pk=case.person_id).update(birth_date=date(1994, 3, 14))
    Qualification.objects.create(person_id=case.person_id, kind="academic", title="B.Tech", recognition="none",
                                 comparable=True)
    LanguageSkill.objects.create(person_id=case.person_id, language="en", level="C1")
    case.refresh_from_db()
    result = case_eligibility(case=case)
    assert result.available and result.result.code == "18g"
    assert result.verdict in ("eligible", "eligible_if")
    # A salary below every threshold makes the Blue Card "eligible if" with the salary condition open.
    case.employment.annual_gross_salary = Decimal("30000.00")
    case.employment.save()
    result = case_eligibility(case=case)
    assert result.verdict == "eligible_if"
    assert any("salary" in r.code for r in result.missing)


@pytest.mark.django_db
def test_eligibility_is_shown_to_employer_only_with_full_consent(client, member, accepted_case, candidate_user):
    case = accepted_case("status")
    Person.objects.filter(pk=case.person_id).update(birth_date=date(1994, 3, 14))
    client.force_login(member)
    url = reverse("employer:case_detail", args=[case.public_id])
    assert 'id="eligibility-heading"' not in client.get(url).content.decode()
    services.case_consent_set(case=case, actor=candidate_user, scope="full")
    assert 'id="eligibility-heading"' in client.get(url).content.decode()
    client.force_login(candidate_user)
    assert 'id="eligibility-heading"' in client.get(reverse("invitation:consent", args=[case.public_id])
                                                    ).content.decode()
