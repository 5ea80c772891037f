"""Salary, 13th salary, hours and start date from employment contracts: one base salary or none."""

from datetime import date
from decimal import Decimal

import pytest

from documents.checks import contract_fields, extract, mrz, textutil
from documents.checks.pipeline import inspect_bytes
from documents.testing import contracts
from documents.testing.contracts_dev2 import make_contracts_dev2
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
    assert contract_fields.find_salary(text).annual == annual


@pytest.mark.parametrize("text", [
    "Während der Probezeit beträgt das monatliche Bruttogehalt 4.200,00 EUR, danach 4.600,00 EUR.",
    "During probation the gross monthly salary is EUR 4,200.00; thereafter EUR 4,600.00.",
    "The annual gross salary is EUR 58,200. The gross monthly salary is EUR 5,000.",
    "The Employee is paid an hourly wage of EUR 25.50 gross.",
    "Eine variable Erfolgsprämie von bis zu 6.000 € jährlich kann gezahlt werden.",
])
def test_no_figure_rather_than_a_guess(text):
    assert contract_fields.find_salary(text) is None


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
    dev, dev2 = contracts.make_contracts("dev", 16), make_contracts_dev2(16)
    heldout = contracts.make_contracts("heldout", 16)
    assert {c.kind for c in dev} == {c.kind for c in dev2} == set(contracts.SALARY_KINDS)
    assert {c.language for c in dev} == {c.language for c in dev2} == {"de", "en"}
    pay_lines = {line for c in dev + dev2 for line in c.lines if "alary" in line or "ehalt" in line or "€" in line}
    assert not pay_lines & {line for c in heldout for line in c.lines}
    other_fonts = set(contracts.scan_fonts("heldout") + contracts.scan_fonts("dev"))
    assert not {c.scan_font for c in dev2 if c.scan} & other_fonts
    for contract in dev + dev2:
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


def test_the_caseworker_reads_salary_and_hours_as_numbers_are_written_in_their_language():
    from django.utils import translation

    from documents.models import Document
    from documents.selectors import document_extracted_items

    document = Document(extracted={"annual_gross_salary": "58200.00", "weekly_hours": "40.0"})
    with translation.override("de"):
        items = dict(document_extracted_items(document))
    assert items["Bruttojahresgehalt (EUR)"] == "58.200,00" and items["Wochenstunden"] == "40"  # not "40,0"
    with translation.override("en"):
        assert dict(document_extracted_items(document))["Annual gross salary (EUR)"] == "58,200.00"
        assert dict(document_extracted_items(Document(extracted={"weekly_hours": "38.5"})))["Weekly hours"] == "38.5"
    assert dict(document_extracted_items(Document(extracted={"weekly_hours": "vierzig"})))  # kept, not lost


# --- wordings the generators do not use: the rules go by the clause's structure ---------------------

@pytest.mark.parametrize("text, annual, period", [
    ("Der Arbeitnehmer erhält ein Bruttomonatsgehalt in Höhe von 4.200,00 € (in Worten: viertausendzweihundert Euro).",
     Decimal("50400"), "monthly"),
    ("Die Jahresbruttovergütung beträgt 61.500,00 EUR.", Decimal("61500"), "annual"),
    ("Die Grundvergütung beträgt EUR 4.200,00 brutto monatlich.", Decimal("50400"), "monthly"),
    ("Als Vergütung werden monatlich 3.950 Euro brutto gezahlt.", Decimal("47400"), "monthly"),
    ("The Employee shall receive a gross annual remuneration of EUR 58,000.", Decimal("58000"), "annual"),
    ("Base pay: €60k per annum, payable in twelve equal monthly instalments.", Decimal("60000"), "annual"),
    ("The Employee's base pay is € 4,350.50 gross per month.", Decimal("52206"), "monthly"),
    ("Gehalt | 4.500 € | pro Monat", Decimal("54000"), "monthly"),
    ("Salary:\tEUR 5,000 per month", Decimal("60000"), "monthly"),
    ("The monthly gross salary is EUR 4,000, plus a travel allowance of EUR 50 per month.", Decimal("48000"),
     "monthly"),
    ("Die Vergütung wird in 13 gleichen Monatsraten zu je 4.850 € brutto gezahlt.", Decimal("63050"), "instalments"),
    ("Your gross annual salary will be €46,800, i.e. €3,900 per month.", Decimal("46800"), "annual"),
])
def test_the_base_salary_is_found_in_wordings_of_its_own(text, annual, period):
    salary = contract_fields.find_salary(text)
    assert (salary.annual, salary.period) == (annual, period)


@pytest.mark.parametrize("text", [
    # two base figures that disagree
    "Das Bruttomonatsgehalt beträgt 4.200 €. Das Jahresgehalt beträgt 55.000 €.",
    "Salary: EUR 4,000 per month.\nSalary: EUR 4,500 per month.",
    # an hourly wage, also beside a monthly figure
    "Stundenlohn: 19,75 € brutto",
    "The Employee's pay is EUR 21.50 gross per hour worked.",
    "The gross monthly salary is about EUR 3,400 (an hourly wage of EUR 19.50).",
    # no period, a ceiling, an estimate, a range, a weekly figure
    "Das Bruttogehalt beträgt 4.500 €.",
    "The salary is up to EUR 5,000 per month depending on performance.",
    "Das Gehalt beträgt ca. 4.000 € monatlich.",
    "Das Monatsgehalt beträgt je nach Qualifikation zwischen 3.800 € und 4.400 €.",
    "The Employee is paid a wage of EUR 950 per week.",
    # the salary changes: probation, a raise, a second year
    "In den ersten sechs Monaten beträgt das Bruttomonatsgehalt 4.200 €; ab dem\n7. Monat 4.600 €.",
    "During the probation period the monthly salary is EUR 4,100.",
    "Das monatliche Gehalt erhöht sich nach Ablauf der Probezeit auf 4.600 € brutto.",
    # only extras: allowance, bonus, pension, overtime, relocation, a 13th salary
    "Es wird ein Fahrtkostenzuschuss von 50,00 EUR monatlich gezahlt.",
    "A discretionary bonus of up to EUR 6,000 per year may be paid.",
    "The Employer contributes EUR 100 per month to the company pension scheme.",
    "Überstunden werden mit 28,00 € brutto pro Stunde vergütet.",
    "Relocation costs are reimbursed once up to € 2,500.",
    "Ein 13. Monatsgehalt in Höhe von 4.500 € wird im November gezahlt.",
    # a salary without a currency
    "Das monatliche Bruttogehalt beträgt 4.500,00.",
    "", "Lorem ipsum 4.500 €",
])
def test_anything_unclear_gives_no_salary(text):
    assert contract_fields.find_salary(text) is None


def test_an_allowance_beside_the_salary_is_not_the_salary_whichever_comes_first():
    text = ("Die Zulage beträgt 200 € monatlich, das Grundgehalt 4.300 € monatlich.\n"
            "Jobticket: 49 € pro Monat")
    assert contract_fields.find_salary(text).annual == Decimal("51600")


def test_a_thirteenth_salary_in_words_is_noticed_and_not_added():
    text = ("Monthly base salary: EUR 5,200.00 gross.\n"
            "In addition, a thirteenth-month salary is paid each December.")
    found = extract.extract_contract(text).fields
    assert found["annual_gross_salary"] == Decimal("62400") and found["thirteenth_salary"] is True


@pytest.mark.parametrize("text, hours", [
    ("Die regelmäßige wöchentliche Arbeitszeit beträgt 38,5 Stunden.", Decimal("38.5")),
    ("Arbeitszeit: 38,5 Std./Woche", Decimal("38.5")),
    ("Die Arbeitnehmerin wird in Vollzeit (40 Stunden) beschäftigt.", Decimal("40")),
    ("Die Beschäftigung erfolgt in Teilzeit mit 22,5 Wochenstunden.", Decimal("22.5")),
    ("This is a 40-hour week position.", Decimal("40")),
    ("Clause 3 - Hours\nThe normal working week is 37.5 hours, Monday to Friday.", Decimal("37.5")),
    ("Weekly hours: 30", Decimal("30")),
    ("Die Arbeitszeit beträgt 40 Stunden pro Woche. Die tägliche Höchstarbeitszeit beträgt 10 Stunden.",
     Decimal("40")),
    ("The Employee works 8 hours a day, 40 hours per week.", Decimal("40")),
])
def test_weekly_hours(text, hours):
    assert contract_fields.find_weekly_hours(text)[0] == hours


@pytest.mark.parametrize("text", [
    "Die tägliche Arbeitszeit beträgt 8 Stunden.",
    "Daily working time shall not exceed 10 hours.",
    "Overtime of up to 5 hours per week is covered by the salary.",
    "Die Arbeitszeit beträgt 40 Stunden pro Woche.\nDie Arbeitszeit beträgt 20 Stunden pro Woche.",
    "Der Urlaubsanspruch beträgt 30 Arbeitstage.",
])
def test_no_weekly_hours_rather_than_a_guess(text):
    assert contract_fields.find_weekly_hours(text) is None


@pytest.mark.parametrize("text", [
    "Das Arbeitsverhältnis beginnt mit Wirkung zum 1. April 2027.",
    "Die Tätigkeit wird ab dem 01.04.2027 aufgenommen.",
    "Eintritt: 2027-04-01",
    "Employment commencing on 1st of April 2027.",
    "This contract takes effect on April 1, 2027.",
    "The start date is 2027-04-01.\nSigned on February 2, 2027",
])
def test_start_date(text):
    assert contract_fields.find_start_date(text)[0] == date(2027, 4, 1)


def test_an_ordinal_or_an_abbreviation_does_not_end_a_clause():
    text = "Das Gehalt beträgt ca. 4.000 € ab dem 7. Monat. Danach"
    assert [text[s:e] for s, e in contract_fields.clauses(text)] == [
        "Das Gehalt beträgt ca. 4.000 € ab dem 7. Monat.", " Danach"]


def test_a_misread_speck_does_not_cut_the_salary_from_its_words():
    text = "The Company will pay the Employee a monthly base salary. of € 5,900.80, payable at the end of each month."
    assert contract_fields.find_salary(text).annual == Decimal("70809.60")
    assert contract_fields.find_salary(
        "Base salary: 36,000 euros per annum.\nA signing bonus of. €3,000 is paid with the first salary.",
    ).annual == Decimal("36000")


@pytest.mark.parametrize("text, annual", [
    ("The salary of EUR 48,000 will be paid in monthly instalments.", None),  # paid monthly, not per month
    ("A salary of EUR 4,000.00 will be paid monthly in arrears.", Decimal("48000")),
    ("Monthly salary EUR 4,000 (gross); annual salary EUR 48,000 (gross)", Decimal("48000")),
    ("Total compensation EUR 70,000 per year: a base salary of EUR 60,000 and a target bonus of EUR 10,000.", None),
    ("Das Gehalt beträgt 45.000 € monatlich.", None),  # no such monthly salary: a misread period
])
def test_how_often_a_salary_is_paid_is_not_its_period(text, annual):
    found = contract_fields.find_salary(text)
    assert (found.annual if found else None) == annual


@pytest.mark.parametrize("text", [
    "Beginn: 01.04.2027",
    "Starting 1 April 2027 you will be employed as a nurse.",
    "Der Arbeitsvertrag tritt am 01.04.2027 in Kraft.",
    "Die Einstellung erfolgt zum 01.04.2027.",
])
def test_start_date_in_short_wordings(text):
    assert contract_fields.find_start_date(text)[0] == date(2027, 4, 1)


@pytest.mark.parametrize("text", [
    "Das Gehalt entspricht 50 % des Vollzeitgehalts von 5.000 € monatlich.",
    "Die Vergütung liegt über der Mindestgehaltsgrenze von 48.300 € jährlich.",
    "The salary band for this role is EUR 4,000 per month.",
])
def test_a_share_a_band_or_a_cited_threshold_is_not_the_salary(text):
    assert contract_fields.find_salary(text) is None


def test_costs_and_penalties_are_not_the_salary():
    text = ("The Employee shall repay training costs of EUR 3,000 per year of service.\n"
            "Eine Vertragsstrafe von 2.000 € monatlich wird fällig.\nThe gross monthly salary is EUR 4,100.")
    assert contract_fields.find_salary(text).annual == Decimal("49200")


@pytest.mark.parametrize("text", [
    "Teilzeit: 50 % der regelmäßigen Arbeitszeit von 40 Stunden",
    "Die regelmäßige Arbeitszeit eines vergleichbaren Vollzeitbeschäftigten beträgt 40 Stunden; "
    "die Arbeitnehmerin arbeitet 20 Stunden pro Woche.",
    "The Employee works 5 days a week, 8 hours a day.",
    "Die Kündigungsfrist beträgt 4 Wochen zum 15. oder zum Ende eines Kalendermonats.",
])
def test_hours_of_a_full_time_colleague_or_a_day_are_not_the_weekly_hours(text):
    assert contract_fields.find_weekly_hours(text) is None


def test_what_the_ocr_does_to_a_scan_does_not_make_a_figure_wrong():
    # lost umlauts, a speck read as a stop, a stop after a number
    assert contract_fields.find_weekly_hours(
        "Arbeitszeit: 32 Std./Woche\nDie tagliche Hochstarbeitszeit betragt 10 Stunden.")[0] == Decimal("32")
    assert contract_fields.find_weekly_hours("Arbeitszeit: 37,5. Std./Woche ~")[0] == Decimal("37.5")
    assert contract_fields.find_weekly_hours("2. Hours\nThe Employee works 40 hours per week.")[0] == Decimal("40")
    text = ("The gross annual salary of €52k is paid in 13 monthly instalments of €4,000\neach.\n"
            "Overtime is compensated at. €30 gross per hour.")
    assert contract_fields.find_salary(text).annual == Decimal("52000")
    assert contract_fields.find_start_date("Das Arbeitsverhaltnis beginnt am 1. Marz 2027.")[0] == date(2027, 3, 1)


@pytest.mark.parametrize("text, annual", [
    # an annual figure of 13 monthly ones beside a 13th salary: is the 13th in it or on top of it?
    ("Das Monatsgehalt beträgt 4.000 € brutto. Zusätzlich wird ein 13. Monatsgehalt gezahlt. "
     "Das Jahresgehalt beträgt somit 52.000 €.", None),
    ("Das Jahresgehalt beträgt 52.000 € einschließlich eines 13. Monatsgehalts.", None),
    ("The gross annual salary is EUR 60,000. A 13th month salary is paid in addition.", Decimal("60000")),
    # deferred pay, an allowance without a stem of its own, a performance share: never the base
    ("Monatsgehalt: 4.000 € brutto. Im Wege der Entgeltumwandlung werden 200 € monatlich eingezahlt.",
     Decimal("48000")),
    ("The gross monthly salary is EUR 4,100. A housing subsidy of EUR 400 per month is paid.", Decimal("49200")),
    ("Das Bruttomonatsgehalt beträgt 4.300 €; das Leistungsentgelt von bis zu 3.000 € jährlich bleibt unberührt.",
     Decimal("51600")),
])
def test_a_thirteenth_salary_or_an_extra_beside_an_annual_figure(text, annual):
    found = contract_fields.find_salary(text)
    assert (found.annual if found else None) == annual


def test_a_speck_between_day_and_year_does_not_lose_the_start_date():
    assert contract_fields.find_start_date("The employment commences on August 27,.2027.")[0] == date(2027, 8, 27)


@pytest.mark.parametrize("text, annual", [
    ("In addition to the base salary, the Employer pays EUR 150 per month.\nThe base salary is EUR 5,000 per month.",
     Decimal("60000")),
    # only "brutto" names it, and the clause pays it on top: not the salary
    ("Das Bruttomonatsgehalt beträgt 4.000 €. Zusätzlich zahlt der Arbeitgeber monatlich 50 € brutto für das "
     "Fitnessstudio.", Decimal("48000")),
    ("Die Arbeitnehmerin erhält monatlich 2.900 EUR brutto.", Decimal("34800")),
    # the salary named only as what an amount comes on top of: no figure rather than a guess
    ("In addition to the gross monthly base salary of EUR 4,000 the Employee receives EUR 100.", None),
])
def test_an_amount_paid_on_top_of_the_salary_is_not_the_salary(text, annual):
    found = contract_fields.find_salary(text)
    assert (found.annual if found else None) == annual


def test_an_offer_letter_uploaded_as_a_contract_is_read_as_one():
    lines = ["Offer of Employment", "", "Dear Anna Maria Eriksson,", "",
             "Muster Software GmbH is pleased to offer you the position of Data Scientist.",
             "Your employment will begin on April 1, 2027.", "", "Your working hours will be 40 hours per week.",
             "", "We are pleased to offer you a gross monthly salary of EUR 4,250.00."]
    result = inspect_bytes(text_pdf([lines]), "offer.pdf", context={"expected_document_type": "employment_contract"})
    assert result.document_type == "employment_contract"
    assert result.fields["annual_gross_salary"] == Decimal("51000")
    assert contract_fields.find_start_date("Das Anstellungsverhaltnis beginnt am 22.. Oktober 2027.")[0] == date(
        2027, 10, 22)


@pytest.mark.parametrize("text, annual", [
    ("On-target earnings (OTE) of EUR 80,000 per year.", None),
    ("The base salary is EUR 60,000 per year. On-target earnings are EUR 80,000 per year.", Decimal("60000")),
    ("Die variable Vergütung beträgt bis zu 10.000 € jährlich. Das Jahresgrundgehalt beträgt 60.000 €.",
     Decimal("60000")),
    ("Ein Gehaltsvorschuss von 1.000 € monatlich ist möglich. Das Monatsgehalt beträgt 4.000 €.", Decimal("48000")),
])
def test_an_extra_named_with_the_salary_word_is_still_an_extra(text, annual):
    found = contract_fields.find_salary(text)
    assert (found.annual if found else None) == annual


def test_a_word_broken_at_the_end_of_a_line_is_read_whole():
    # A narrow column hyphenates: "monat-" and "liches" alone name no period.
    got = extract.extract_contract("Arbeitsvertrag\n\nDer Arbeitnehmer erhält ein monat-\nliches Brutto"
                                   "gehalt von EUR 3.500,25.\nDie regelmäßige wöchentliche Arbei-\ntszeit "
                                   "beträgt 40 Stunden.")
    assert got.fields["annual_gross_salary"] == Decimal("42003.00")
    assert got.fields["weekly_hours"] == Decimal("40")


@pytest.mark.parametrize("text, joined", [
    ("ein monat-\nliches Gehalt", "ein monatliches Gehalt"),
    ("Fahrtkost- \n enzuschuss", "Fahrtkostenzuschuss"),
    ("Kranken-\nund Pflegeversicherung", "Kranken-\nund Pflegeversicherung"),  # two words sharing an ending
    ("Gehalt -\nmonatlich", "Gehalt -\nmonatlich"),  # a dash, not a broken word
    ("2026-\n2027", "2026-\n2027"),
    ("Anhang A-\nKündigung", "Anhang A-\nKündigung"),  # a capital starts a word of its own
])
def test_only_words_broken_at_a_line_end_are_joined(text, joined):
    assert textutil.join_broken_words(text) == joined


def test_an_uploaded_contract_made_out_to_someone_else_says_so():
    """A contract for "Anna Maria Eriksson" in Priya Sharma's case was "checked, no problems found"."""
    contract = next(c for c in contracts.make_contracts("dev", 8) if not c.scan)
    employee = next(line for line in contract.lines if "(Arbeitnehmer/in)" in line or "(the Employee)" in line)
    own_surname = max(employee.split("(")[0].split()[1:], key=len)
    data, name = contract.file(seed=1)
    codes = {f.code for f in inspect_bytes(data, name, context={
        "expected_document_type": "employment_contract", "surname": "Sharma"}).findings}
    assert "name_not_in_document" in codes
    codes = {f.code for f in inspect_bytes(data, name, context={
        "expected_document_type": "employment_contract", "surname": own_surname}).findings}
    assert "name_not_in_document" not in codes
