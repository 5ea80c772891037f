"""Classification, extraction and cross-checks on text."""

from datetime import date
from decimal import Decimal

import pytest

from documents.checks import classify as cls
from documents.checks import contract_fields, crosscheck, extract
from documents.checks.crosscheck import Context
from documents.checks.textutil import find_dates, parse_amount
from documents.testing import documents as docs


@pytest.mark.parametrize(("raw", "value"), [
    ("52.000,00", "52000.00"), ("52,000.00", "52000.00"), ("52.000", "52000"), ("52,000", "52000"),
    ("4500", "4500"), ("4.500,-", "4500"), ("52 000", "52000"), ("1.234.567,8", "1234567.8"),
    ("4850,5", "4850.5"), ("62’000", "62000"),
])
def test_amounts_in_german_and_english_formats(raw, value):
    assert parse_amount(raw) == Decimal(value)


def test_dates_in_many_spellings():
    text = "am 01.04.2026, on 2026-05-02, den 3. März 2026, on June 4, 2026 and 5 July 2026"
    assert [d for _, d in find_dates(text)] == [date(2026, 4, 1), date(2026, 5, 2), date(2026, 3, 3),
                                                date(2026, 6, 4), date(2026, 7, 5)]


@pytest.mark.parametrize(("text", "kind"), [
    ("\n".join(docs.contract_lines(docs.ContractData())), cls.CONTRACT),
    ("\n".join(docs.contract_lines(docs.ContractData(language="en"))), cls.CONTRACT),
    ("\n".join(docs.degree_lines(docs.DegreeData())), cls.DEGREE),
    ("Transcript of Records\nModule Grade ECTS\nAlgorithms 1.3 6 credits", cls.TRANSCRIPT),
    ("Goethe-Zertifikat B2\nLesen Hören Schreiben Sprechen\nGesamtergebnis", cls.LANGUAGE),
    ("Mitgliedsbescheinigung\nTechniker Krankenkasse\nVersicherungsnummer A123", cls.HEALTH),
    ("Lebenslauf\nBerufserfahrung\n2019-2024 Entwicklerin\nSprachkenntnisse", cls.CV),
    ("Bescheid über die Feststellung der Gleichwertigkeit\nAnerkennung\nRechtsbehelfsbelehrung", cls.RECOGNITION),
])
def test_classification_by_keywords(text, kind):
    result = cls.classify(text)
    assert result.document_type == kind and 0 < result.confidence <= 0.95


def test_classification_by_mrz_and_photo():
    assert cls.classify("", mrz_format="TD3", mrz_valid=True).document_type == cls.PASSPORT
    assert cls.classify("", mrz_format="TD1").document_type == cls.ID_CARD
    assert cls.classify("", is_image=True).document_type == cls.PHOTO
    assert cls.classify("lorem ipsum dolor").document_type == cls.UNKNOWN


@pytest.mark.parametrize(("data", "annual"), [
    (docs.ContractData(amount=Decimal("4850"), monthly=True), Decimal("58200")),
    (docs.ContractData(amount=Decimal("62000"), monthly=False), Decimal("62000")),
    (docs.ContractData(amount=Decimal("5100.50"), monthly=True, language="en"), Decimal("61206")),
    (docs.ContractData(amount=Decimal("61000"), monthly=False, language="en"), Decimal("61000")),
])
def test_contract_salary_hours_start(data, annual):
    got = extract.extract_contract("\n".join(docs.contract_lines(data)))
    assert got.fields["annual_gross_salary"] == annual
    assert got.fields["weekly_hours"] == Decimal("40")
    assert got.fields["start_date"] == data.start


def test_allowances_and_hourly_rates_are_not_the_salary():
    text = "Es wird ein Fahrtkostenzuschuss von 50,00 EUR gezahlt. Stundenlohn 20,00 EUR pro Stunde."
    assert contract_fields.find_salary(text) is None


def test_degree_fields():
    got = extract.extract_degree("\n".join(docs.degree_lines(docs.DegreeData())))
    assert got.fields["degree"] == "Master of Science"
    assert got.fields["institution"] == "Technische Universität Musterstadt"
    assert got.fields["degree_date"] == date(2023, 7, 14)


@pytest.mark.parametrize(("text", "level", "language", "test"), [
    ("Goethe-Zertifikat B2\nDeutschprüfung für Jugendliche und Erwachsene", "B2", "de", "goethe"),
    ("telc Deutsch B1 Zertifikat\nNiveau B1 des GER", "B1", "de", "telc"),
    ("TestDaF Zeugnis\nLeseverstehen TDN 5\nHörverstehen TDN 4", "C1", "de", "testdaf"),
    ("IELTS Test Report Form\nOverall Band Score 7.5", "C1", "en", "ielts"),
    ("TOEFL iBT Score Report\nTotal Score 88", "B2", "en", "toefl"),
    ("Sprachzertifikat Deutsch\nGesamtniveau C1 (Skala A1 A2 B1 B2 C1 C2)", "C1", "de", ""),
])
def test_language_level(text, level, language, test):
    got = extract.extract_language(text)
    assert got.fields["language_level"] == level
    assert got.fields["language"] == language
    assert got.fields["language_test"] == test


@pytest.mark.parametrize(("entered", "mrz"), [
    ("Nguyễn", "NGUYEN"), ("Müller", "MUELLER"), ("Müller", "MULLER"), ("Straße", "STRASSE"),
    ("Øster", "OESTER"), ("Gonçalves", "GONCALVES"), ("O'Brien", "O BRIEN"), ("van der Berg", "VANDERBERG"),
    ("Łukasz", "LUKASZ"), ("Şahin", "SAHIN"), ("Иванова", "IVANOVA"), ("Щукин", "SHCHUKIN"),
])
def test_transliteration_aware_name_match(entered, mrz):
    assert crosscheck.names_match(entered, mrz)


def test_name_mismatch_and_truncation():
    assert not crosscheck.names_match("Meier", "MUELLER")
    long_name = "Wolfeschlegelsteinhausenbergerdorff Senior"
    assert crosscheck.names_match(long_name, "WOLFESCHLEGELSTEINHAUSENBERGERDORFFSEN", truncated=True)
    assert crosscheck.given_names_match("Anna", "ANNA MARIA")
    assert not crosscheck.given_names_match("Maria Anna", "ANNA MARIA")


def test_identity_crosscheck_findings():
    doc = {"surname": "ERIKSSON", "given_names": "ANNA MARIA", "birth_date": date(1974, 8, 12),
           "nationality": "D"}
    ctx = Context(surname="Eriksson", given_names="Anna", birth_date=date(1974, 8, 12), nationality="DEU")
    assert crosscheck.check_identity(doc, ctx) == []
    ctx = Context(surname="Erikson", given_names="Anna", birth_date=date(1974, 8, 13), nationality="SWE")
    codes = [f.code for f in crosscheck.check_identity(doc, ctx)]
    assert codes == ["name_mismatch", "birth_date_mismatch", "nationality_mismatch"]
    arabic = Context(surname="حداد")
    assert [f.code for f in crosscheck.check_identity(doc, arabic)] == ["name_not_comparable"]


def test_expiry_and_salary_crosschecks():
    ctx = Context(today=date(2026, 1, 1), intended_stay_end=date(2029, 12, 31), salary_threshold=Decimal("48300"))
    assert [f.code for f in crosscheck.check_expiry(date(2025, 12, 31), ctx)] == ["passport_expired"]
    assert [f.code for f in crosscheck.check_expiry(date(2028, 1, 1), ctx)] == ["passport_expires_before_stay_end"]
    assert crosscheck.check_expiry(date(2030, 1, 1), ctx) == []
    assert [f.code for f in crosscheck.check_salary(Decimal("45000"), ctx)] == ["salary_below_threshold"]
    assert crosscheck.check_salary(Decimal("48300"), ctx) == []


def test_context_from_a_dict():
    ctx = Context.from_any({"surname": "X", "birth_date": "1990-01-02", "salary_threshold": 43470.0,
                            "required_document_types": ["passport"], "unknown_key": 1})
    assert ctx.birth_date == date(1990, 1, 2) and ctx.salary_threshold == Decimal("43470.0")
    assert ctx.required_document_types == frozenset({"passport"})


def test_a_speck_after_a_word_does_not_split_a_keyword():
    text = "Offer of. Employment\n\nDear Ana,\nYour start date is 1 April 2027."
    assert cls.classify(text).document_type == cls.CONTRACT


# --- whose document: a contract or certificate names its holder ------------------------------------

CONTRACT_TEXT = (
    "Arbeitsvertrag zwischen der Muster Software GmbH, Hauptstraße 1, 10115 Berlin (Arbeitgeber) und {name} "
    "(Arbeitnehmerin). § 1 Beginn und Tätigkeit: Das Arbeitsverhältnis beginnt am 1. April 2027. Die Einstellung "
    "erfolgt als Softwareentwicklerin. § 2 Arbeitszeit: Die regelmäßige wöchentliche Arbeitszeit beträgt 40 "
    "Stunden. § 3 Vergütung: Das Bruttojahresgehalt beträgt 58.200,00 EUR, zahlbar in zwölf Monatsraten. § 4 "
    "Urlaub: Der Urlaubsanspruch beträgt 30 Arbeitstage im Kalenderjahr."
)


@pytest.mark.parametrize("name, surname, flagged", [
    ("Anna Maria Eriksson", "Sharma", True),          # a contract made out to someone else
    ("Priya Sharma", "Sharma", False),
    ("Priya SHARNA", "Sharma", False),                 # one letter misread by OCR in a longer name
    ("Jürgen Müller", "Mueller", False),               # the MRZ's spelling of Ü
    ("Ana García", "García López", False),             # one part of a two-part surname is named
    ("Anna Maria Eriksson", "Li", False),              # short parts occur anywhere: not judged
    ("Anna Maria Eriksson", "शर्मा", False),            # another script: not judged
])
def test_a_contract_that_does_not_name_the_applicant_is_flagged(name, surname, flagged):
    found = crosscheck.check_name_in_text(CONTRACT_TEXT.format(name=name), Context(surname=surname),
                                          cls.CONTRACT)
    assert ("name_not_in_document" in {f.code for f in found}) is flagged


def test_too_little_text_or_another_kind_of_document_is_not_judged():
    assert crosscheck.check_name_in_text("Arbeitsvertrag Anna Eriksson", Context(surname="Sharma"), cls.CONTRACT) == []
    assert crosscheck.check_name_in_text(CONTRACT_TEXT.format(name="Anna Eriksson"), Context(surname="Sharma"),
                                         cls.HEALTH) == []
