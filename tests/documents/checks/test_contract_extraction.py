"""Salary, 13th salary, hours and start date from employment contracts: one base salary or none."""

from decimal import Decimal

import pytest

from documents.checks import extract, mrz
from documents.checks.pipeline import inspect_bytes
from documents.testing import contracts
from documents.testing.documents import text_pdf

from .conftest import needs_tesseract


@pytest.mark.parametrize("text, annual", [
    ("Der Arbeitnehmer erhält ein monatliches Bruttogehalt von 4.850,00 EUR.", Decimal("58200")),
    ("Vergütung: 4.850 € brutto im Monat.", Decimal("58200")),  # a colon does not cut the context
    ("The annual gross salary of EUR 58,200.00 is paid in twelve monthly instalments of EUR 4,850.00.",
     Decimal("58200")),
    ("Das Bruttojahresgehalt beträgt 63.050 €; es wird in 13 gleichen Teilen ausgezahlt.", Decimal("63050")),
])
def test_one_base_salary_is_found(text, annual):
    assert extract.find_salary(text).annual == annual


@pytest.mark.parametrize("text", [
    "Während der Probezeit beträgt das monatliche Bruttogehalt 4.200,00 EUR, danach 4.600,00 EUR.",
    "During probation the gross monthly salary is EUR 4,200.00; thereafter EUR 4,600.00.",
    "The annual gross salary is EUR 58,200. The gross monthly salary is EUR 5,000.",
    "The Employee is paid an hourly wage of EUR 25.50 gross.",
    "Eine variable Erfolgsprämie von bis zu 6.000 € jährlich kann gezahlt werden.",
])
def test_no_figure_rather_than_a_guess(text):
    assert extract.find_salary(text) is None


def test_a_thirteenth_salary_is_reported_beside_the_base_salary_not_added():
    text = ("Das monatliche Bruttogehalt beträgt 5.000,00 EUR.\n"
            "Zusätzlich wird im November ein 13. Monatsgehalt in gleicher Höhe gezahlt.")
    found = extract.extract_contract(text).fields
    assert found["annual_gross_salary"] == Decimal("60000") and found["thirteenth_salary"] is True
    assert "thirteenth_salary" not in extract.extract_contract(
        "Das Bruttojahresgehalt beträgt 65.000 €, zahlbar in 13 Raten.").fields


def test_prose_of_mrz_width_is_not_taken_for_a_machine_readable_zone():
    lines = ["The gross monthly salary is EUR 7,450.00.",
             "A 13th month salary of the same amount is paid",
             "with the November payroll of the Employer."]
    assert mrz.read(lines) is None
    assert inspect_bytes(text_pdf([lines + ["Employment Contract", "Employer", "Employee"]]),
                         "contract.pdf").document_type == "employment_contract"


def test_generated_contracts_know_their_truth_and_the_splits_differ():
    dev, heldout = contracts.make_contracts("dev", 16), contracts.make_contracts("heldout", 16)
    assert {c.kind for c in dev} == set(contracts.SALARY_KINDS) and {c.language for c in dev} == {"de", "en"}
    assert not {line for c in dev for line in c.lines if "alary" in line or "ehalt" in line} & {
        line for c in heldout for line in c.lines}
    for contract in dev:
        found = extract.extract_contract("\n".join(contract.lines)).fields
        assert found.get("annual_gross_salary") == contract.annual, contract.lines
        assert found.get("weekly_hours") == contract.weekly_hours
        assert found.get("start_date") == contract.start
        assert bool(found.get("thirteenth_salary")) == contract.thirteenth


@needs_tesseract
def test_a_scanned_contract_uploaded_as_a_contract_is_read_without_searching_for_an_mrz():
    contract = next(c for c in contracts.make_contracts("dev", 8) if c.scan)
    data, name = contract.file(seed=1)
    result = inspect_bytes(data, name, context={"expected_document_type": "employment_contract"})
    assert result.ocr_used and result.document_type == "employment_contract"
    assert result.fields.get("start_date") == contract.start or "start_date_not_found" in {
        f.code for f in result.findings}
    assert result.fields.get("annual_gross_salary") in (contract.annual, None)  # never a wrong figure


def test_the_caseworker_reads_the_13th_salary_in_words():
    from django.utils import translation

    from documents.models import Document
    from documents.selectors import document_extracted_items

    document = Document(extracted={"annual_gross_salary": "60000.00", "thirteenth_salary": True})
    with translation.override("en"):
        items = dict(document_extracted_items(document))
    assert items["13th monthly salary promised (not in the annual salary above)"] == "yes"
    assert "True" not in items.values()
