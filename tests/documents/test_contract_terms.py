"""An employment contract against the employment the application declares: salary, weekly hours and start date.
A caseworker compared them by hand, and an applicant whose contract paid less than the application said learnt
it weeks later; now the check says so at upload, in the reader's language, and follows a corrected declaration."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from applications import services as case_services
from documents.checks.crosscheck import Context, check_contract_terms
from documents.models import Document, Finding
from documents.selectors import finding_message
from documents.services import document_upload
from documents.testing import contracts
from tests.factories import EmploymentFactory

DECLARED = Context(declared_annual_salary=Decimal("58200.00"), declared_weekly_hours=Decimal("40.0"),
                   declared_start_date=date(2027, 4, 1))


def codes(fields, ctx=DECLARED):
    return [f.code for f in check_contract_terms(fields, ctx)]


def test_a_contract_that_says_what_the_application_says_raises_nothing():
    assert codes({"annual_gross_salary": Decimal("58200"), "weekly_hours": Decimal("40"),
                  "start_date": date(2027, 4, 1)}) == []
    # As the stored reading holds them (JSON text), the same.
    assert codes({"annual_gross_salary": "58200.00", "weekly_hours": "40.0", "start_date": "2027-04-01"}) == []


def test_each_term_that_differs_is_named():
    assert codes({"annual_gross_salary": Decimal("52000"), "weekly_hours": Decimal("30"),
                  "start_date": date(2027, 6, 1)}) == [
        "contract_salary_differs", "contract_hours_differ", "contract_start_differs"]
    assert codes({"annual_gross_salary": Decimal("58199.99")}) == ["contract_salary_differs"]
    assert codes({"weekly_hours": Decimal("39.5")}) == ["contract_hours_differ"]


def test_what_the_contract_does_not_fix_is_not_compared():
    """"Not found" is no figure: nothing is compared with it, and no difference is guessed."""
    assert codes({}) == []
    assert codes({"annual_gross_salary": None, "weekly_hours": "", "start_date": None}) == []
    assert codes({"annual_gross_salary": "not a number", "start_date": "soon"}) == []
    # Nor without a declaration (a case without the employment step, a document without a case).
    assert codes({"annual_gross_salary": Decimal("52000"), "weekly_hours": Decimal("30")}, Context()) == []


def test_a_thirteenth_salary_may_be_counted_in_the_declaration_or_not():
    contract = {"annual_gross_salary": Decimal("54000"), "salary_amount": Decimal("4500"),
                "salary_period": "monthly", "thirteenth_salary": True}
    for declared in ("54000", "58500"):  # 12 × 4,500 or 13 × 4,500
        assert codes(contract, Context(declared_annual_salary=Decimal(declared))) == []
    assert codes(contract, Context(declared_annual_salary=Decimal("60000"))) == ["contract_salary_differs"]
    # A 13th salary beside an annual figure: the annual figure, or it and a twelfth more.
    annual = {"annual_gross_salary": Decimal("54000"), "salary_amount": Decimal("54000"), "salary_period": "annual",
              "thirteenth_salary": True}
    assert codes(annual, Context(declared_annual_salary=Decimal("58500.00"))) == []
    assert codes(annual, Context(declared_annual_salary=Decimal("54000.00"))) == []
    # Without a 13th salary promised, thirteen times the monthly figure is not what the contract pays.
    assert codes({**contract, "thirteenth_salary": False},
                 Context(declared_annual_salary=Decimal("58500"))) == ["contract_salary_differs"]


@pytest.mark.parametrize("language, salary, hours, start", [
    ("de", "52.000,00 €", "30 Stunden", "1. Juni 2027"),
    ("en", "€52,000.00", "states 30 working hours", "1 June 2027"),
    ("fr", "52\u00a0000,00 €", "indique 30 heures", "1 juin 2027"),
])
def test_the_differences_read_as_sentences_in_the_readers_language(language, salary, hours, start):
    found = check_contract_terms({"annual_gross_salary": Decimal("52000"), "weekly_hours": Decimal("30"),
                                  "start_date": date(2027, 6, 1)}, DECLARED)
    with translation.override(language):
        messages = [finding_message(Finding(code=f.code, expected=f.expected, found=f.found)) for f in found]
    assert salary in messages[0] and hours in messages[1] and start in messages[2], messages
    assert not any(code in " ".join(messages) for code in ("contract_", "2027-06-01", "52000", "None"))


def test_a_passport_finding_writes_its_date_as_pages_do():
    """Dates in every finding ("Ihr Pass ist am 2025-03-04 abgelaufen") are written as the page writes them."""
    with translation.override("de"):
        message = finding_message(Finding(code="passport_expired", found="2025-03-04", expected="2026-12-07"))
    assert "4. März 2025" in message and "2025-03-04" not in message


def _contract():
    """A generated text contract (no OCR) and the surname its employee line names."""
    contract = next(c for c in contracts.make_contracts("dev", 16)
                    if not c.scan and c.annual is not None and c.kind == "monthly")
    employee = next(line for line in contract.lines if "(Arbeitnehmer/in)" in line or "(the Employee)" in line)
    return contract, max(employee.split("(")[0].split()[1:], key=len)


def _upload(case, contract, capture):
    data, name = contract.file(seed=3)
    with capture(execute=True):
        document = document_upload(person=case.person, uploaded_by=case.person.user, case=case,
                                   file=SimpleUploadedFile(name, data, "application/pdf"),
                                   document_type="employment_contract")
    return Document.objects.get(pk=document.pk)


@pytest.mark.django_db
def test_an_uploaded_contract_paying_less_than_declared_needs_attention_until_the_declaration_is_corrected(
        django_capture_on_commit_callbacks, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}
    contract, surname = _contract()
    employment = EmploymentFactory(annual_gross_salary=contract.annual + Decimal("6000"),
                                   weekly_hours=contract.weekly_hours, start_date=contract.start,
                                   case__person__surname=surname)
    case = employment.case

    document = _upload(case, contract, django_capture_on_commit_callbacks)
    found = {f.code: f for f in document.findings.all()}
    assert document.state == Document.State.NEEDS_ATTENTION
    assert set(found) & {"contract_salary_differs", "contract_hours_differ", "contract_start_differs"} == {
        "contract_salary_differs"}
    assert Decimal(found["contract_salary_differs"].found) == contract.annual

    # The applicant corrects the application: the contract is checked again and agrees.
    with django_capture_on_commit_callbacks(execute=True):
        case_services.employment_set(case=case, actor=case.person.user, annual_gross_salary=contract.annual)
    document.refresh_from_db()
    assert document.state == Document.State.PASSED, list(document.findings.values_list("code", flat=True))
    assert not document.findings.filter(code__startswith="contract_").exists()

    # A change of something the contract is not compared on checks nothing again.
    checked_at = document.checked_at
    with django_capture_on_commit_callbacks(execute=True):
        case_services.employment_set(case=case, actor=case.person.user, job_title="Data Engineer")
    document.refresh_from_db()
    assert document.checked_at == checked_at
