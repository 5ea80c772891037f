"""The held-out split of the passport generator: other names, seeds and conditions than the
development split, deterministic, with ground truth that the MRZ code itself accepts."""

import re
from datetime import date

from documents.checks import mrz
from documents.testing import passports

TODAY = date(2026, 1, 15)


def without_dates(pdf: bytes) -> bytes:
    return re.sub(rb"/(CreationDate|ModDate) ?\(D:[^)]*\)", b"", pdf)


def test_heldout_pages_are_deterministic_and_their_truth_parses():
    ocrb, other = passports.heldout_fonts()
    assert ocrb, "fonts-ocr-b provides the OCR-B cuts"
    first = passports.make_heldout(4, ocrb[0], today=TODAY)
    again = passports.make_heldout(4, ocrb[0], today=TODAY)
    # Every fifth page is an image-only PDF; Pillow stamps the PDF with the second it was written.
    assert without_dates(first.data) == without_dates(again.data) and first.data.startswith(b"%PDF")
    assert passports.make_heldout(3, ocrb[0], today=TODAY).content_type in ("image/jpeg", "image/png")
    parsed = mrz.parse(first.mrz_lines, today=TODAY)
    assert parsed.valid and parsed.document_number == first.truth.number


def test_heldout_names_and_conditions_differ_from_the_development_split():
    dev_names = {surname for surname, _, _ in passports.NAMES}
    assert not dev_names & {surname for surname, _, _ in passports.HELDOUT_NAMES}
    options = [passports.heldout_variants(i, "font") for i in range(40)]
    assert all(-4 <= o.rotation <= 4 and 0.75 <= o.scale <= 1.3 and 55 <= o.jpeg_quality <= 90 for o in options)
    assert all(o.guilloche for o in options)
    assert any(o.perspective for o in options) and any(o.occlusion for o in options)
    assert any(o.salt for o in options) and any(o.crop for o in options) and any(o.moire for o in options)


def test_wrong_check_digits_and_expired_pages():
    ocrb, _ = passports.heldout_fonts()
    tampered = passports.make_heldout(2, ocrb[0], wrong_check_digit="birth_date", today=TODAY)
    assert mrz.parse(tampered.mrz_lines, today=TODAY).checks["birth_date"] is False
    expired = passports.make_heldout(5, ocrb[0], expired=True, today=TODAY)
    assert expired.truth.expiry_date < TODAY
