"""The finding catalogue: every message renders, placeholders exist, and nothing needs settings
until a message is shown."""

import re

import pytest
from django.utils import translation
from django.utils.functional import Promise

from documents.checks.findings import CATALOGUE, STAFF_MESSAGES, Severity, finding


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_message_renders_with_the_standard_placeholders(code):
    f = finding(code, field="birth_date", expected="1990-01-01", found="1990-01-02")
    names = set(re.findall(r"%\((\w+)\)s", f.msgid))
    assert names <= {"field", "expected", "found"}
    assert "%(" not in f.msgid % f.placeholders()
    assert f.msgid.endswith(".")


def test_message_is_lazy_and_renders_in_the_active_language(settings):
    f = finding("mrz_unreadable")
    assert isinstance(f.message, Promise)
    with translation.override("en"):
        english = f.text()
    assert english == ("The machine-readable zone of your passport could not be read. Please upload a "
                       "sharper scan of the photo page, without glare.")
    with translation.override("de"):
        assert f.text() == translation.gettext(english)  # the same finding, read in German


def test_severity_confidence_and_json():
    f = finding("passport_expired", found=__import__("datetime").date(2020, 1, 2), confidence=3)
    assert f.severity == Severity.ERROR and f.confidence == 1.0 and f.found == "2020-01-02"
    data = f.to_json_dict()
    assert data["code"] == "passport_expired" and data["severity"] == "error"
    assert finding("mrz_corrected").severity == "info"


def test_field_codes_read_as_words_in_the_users_language():
    check = finding("mrz_check_digit", field="document_number, expiry_date, composite")
    invalid = finding("mrz_invalid_date", field="birth_date", found="991340")
    with translation.override("en"):
        assert "(document number, date of expiry, overall check digit)" in check.text()
        assert invalid.text().startswith("The date of birth in the machine-readable zone")
    with translation.override("de"):
        assert "document_number" not in check.text() and "birth_date" not in invalid.text()
    assert check.to_json_dict()["field"] == "document_number, expiry_date, composite"  # codes for machines


# Refused at upload and never stored: no caseworker reads them.
NEVER_STORED = {"virus_found", "scanner_unavailable"}
_ADDRESSES_THE_APPLICANT = re.compile(r"\b(you|your|yours)\b|\bPlease (upload|enter|save|print|check your)\b", re.I)


def test_every_message_that_speaks_to_the_applicant_has_the_caseworkers_sentence():
    speaking = {code for code, spec in CATALOGUE.items() if _ADDRESSES_THE_APPLICANT.search(spec.msgid)}
    assert speaking - NEVER_STORED <= set(STAFF_MESSAGES), sorted(speaking - NEVER_STORED - set(STAFF_MESSAGES))
    assert set(STAFF_MESSAGES) <= set(CATALOGUE)


@pytest.mark.parametrize("code", sorted(STAFF_MESSAGES))
def test_the_caseworkers_sentence_speaks_of_the_applicant_and_uses_the_findings_own_values(code):
    staff = STAFF_MESSAGES[code]
    assert not _ADDRESSES_THE_APPLICANT.search(staff), staff
    assert set(re.findall(r"%\((\w+)\)s", staff)) <= set(re.findall(r"%\((\w+)\)s", CATALOGUE[code].msgid))
    assert staff.endswith(".") and staff != CATALOGUE[code].msgid
