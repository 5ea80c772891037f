"""``inspect_bytes`` end to end: it never raises, and hostile input ends in findings."""

import json
from datetime import date
from decimal import Decimal

import pytest

from documents.checks import inspect_bytes
from documents.checks.crosscheck import Context
from documents.testing import documents as docs
from documents.testing import passports

from .conftest import needs_ocrb, needs_tesseract, passport

HOSTILE = {
    "empty.pdf": (b"", "empty_file"),
    "truncated.pdf": (docs.truncated_pdf(), "file_damaged"),
    "page.pdf": (docs.html_as_pdf(), "unsupported_type"),
    "drawing.pdf": (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "unsupported_type"),
    "setup.pdf": (b"MZ\x90\x00" + b"\x00" * 100, "unsupported_type"),
    "bomb.png": (docs.png_bomb_header(), "image_too_large"),
    "locked.pdf": (docs.encrypted_pdf(), "pdf_encrypted"),
    "script.pdf": (docs.javascript_pdf(), "pdf_active_content"),
    "launch.pdf": (docs.obfuscated_launch_pdf(), "pdf_active_content"),
    "packed-script.pdf": (docs.javascript_in_object_stream_pdf(), "pdf_active_content"),
    "broken.png": (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "file_damaged"),
    "broken.jpg": (b"\xff\xd8\xff\xe0" + b"\x00" * 40, "file_damaged"),
    "garbage.pdf": (b"%PDF-1.7\n" + bytes(range(256)) * 20, "file_damaged"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_ends_in_findings(name):
    data, code = HOSTILE[name]
    result = inspect_bytes(data, name)
    assert code in [f.code for f in result.findings]
    assert result.blocked
    json.dumps(result.to_json_dict())


@pytest.mark.parametrize("data", [None, b"\x00", b"%PDF-", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"])
def test_odd_bytes_never_raise(data):
    result = inspect_bytes(data, None)
    assert result.findings and result.seconds >= 0


def test_unexpected_exception_becomes_a_finding(monkeypatch):
    from documents.checks import pipeline

    def boom(*args):
        raise RuntimeError("bug")

    monkeypatch.setattr(pipeline, "STEPS", (pipeline.step_size, boom))
    result = inspect_bytes(b"%PDF-1.4", "x.pdf")
    assert [f.code for f in result.findings] == ["check_failed"]


def test_contract_pdf_with_salary_check():
    ctx = {"salary_threshold": "60000", "expected_document_type": "employment_contract"}
    result = inspect_bytes(docs.make_contract_pdf(), "vertrag.pdf", context=ctx)
    assert result.content_type == "application/pdf" and result.page_count == 1
    assert result.document_type == "employment_contract"
    assert result.fields["annual_gross_salary"] == Decimal("58200.00")
    assert [f.code for f in result.findings] == ["salary_below_threshold"]
    data = result.to_json_dict()
    assert data["fields"]["start_date"] == "2026-04-01"
    assert not result.ocr_used


def test_degree_pdf_and_wrong_slot():
    result = inspect_bytes(docs.make_degree_pdf(), "degree.pdf", context={"expected_document_type": "passport"})
    assert result.document_type == "degree_certificate"
    assert result.fields["degree"] == "Master of Science"
    assert [f.code for f in result.findings] == ["document_type_unexpected"]


def test_a_form_that_names_the_passport_is_not_taken_for_one_in_a_slot_the_classifier_cannot_read():
    """A visa application form or the employer's declaration names the passport number, the salary and
    the university: in those slots, words alone never make it "the wrong document"."""
    form = docs.text_pdf([["Application for a national visa", "", "Passport: Z1234567", "Nationality: IND",
                           "Date of expiry: 01.01.2031", "Purpose: employment"]])
    result = inspect_bytes(form, "videx.pdf", context={"expected_document_type": "visa_application_form"})
    assert "document_type_unexpected" not in [f.code for f in result.findings]
    declaration = docs.text_pdf([["Erklärung zum Beschäftigungsverhältnis", "Arbeitgeber: Muster GmbH",
                                  "Arbeitnehmerin: Anna Muster", "Bruttogehalt: 68.000 EUR jährlich"]])
    result = inspect_bytes(declaration, "erklaerung.pdf", context={"expected_document_type": "employment_declaration"})
    assert "document_type_unexpected" not in [f.code for f in result.findings]
    # Nor is it asked for what a contract holds, and a form is not "a document we could not recognise".
    assert not {"hours_not_found", "start_date_not_found", "salary_not_found"} & {f.code for f in result.findings}
    result = inspect_bytes(form, "videx.pdf", context={"expected_document_type": "visa_application_form"})
    assert "document_type_unknown" not in [f.code for f in result.findings]
    # In a slot the classifier knows, the same form is still the wrong document.
    result = inspect_bytes(docs.make_degree_pdf(), "degree.pdf",
                           context={"expected_document_type": "employment_contract"})
    assert [f.code for f in result.findings] == ["document_type_unexpected"]


@needs_tesseract
def test_a_scanned_visa_application_form_raises_no_passport_findings():
    lines = ["Application for a national visa", "", "Passport number: Z1234567", "Nationality: India",
             "Date of expiry: 01.01.2031", "Purpose of stay: employment"]
    result = inspect_bytes(docs.make_text_image(lines, fmt="jpeg"), "form.jpg",
                           context={"expected_document_type": "visa_application_form"})
    assert result.ocr_used
    assert not {"mrz_not_found", "document_type_unexpected"} & {f.code for f in result.findings}


@needs_tesseract
@needs_ocrb
def test_passport_png_with_context():
    generated = passport(7, "png")
    truth = generated.truth
    ctx = Context(surname=truth.surname, given_names=truth.given_names.split()[0], birth_date=truth.birth_date,
                  nationality=truth.nationality, intended_stay_end=date(2099, 1, 1))
    result = inspect_bytes(generated.data, "pass.png", context=ctx)
    assert result.document_type == "passport" and result.mrz_valid
    assert tuple(result.mrz) == generated.mrz_lines
    assert result.fields["birth_date"] == truth.birth_date
    assert [f.code for f in result.findings] == ["passport_expires_before_stay_end"]
    data = result.to_json_dict()
    assert data["fields"]["expiry_date"] == truth.expiry_date.isoformat()
    assert not result.ocr_used


@needs_tesseract
@needs_ocrb
def test_image_only_pdf_passport():
    generated = passport(8, "pdf")
    result = inspect_bytes(generated.data, "pass.pdf")
    assert result.mrz_valid and tuple(result.mrz) == generated.mrz_lines
    assert result.fields["passport_number"] == generated.truth.number


@needs_tesseract
@needs_ocrb
def test_expired_passport_and_wrong_check_digit():
    expired = passports.make_passport(seed=9, options=passports.Options(expired=True))
    result = inspect_bytes(expired.data, "p.png")
    assert "passport_expired" in [f.code for f in result.findings]
    tampered = passports.make_passport(seed=9, options=passports.Options(wrong_check_digit="document_number"))
    result = inspect_bytes(tampered.data, "p.png")
    assert result.mrz_valid is False
    assert "mrz_check_digit" in [f.code for f in result.findings]
    assert "passport_number" not in result.fields  # nothing from an invalid MRZ is trusted


@needs_tesseract
def test_scanned_degree_certificate_is_read_with_ocr():
    data = docs.make_text_image(docs.degree_lines(docs.DegreeData()))
    result = inspect_bytes(data, "degree.png")
    assert result.ocr_used and result.document_type == "degree_certificate"
    assert result.fields.get("degree_date") == date(2023, 7, 14)


@needs_tesseract
def test_photo_without_text():
    import io

    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (600, 800), (180, 150, 140)).save(buf, "JPEG")
    result = inspect_bytes(buf.getvalue(), "photo.jpg")
    assert result.document_type == "photo"


def test_ocr_down_is_reported_not_raised(monkeypatch):
    from documents.checks import ocr
    monkeypatch.setattr(ocr.pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr.availability.cache_clear()
    try:
        result = inspect_bytes(docs.make_text_image(docs.degree_lines(docs.DegreeData())), "degree.png")
        assert [f.code for f in result.findings] == ["ocr_unavailable"]
        # The MRZ does not need Tesseract: the glyph classifier reads it.
        result = inspect_bytes(passport(7, "png").data, "pass.png")
        assert result.mrz_valid and tuple(result.mrz) == passport(7, "png").mrz_lines
    finally:
        ocr.availability.cache_clear()


def test_a_soft_time_limit_reaches_the_task(monkeypatch):
    from documents.checks import pipeline
    from documents.checks.errors import SoftTimeLimitExceeded

    def slow(*args):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(pipeline.limit_checks, "open_pdf", slow)
    with pytest.raises(SoftTimeLimitExceeded):
        inspect_bytes(docs.make_contract_pdf(), "x.pdf")
