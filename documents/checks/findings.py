"""Findings: what the automated checks tell the applicant and the caseworker.

One catalogue holds every finding code with its default severity and an English message
(the gettext msgid). Messages say what is wrong *and how to fix it*; they use python-format
placeholders (``%(found)s``) filled from the finding's ``params`` at render time, so the
catalogue can be translated without touching code. Nothing here needs Django settings until a
message is rendered: ``gettext_noop`` only marks msgids for ``makemessages``, and
``Finding.message`` is a lazy translation that is evaluated when it is shown.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.translation import gettext, gettext_lazy


def gettext_noop(message: str) -> str:
    """Marks a msgid for ``makemessages`` (which looks for this name). Django's own
    ``gettext_noop`` reads settings, and this module must import without them."""
    return message


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Spec:
    severity: Severity
    msgid: str


E, W, I_ = Severity.ERROR, Severity.WARNING, Severity.INFO

CATALOGUE: dict[str, Spec] = {
    # --- file type and limits -------------------------------------------------------------------
    "empty_file": Spec(E, gettext_noop("The file is empty. Please upload the document again.")),
    "file_too_large": Spec(E, gettext_noop(
        "The file is too large (%(found)s, at most %(expected)s allowed). Please upload a smaller "
        "scan, for example at 300 dpi in grey scale.")),
    "unsupported_type": Spec(E, gettext_noop(
        "This file type is not accepted (%(found)s). Please upload a PDF, JPEG or PNG file.")),
    # A PDF whose compressed streams unpack to more than the limits allow (a decompression bomb):
    # "too large" is what it is, once unpacked, so it shares the message of file_too_large.
    "content_too_large": Spec(E, gettext_noop(
        "The file is too large (%(found)s, at most %(expected)s allowed). Please upload a smaller "
        "scan, for example at 300 dpi in grey scale.")),
    "extension_mismatch": Spec(I_, gettext_noop(
        "The file name ends in %(expected)s but the file is a %(found)s. It was checked as %(found)s.")),
    "too_many_pages": Spec(E, gettext_noop(
        "The PDF has %(found)s pages, at most %(expected)s are allowed. Please upload each document "
        "separately.")),
    "image_too_large": Spec(E, gettext_noop(
        "The image is too large (%(found)s pixels, at most %(expected)s). Please scan at 300 dpi or "
        "less.")),
    "image_too_small": Spec(W, gettext_noop(
        "The image is very small (%(found)s pixels). Please upload a scan of at least 300 dpi so the "
        "text can be read.")),
    "file_damaged": Spec(E, gettext_noop(
        "The file is damaged and could not be opened. Please save or scan the document again and "
        "upload the new file.")),
    "pdf_encrypted": Spec(E, gettext_noop(
        "The PDF is protected by a password and cannot be read. Please upload a copy without a "
        "password.")),
    "pdf_restricted": Spec(W, gettext_noop(
        "The PDF carries usage restrictions. It could be read, but a copy without protection is "
        "preferred.")),
    "pdf_active_content": Spec(E, gettext_noop(
        "The PDF contains active content (%(found)s). For security reasons such files are not "
        "accepted. Please print the document to a new PDF or scan it, and upload that file.")),
    # --- virus scanner (at upload; the file is not stored) ------------------------------------
    "virus_found": Spec(E, gettext_noop(
        "The virus scanner found malware in this file (%(found)s). The file was not stored. Please "
        "check your computer and upload a clean copy of the document.")),
    "scanner_unavailable": Spec(E, gettext_noop(
        "The file could not be checked for viruses at the moment, so it was not stored. Please try "
        "again in a few minutes.")),
    # --- reading ------------------------------------------------------------------------------
    "no_text": Spec(W, gettext_noop(
        "No text could be read from the document. Please upload a sharper scan with good lighting, "
        "without glare, with the whole page visible.")),
    "ocr_unavailable": Spec(W, gettext_noop(
        "The text recognition service is not available at the moment (%(found)s). Your document was "
        "stored and will be checked by a caseworker.")),
    "ocr_failed": Spec(W, gettext_noop(
        "The text of the document could not be recognised in time. Your document was stored and will "
        "be checked by a caseworker.")),
    "pages_not_checked": Spec(I_, gettext_noop(
        "Only the first %(expected)s of %(found)s pages were read automatically.")),
    "check_failed": Spec(W, gettext_noop(
        "An automatic check could not be completed (%(found)s). Your document was stored and will be "
        "checked by a caseworker.")),
    # --- MRZ (ICAO 9303) ----------------------------------------------------------------------
    "mrz_not_found": Spec(E, gettext_noop(
        "The machine-readable zone of your passport could not be found. Please upload a scan of the "
        "whole photo page, including the two lines of characters at the bottom.")),
    "mrz_unreadable": Spec(E, gettext_noop(
        "The machine-readable zone of your passport could not be read. Please upload a sharper scan "
        "of the photo page, without glare.")),
    "mrz_check_digit": Spec(E, gettext_noop(
        "A check digit in the machine-readable zone does not match (%(field)s). Please upload a "
        "sharper scan of the photo page, without glare. If the scan is sharp, please contact us.")),
    "mrz_corrected": Spec(I_, gettext_noop(
        "Some characters of the machine-readable zone were recognised uncertainly and were corrected "
        "with the check digits (%(found)s).")),
    "mrz_invalid_date": Spec(E, gettext_noop(
        "The %(field)s in the machine-readable zone is not a valid date (%(found)s). Please upload a "
        "sharper scan of the photo page.")),
    "mrz_name_uncertain": Spec(W, gettext_noop(
        "The name in the machine-readable zone could not be read with certainty. Please check it "
        "against the printed page; a caseworker will compare it too.")),
    "mrz_characters_uncertain": Spec(W, gettext_noop(
        "Some characters of the machine-readable zone (%(field)s) can be read in two ways that its "
        "check digits cannot tell apart, and the printed page did not settle it. Please check the "
        "printed page against the zone; a caseworker will compare them too.")),
    "mrz_name_truncated": Spec(I_, gettext_noop(
        "The name in the machine-readable zone is shortened because it is too long for the zone. "
        "This is normal.")),
    # --- document type ------------------------------------------------------------------------
    "document_type_unknown": Spec(W, gettext_noop(
        "We could not recognise what kind of document this is. Please check that you uploaded the "
        "right file and that the scan is readable.")),
    "document_type_unexpected": Spec(W, gettext_noop(
        "This looks like a %(found)s, but a %(expected)s was expected here. Please check that you "
        "uploaded the right file.")),
    # --- extraction ---------------------------------------------------------------------------
    "salary_not_found": Spec(W, gettext_noop(
        "The gross salary could not be found in the employment contract. Please make sure all pages "
        "of the contract are uploaded.")),
    "hours_not_found": Spec(I_, gettext_noop(
        "The weekly working hours could not be found in the employment contract.")),
    "start_date_not_found": Spec(I_, gettext_noop(
        "The start date could not be found in the employment contract.")),
    "degree_not_found": Spec(I_, gettext_noop(
        "The name of the degree could not be found on the certificate.")),
    "language_level_not_found": Spec(W, gettext_noop(
        "The language level (A1 to C2) could not be found on the certificate. Please upload the "
        "certificate page that shows the result.")),
    # --- cross-checks against the applicant's data --------------------------------------------
    "name_mismatch": Spec(W, gettext_noop(
        "The name in the document (%(found)s) does not match the name you entered (%(expected)s). "
        "Please enter your name exactly as in your passport, or upload the right document.")),
    "name_not_in_document": Spec(W, gettext_noop(
        "The surname you entered (%(expected)s) does not appear in this document. Please check that it is "
        "your own document, or upload the right one.")),
    # A contract's terms against the employment the application declares: amounts, hours and dates are
    # written in the reader's language when the message is shown (documents.selectors.finding_message).
    "contract_salary_differs": Spec(W, gettext_noop(
        "The contract states an annual gross salary of %(found)s, but the application states %(expected)s. "
        "Please check which is right: while the application is a draft, correct it or upload the contract that "
        "applies; once it is submitted, tell the case team in a message.")),
    "contract_hours_differ": Spec(W, gettext_noop(
        "The contract states %(found)s working hours a week, but the application states %(expected)s. "
        "Please check which is right: while the application is a draft, correct it or upload the contract that "
        "applies; once it is submitted, tell the case team in a message.")),
    "contract_start_differs": Spec(W, gettext_noop(
        "The contract names %(found)s as the start date, but the application states %(expected)s. "
        "Please check which is right: while the application is a draft, correct it or upload the contract that "
        "applies; once it is submitted, tell the case team in a message.")),
    "name_not_comparable": Spec(I_, gettext_noop(
        "The name you entered (%(expected)s) uses a script that cannot be compared automatically "
        "with the document. A caseworker will compare it.")),
    "birth_date_mismatch": Spec(E, gettext_noop(
        "The date of birth in the document (%(found)s) does not match the one you entered "
        "(%(expected)s). Please correct your profile or upload the right document.")),
    "nationality_mismatch": Spec(W, gettext_noop(
        "The nationality in the passport (%(found)s) differs from the one you entered "
        "(%(expected)s). If you hold more than one nationality, please upload the passport you will "
        "travel with.")),
    "passport_expired": Spec(E, gettext_noop(
        "Your passport expired on %(found)s. Please upload a valid passport.")),
    "passport_expires_before_stay_end": Spec(W, gettext_noop(
        "Your passport expires on %(found)s, before the end of your intended stay (%(expected)s). "
        "The residence title can only be issued while your passport is valid; please renew it in "
        "time.")),
    "salary_below_threshold": Spec(W, gettext_noop(
        "The annual gross salary in the contract (%(found)s EUR) is below the required minimum "
        "(%(expected)s EUR) for the residence title you chose.")),
}


# The caseworker's sentence where the catalogue's speaks to the applicant ("your passport", "please upload"):
# what the check found, in the third person, and what a caseworker checks. The same placeholders (a subset).
# A code not listed here reads the same for both (its message addresses nobody).
STAFF_MESSAGES: dict[str, str] = {
    "empty_file": gettext_noop("The file is empty."),
    "file_too_large": gettext_noop("The file is too large (%(found)s, at most %(expected)s allowed)."),
    "content_too_large": gettext_noop("The file is too large (%(found)s, at most %(expected)s allowed)."),
    "unsupported_type": gettext_noop("This file type is not accepted (%(found)s)."),
    "too_many_pages": gettext_noop("The PDF has %(found)s pages, at most %(expected)s are allowed."),
    "image_too_large": gettext_noop("The image is too large (%(found)s pixels, at most %(expected)s)."),
    "image_too_small": gettext_noop(
        "The image is very small (%(found)s pixels): its text may not be readable. Please look at the document "
        "itself."),
    "file_damaged": gettext_noop("The file is damaged and could not be opened."),
    "pdf_encrypted": gettext_noop("The PDF is protected by a password and could not be read."),
    "pdf_active_content": gettext_noop(
        "The PDF contains active content (%(found)s) and was not accepted for security reasons."),
    "no_text": gettext_noop("No text could be read from the document. Please look at the document itself."),
    "ocr_unavailable": gettext_noop(
        "The text recognition service was not available (%(found)s), so the document was not read automatically. "
        "Please look at the document itself."),
    "ocr_failed": gettext_noop(
        "The text of the document could not be recognised in time. Please look at the document itself."),
    "check_failed": gettext_noop(
        "An automatic check could not be completed (%(found)s). Please look at the document itself."),
    "mrz_not_found": gettext_noop(
        "The machine-readable zone of the passport could not be found on the scan. Please compare the printed "
        "data page with the application yourself."),
    "mrz_unreadable": gettext_noop(
        "The machine-readable zone of the passport could not be read. Please compare the printed data page with "
        "the application yourself."),
    "mrz_check_digit": gettext_noop(
        "A check digit in the machine-readable zone does not match (%(field)s): the scan may have been misread, "
        "or the zone does not match its data. Please compare the zone with the printed data page."),
    "mrz_invalid_date": gettext_noop(
        "The %(field)s in the machine-readable zone is not a valid date (%(found)s). Please compare it with the "
        "printed data page."),
    "mrz_name_uncertain": gettext_noop(
        "The name in the machine-readable zone could not be read with certainty. Please compare it with the "
        "printed data page."),
    "mrz_characters_uncertain": gettext_noop(
        "Some characters of the machine-readable zone (%(field)s) can be read in two ways that its check digits "
        "cannot tell apart, and the printed page did not settle it. Please compare the zone with the printed "
        "data page."),
    "document_type_unknown": gettext_noop(
        "The kind of document could not be recognised. Please check that it is the document expected here."),
    "document_type_unexpected": gettext_noop(
        "This looks like a %(found)s, but a %(expected)s was expected here."),
    "salary_not_found": gettext_noop(
        "The gross salary could not be found in the employment contract: some of its pages may be missing."),
    "language_level_not_found": gettext_noop(
        "The language level (A1 to C2) could not be found on the certificate."),
    "name_mismatch": gettext_noop(
        "The name in the document (%(found)s) does not match the name in the application (%(expected)s)."),
    "name_not_in_document": gettext_noop(
        "The applicant's surname (%(expected)s) does not appear in this document. Please check whose document it "
        "is."),
    "contract_salary_differs": gettext_noop(
        "The contract states an annual gross salary of %(found)s, but the application states %(expected)s. The "
        "conditions are judged on the application's figure: please clarify which applies."),
    "contract_hours_differ": gettext_noop(
        "The contract states %(found)s working hours a week, but the application states %(expected)s. The "
        "conditions are judged on the application's figure: please clarify which applies."),
    "contract_start_differs": gettext_noop(
        "The contract names %(found)s as the start date, but the application states %(expected)s. Please clarify "
        "which applies."),
    "name_not_comparable": gettext_noop(
        "The name in the application (%(expected)s) uses a script that cannot be compared automatically with the "
        "document. Please compare it yourself."),
    "birth_date_mismatch": gettext_noop(
        "The date of birth in the document (%(found)s) does not match the one in the application (%(expected)s)."),
    "nationality_mismatch": gettext_noop(
        "The nationality in the passport (%(found)s) differs from the one in the application (%(expected)s). The "
        "applicant may hold more than one nationality."),
    "passport_expired": gettext_noop("The passport expired on %(found)s."),
    "passport_expires_before_stay_end": gettext_noop(
        "The passport expires on %(found)s, before the end of the intended stay (%(expected)s). The residence "
        "title can only be issued while the passport is valid."),
    "salary_below_threshold": gettext_noop(
        "The annual gross salary in the contract (%(found)s EUR) is below the required minimum (%(expected)s EUR) "
        "for the residence title applied for."),
}


# What a person reads for the fields a finding names (the codes stay in the JSON for the machines).
FIELD_LABELS = {
    "document_number": gettext_noop("document number"),
    "birth_date": gettext_noop("date of birth"),
    "expiry_date": gettext_noop("date of expiry"),
    "optional_data": gettext_noop("personal number"),
    "composite": gettext_noop("overall check digit"),
    "surname": gettext_noop("surname"),
    "given_names": gettext_noop("given names"),
    "nationality": gettext_noop("nationality"),
    "issuing_state": gettext_noop("issuing state"),
    "sex": gettext_noop("sex"),
}


@dataclass(frozen=True)
class Finding:
    """One observation about a document. ``message`` is lazy: render it with ``text()``."""

    code: str
    severity: Severity
    field: str = ""
    expected: str = ""
    found: str = ""
    confidence: float = 1.0
    evidence: str = ""
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return CATALOGUE[self.code].msgid

    @property
    def message(self):
        """The translatable message (lazy; evaluating it needs Django settings)."""
        return gettext_lazy(self.msgid)

    def placeholders(self, translate=lambda text: text) -> dict[str, Any]:
        """The values of the message's placeholders; field codes ("birth_date, composite") become their
        labels ("date of birth, overall check digit"), passed through ``translate``."""
        field = ", ".join(translate(FIELD_LABELS[name]) if name in FIELD_LABELS else name
                          for name in (part.strip() for part in self.field.split(",")) if name)
        return {"field": field, "expected": self.expected, "found": self.found, **self.params}

    def text(self) -> str:
        """Render in the active language, or in English when Django is not configured."""
        from django.conf import settings

        if settings.configured:
            try:
                template = str(self.message)
            except Exception:  # noqa: BLE001 - apps not ready (plain scripts): English it is
                template = None
            if template is not None:
                return template % self.placeholders(gettext)
        return self.msgid % self.placeholders()

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": str(self.severity),
            "field": self.field,
            "expected": self.expected,
            "found": self.found,
            "confidence": round(self.confidence, 3),
            "evidence": self.evidence,
            "message_id": self.msgid,
            "params": {k: str(v) for k, v in self.params.items()},
        }


def finding(code: str, *, severity: Severity | None = None, field: str = "", expected: Any = "",
            found: Any = "", confidence: float = 1.0, evidence: str = "", **params: Any) -> Finding:
    """Build a finding from the catalogue; unknown codes are a programming error."""
    spec = CATALOGUE[code]
    return Finding(
        code=code,
        severity=severity or spec.severity,
        field=field,
        expected=_as_text(expected),
        found=_as_text(found),
        confidence=max(0.0, min(1.0, confidence)),
        evidence=evidence[:500],
        params=params,
    )


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def worst(findings: list[Finding]) -> Severity | None:
    order = [Severity.INFO, Severity.WARNING, Severity.ERROR]
    return max((f.severity for f in findings), key=order.index, default=None)
