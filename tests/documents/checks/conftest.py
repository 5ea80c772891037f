"""Fixtures for the document checks. Nothing here touches the database."""

from functools import cache

import pytest

from documents.checks import ocr, templates
from documents.testing import passports

GOLDEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)

_status = ocr.availability("deu+eng")
needs_tesseract = pytest.mark.skipif(
    not _status.ok, reason=f"tesseract with deu+eng is not available here ({_status.reason}); CI installs it"
)
needs_ocrb = pytest.mark.skipif(
    not templates.available(), reason="the OCR-B font (Debian package fonts-ocr-b) is not installed"
)


@cache
def passport(seed: int, fmt: str = "png", **options) -> passports.GeneratedPassport:
    return passports.make_passport(seed=seed, fmt=fmt, options=passports.Options(**options))


@pytest.fixture
def golden():
    return GOLDEN
