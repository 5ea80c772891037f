"""The document check pipeline: ``inspect_bytes`` runs the steps in order and never raises.

Steps: size -> content type -> structure limits (PDF or image header) -> text layer or page
images -> MRZ -> OCR (only when there is no text layer and no MRZ) -> a second reading of a scanned
contract -> type -> fields -> cross-checks. Each step is a small function on an ``InspectionResult``
being filled in; a step that finds a blocking error stops the run, and any unexpected exception becomes a
``check_failed`` finding, so hostile bytes end in findings, never in a crashed worker.

Called from the Celery task (under a hard time limit) and from ``manage.py inspect_document``.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import numpy as np

from . import classify as cls
from . import crosscheck, extract, glyphs, mrz, mrz_image, ocr, pdf, sniff, viz
from . import image as im
from . import limits as limit_checks
from .crosscheck import Context
from .errors import PASS_THROUGH
from .findings import Finding, Severity, finding
from .limits import DEFAULT, Limits

log = logging.getLogger(__name__)

MAX_TEXT = 200_000  # characters kept from a text layer or OCR
JSON_TEXT = 5_000  # characters of text put into the JSON result


@dataclass
class InspectionResult:
    filename: str = ""
    size: int = 0
    content_type: str | None = None
    page_count: int = 0
    document_type: str = cls.UNKNOWN
    document_type_confidence: float = 0.0
    fields: dict[str, Any] = field(default_factory=dict)
    mrz: list[str] = field(default_factory=list)
    mrz_valid: bool | None = None  # None: no MRZ was looked for or none was found
    text: str = ""
    ocr_used: bool = False
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    # working state, not part of the result
    images: list[np.ndarray] = field(default_factory=list, repr=False)
    started: float = field(default_factory=time.monotonic, repr=False)
    mrz_result: mrz.Mrz | None = field(default=None, repr=False)
    # The MRZ search ran out of time on an image: "unreadable" only if the page turns out to be an
    # identity document or no text at all, not when it is a scanned contract (see step_classify).
    mrz_unread: list[Finding] = field(default_factory=list, repr=False)
    # OCR of scanned pages: the deskewed pages (a page in two columns as two), the time the reading must
    # end by, and the text of the pages under each image variant read so far (the first is ``text``; see
    # step_reread)
    ocr_pages: list[np.ndarray] = field(default_factory=list, repr=False)
    ocr_pages_uneven: list[bool] = field(default_factory=list, repr=False)  # each page lit unevenly, measured once
    ocr_deadline: float = 0.0
    readings: list[str] = field(default_factory=list, repr=False)
    reading_views: list[str] = field(default_factory=list, repr=False)  # what each reading saw (``_view``)
    # set by sandbox.inspect_isolated: the child's resident memory in kB ({start_rss_kb, peak_rss_kb})
    memory: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def blocked(self) -> bool:
        return any(f.severity == Severity.ERROR for f in self.findings)

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "size": self.size,
            "content_type": self.content_type,
            "page_count": self.page_count,
            "document_type": self.document_type,
            "document_type_confidence": self.document_type_confidence,
            "fields": {k: _json_value(v) for k, v in self.fields.items()},
            "mrz": list(self.mrz),
            "mrz_valid": self.mrz_valid,
            "ocr_used": self.ocr_used,
            "text": self.text[:JSON_TEXT],
            "findings": [f.to_json_dict() for f in self.findings],
            "seconds": round(self.seconds, 3),
        }


def _json_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def inspect_bytes(data: bytes, filename: str, *, context: Context | dict | None = None,
                  limits: Limits = DEFAULT) -> InspectionResult:
    """Check one uploaded file. ``context`` carries the applicant's entries for cross-checks
    (``crosscheck.Context`` or a dict with its field names)."""
    started = time.perf_counter()
    result = InspectionResult(filename=filename or "", size=len(data or b""))
    try:
        ctx = Context.from_any(context)
        for step in STEPS:
            step(result, data or b"", ctx, limits)
            if result.blocked and step in BLOCKING_STEPS:
                break
    except PASS_THROUGH:
        raise
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never crash the worker
        log.exception("document check failed")
        result.findings.append(finding("check_failed", found=type(exc).__name__, confidence=0.0))
    result.images = []
    result.ocr_pages = []
    result.seconds = time.perf_counter() - started
    return result


# --- steps ------------------------------------------------------------------------------------

def step_size(result: InspectionResult, data: bytes, ctx: Context, lim: Limits) -> None:
    result.findings += limit_checks.check_size(data, lim)


def step_sniff(result: InspectionResult, data: bytes, ctx: Context, lim: Limits) -> None:
    sniffed = sniff.sniff(data, result.filename)
    result.content_type = sniffed.content_type
    if not sniffed.allowed:
        result.findings.append(finding("unsupported_type", found=sniffed.detected))
    elif result.filename and not sniffed.extension_matches:
        suffix = result.filename.rsplit(".", 1)[-1] if "." in result.filename else ""
        result.findings.append(finding("extension_mismatch", expected=f".{suffix}" if suffix else "(none)",
                                       found=sniffed.detected))


def step_structure(result: InspectionResult, data: bytes, ctx: Context, lim: Limits) -> None:
    """PDF: open, count pages, refuse encryption and active content, read the text layer or
    render the pages. Image: check the header's dimensions, then decode."""
    if result.content_type == sniff.PDF:
        _open_pdf(result, data, lim)
    else:
        result.findings += limit_checks.check_image(data, result.content_type or "", lim)
        if result.blocked:
            return
        try:
            result.images = [im.limit_size(im.load(data), lim.max_render_side)]
        except PASS_THROUGH:
            raise
        except Exception as exc:  # noqa: BLE001 - a header that verified can still hide bad pixel data
            result.findings.append(finding("file_damaged", evidence=f"{type(exc).__name__}: {exc}"[:200]))
            return
        result.page_count = 1


def _open_pdf(result: InspectionResult, data: bytes, lim: Limits) -> None:
    info = limit_checks.open_pdf(data, lim)
    result.findings += info.findings
    result.page_count = info.page_count
    if not info.usable:
        return
    streams = limit_checks.check_pdf_streams(info.reader, lim)
    if streams:  # a bomb: nothing may decode it
        result.findings += streams
        return
    texts, notes = pdf.page_texts(info.reader, lim)
    text = "\n".join(texts)
    if pdf.has_text(text):
        result.text = text[:MAX_TEXT]
        result.findings += notes
        return
    images, notes = pdf.render_pages(data, list(range(info.page_count)), lim)
    result.images = images
    result.findings += notes


def step_mrz(result: InspectionResult, data: bytes, ctx: Context, lim: Limits) -> None:
    """A text layer may carry the MRZ (scanner OCR); otherwise look for it on each page image.
    A name line read uncertainly is compared with the printed page (``viz``) before the MRZ
    counts as valid; the whole step keeps to the page budget."""
    # Uploaded as a contract, a certificate...: the page's time goes to reading its text, not to the
    # search for a machine-readable zone (a passport in the wrong slot is still told apart by its text).
    identity_images = result.images if ctx.expected_document_type in ("", *IDENTITY_TYPES) else []
    if identity_images:
        glyphs.bank()  # once per process (the check worker builds it before forking): not the page's time
    deadline = time.monotonic() + lim.mrz_seconds
    found = mrz.read(result.text.splitlines()) if result.text else None
    upright = name_line = None
    for gray in identity_images:
        if found is not None and found.valid:
            break
        read = mrz_image.read(gray, today=ctx.today, budget=max(0.0, deadline - time.monotonic()))
        if read.mrz is not None and (found is None or mrz.rank(read.mrz) > mrz.rank(found)):
            found, upright, name_line = read.mrz, im.rotate90(gray, read.page_turns), read.name_line
        if read.timed_out and not (read.mrz is not None and read.mrz.valid):
            result.mrz_unread += read.findings  # "unreadable" only for an identity document (step_classify)
            break
        result.findings += read.findings
        if read.findings:  # OCR unavailable or out of time: no point in trying further pages
            break
    if found is None:
        return
    printed = viz.PrintedPage(upright, result.text, deadline=deadline)
    if viz.settleable(found) and not found.problems and all(found.checks.values()):
        found = viz.settle_fields(found, printed.text, today=ctx.today) or found
    if found.valid and not found.name_certain:
        found = (mrz_image.confirm_name_line(found, name_line, deadline=deadline)
                 or viz.confirm_name(found, printed.text) or found)
    result.mrz_result = found
    result.mrz = list(found.lines)
    result.mrz_valid = found.valid and found.name_certain
    result.findings += mrz_findings(found)
    if found.valid:
        fields = found.fields()
        if not found.name_certain:  # nothing uncertain is put in the case file as read
            fields = {k: v for k, v in fields.items() if k not in ("surname", "given_names")}
        result.fields.update({k: v for k, v in fields.items() if v not in ("", None)})


def mrz_findings(found: mrz.Mrz) -> list[Finding]:
    out: list[Finding] = []
    evidence = "\n".join(found.lines)
    if found.valid:
        if not found.name_certain:
            out.append(finding("mrz_name_uncertain", field="surname, given_names",
                               found="; ".join(found.name_doubts)[:200], confidence=0.6, evidence=evidence))
        if found.corrections:
            out.append(finding("mrz_corrected", found="; ".join(found.corrections), confidence=0.9,
                               evidence=evidence))
        if found.name_truncated:
            out.append(finding("mrz_name_truncated", field="given_names", evidence=evidence))
        return out
    failed = [name for name, ok in found.checks.items() if not ok]
    if failed:
        out.append(finding("mrz_check_digit", field=", ".join(failed), confidence=0.8, evidence=evidence))
    dates = [(f, raw) for code, f, raw in found.problems if code == "mrz_invalid_date"]
    for field_name, raw in dates:
        out.append(finding("mrz_invalid_date", field=field_name, found=raw, confidence=0.8, evidence=evidence))
    unreadable = [f for code, f, _ in found.problems if code == "mrz_unreadable"]
    if unreadable and not failed:
        out.append(finding("mrz_unreadable", field=", ".join(unreadable)[:200], confidence=0.7, evidence=evidence))
    if found.field_alternatives and not failed:
        readings = "; ".join(f"line {ln + 1} position {pos + 1}: {' or '.join(chars)}"
                             for (ln, pos), chars in found.field_alternatives)
        out.append(finding("mrz_characters_uncertain", field=", ".join(found.uncertain_fields), found=readings[:200],
                           confidence=0.6, evidence=evidence))
    return out


def step_ocr(result: InspectionResult, data: bytes, ctx: Context, lim: Limits) -> None:
    """Full-page OCR only when there is neither a text layer nor an MRZ (a passport is fully
    described by its MRZ; OCR of the whole page would only cost time)."""
    if result.text or result.mrz_result is not None or not result.images or _ocr_down(result):
        return
    pages = result.images[: lim.ocr_pages]
    result.ocr_deadline = result.started + lim.page_seconds * len(pages)
    # A table's rules painted over and a page's two columns read one after the other: the OCR took the
    # rules for characters and ran each line on across a narrow gutter.
    result.ocr_pages = [column for gray in pages for column in im.rules_and_columns(im.deskew(gray)[0])]
    result.ocr_pages_uneven = [im.lit_unevenly(page) for page in result.ocr_pages]
    text = _read_pages(result, SCAN_VARIANTS[0], first=True)
    if text is not None:
        result.text = text


def _read_pages(result: InspectionResult, variant, *, first: bool = False) -> str | None:
    """The pages' text under one image variant, kept as a reading with the view it was made under; None
    when the OCR failed or the time ran out (for the first reading that is a finding; a further reading
    is only not there) or the variant would only repeat a reading: the page seen as an earlier reading
    saw it would confirm its own misreads."""
    view = _view(variant, any(result.ocr_pages_uneven))
    if view in result.reading_views:
        return None
    texts = []
    for page, uneven in zip(result.ocr_pages, result.ocr_pages_uneven, strict=True):
        remaining = result.ocr_deadline - time.monotonic()
        if not first and remaining < MIN_REREAD_SECONDS:
            return None
        read = ocr.recognise(variant(page), psm=3, config=_ocr_config(variant, uneven), timeout=max(0.5, remaining))
        result.ocr_used = True
        if not read.ok:
            if first:
                result.findings += read.findings
            return None
        texts.append(read.text)
    text = "\n".join(texts)[:MAX_TEXT]
    result.readings.append(text)
    result.reading_views.append(view)
    return text


def _as_scanned(page: np.ndarray) -> np.ndarray:
    return page


def _locally_thresholded(page: np.ndarray) -> np.ndarray:
    """The page as scanned, for tesseract's local threshold (``_ocr_config``)."""
    return page


# Tesseract's own threshold is one grey level for the whole page (Otsu): on a page lit unevenly it turns
# the dark side black, and on a low-resolution page darker at one side the first reading came out empty.
# Its local threshold (Sauvola: each pixel against the mean and spread of its neighbourhood) reads such a
# page as scanned; the second reading, of the same page with its light evened, still differs in its pixels.
LOCAL_THRESHOLD = "-c thresholding_method=2"


def _ocr_config(variant, uneven: bool) -> str:
    """Tesseract's options for a page under one variant (``uneven``: the page is lit unevenly)."""
    return LOCAL_THRESHOLD if _view(variant, uneven) == VIEW_LOCAL_THRESHOLD else ""


# What a reading saw: the pages' treatment under tesseract's threshold. A page lit unevenly is read as
# scanned under the local threshold (Otsu's would black out its dark side) and then with its light evened.
VIEW_LOCAL_THRESHOLD, VIEW_EVENED = "as scanned, local threshold", "light evened"
VIEW_AS_SCANNED, VIEW_SMOOTHED, VIEW_EVENED_THRESHOLD = "as scanned", "smoothed", "evened, thresholded half way"
# The local threshold and the light evened are two ways of evening one page's light: they misread a digit
# alike ("2.900,00" as "2.908,00" both), so readings under either are one witness.
WITNESS_OF_VIEW = {VIEW_LOCAL_THRESHOLD: VIEW_EVENED}


def _view(variant, uneven: bool) -> str:
    if variant is _locally_thresholded or (variant is _as_scanned and uneven):
        return VIEW_LOCAL_THRESHOLD
    if variant is _as_scanned:
        return VIEW_AS_SCANNED
    if variant is im.evened_or_smoothed:
        return VIEW_EVENED if uneven else VIEW_SMOOTHED
    return VIEW_EVENED_THRESHOLD


def _witnesses(result: InspectionResult) -> list[str]:
    return [WITNESS_OF_VIEW.get(view, view) for view in result.reading_views]


# The image variants a scan is read in, in order: as scanned; with its light evened if it is uneven, else
# smoothed a little; evened and thresholded half way, whose misreads differ most from the others'; as
# scanned under the local threshold, which on an evenly lit page of blurred small type keeps lines the
# others lose (a fourth witness when no two of three readings confirm a figure).
SCAN_VARIANTS = (_as_scanned, im.evened_or_smoothed, im.evened_threshold, _locally_thresholded)
# The readings that must all agree on a field of an unsteady page; a further one is asked only for the fields
# they left unconfirmed, and takes none away unless it reads it otherwise.
READINGS_ASKED_FOR_ALL = 3
# A further reading is not started with less time than this left on the page budget.
MIN_REREAD_SECONDS = 1.0


def step_reread(result: InspectionResult, data: bytes, ctx: Context, lim: Limits) -> None:
    """A scan uploaded as a contract, or read as one, is read a second time (``SCAN_VARIANTS``): its
    figures count only when readings agree (``extract.agree_contract``), and a page the first reading
    lost to uneven light may come out of the second."""
    if len(result.readings) != 1:
        return
    if ctx.expected_document_type != cls.CONTRACT and _kind(result, result.text) != cls.CONTRACT:
        return
    second = _read_pages(result, SCAN_VARIANTS[1])
    if second is None:
        return
    if _kind(result, result.text) != cls.CONTRACT and _kind(result, second) == cls.CONTRACT:
        result.text = second


def _kind(result: InspectionResult, text: str) -> str:
    return cls.classify(text, is_image=result.content_type in (sniff.JPEG, sniff.PNG)).document_type


def _ocr_down(result: InspectionResult) -> bool:
    return any(f.code in ("ocr_unavailable", "ocr_failed") for f in result.findings)


def step_classify(result: InspectionResult, data: bytes, ctx: Context, lim: Limits) -> None:
    found = result.mrz_result
    is_image = result.content_type in (sniff.JPEG, sniff.PNG)
    classification = cls.classify(
        result.text, mrz_format=found.format if found else None, mrz_valid=bool(found and found.valid),
        is_image=is_image,
    )
    result.document_type = classification.document_type
    result.document_type_confidence = classification.confidence
    words_tell = crosscheck.words_tell_the_type(ctx, mrz_found=found is not None)
    if result.document_type in (cls.PASSPORT, cls.ID_CARD) and not words_tell:
        result.document_type, result.document_type_confidence = cls.UNKNOWN, 0.0
    if result.document_type in (cls.PASSPORT, cls.ID_CARD, cls.PHOTO, cls.UNKNOWN):
        result.findings += result.mrz_unread
    ocr_down = _ocr_down(result)
    if result.document_type in (cls.PASSPORT, cls.ID_CARD) and found is None:
        result.findings.append(finding("mrz_not_found", confidence=0.7))
    elif result.document_type == cls.UNKNOWN and not ocr_down:
        if not pdf.has_text(result.text):
            result.findings.append(finding("no_text", confidence=0.8))
        elif words_tell:
            # In a slot whose documents the classifier cannot tell, "not recognised" is no news.
            result.findings.append(finding("document_type_unknown", confidence=0.6))
    result.findings += crosscheck.check_document_type(result.document_type, ctx, mrz_found=found is not None)


def step_extract(result: InspectionResult, data: bytes, ctx: Context, lim: Limits) -> None:
    kind = result.document_type
    # A figure missing is news only where the document is what its words say: an employer's declaration
    # reads like a contract, but nobody asks it for the weekly hours (words_tell_the_type).
    missing_matters = crosscheck.words_tell_the_type(ctx, mrz_found=result.mrz_result is not None)
    if kind == cls.CONTRACT:
        got = _contract_fields(result)
        extract.drop_far_start(got, today=ctx.today or date.today())
        result.fields.update(got.fields)
        for name, code in (("annual_gross_salary", "salary_not_found"), ("weekly_hours", "hours_not_found"),
                           ("start_date", "start_date_not_found")):
            if name not in got.fields and missing_matters:
                result.findings.append(finding(code, field=name, confidence=0.6))
    elif kind == cls.DEGREE:
        got = extract.extract_degree(result.text)
        result.fields.update(got.fields)
        if "degree" not in got.fields and missing_matters:
            result.findings.append(finding("degree_not_found", field="degree", confidence=0.6))
    elif kind == cls.LANGUAGE:
        got = extract.extract_language(result.text)
        result.fields.update({k: v for k, v in got.fields.items() if v})
        if "language_level" not in got.fields and missing_matters:
            result.findings.append(finding("language_level_not_found", field="language_level", confidence=0.6))


def _contract_fields(result: InspectionResult) -> extract.Extracted:
    """From a text layer, what it says; from a scan, what the readings agree on, with one more reading
    when a field is not confirmed yet."""
    if not result.readings:
        return extract.extract_contract(result.text)
    extracted = [extract.extract_contract(text) for text in result.readings]
    agreed = extract.agree_contract(extracted, witnesses=_witnesses(result))
    for variant in SCAN_VARIANTS[len(result.readings):]:
        if not agreed.unconfirmed:
            break
        text = _read_pages(result, variant)
        if text is None:
            break
        extracted.append(extract.extract_contract(text))
        before, agreed = agreed, extract.agree_contract(extracted, witnesses=_witnesses(result))
        if len(extracted) > READINGS_ASKED_FOR_ALL:
            agreed = extract.keep_confirmed(before, agreed, extracted[-1])
    return agreed.extracted


def step_crosscheck(result: InspectionResult, data: bytes, ctx: Context, lim: Limits) -> None:
    found = result.mrz_result
    if found is not None and found.valid:
        # Without a certain name the fields carry none, so only birth date and nationality are compared.
        result.findings += crosscheck.check_identity(result.fields, ctx, truncated=found.name_truncated)
    if found is not None and found.checks.get("expiry_date") and found.expiry_date is not None:
        # The expiry date has its own check digit: when it holds, an expired passport is reported
        # even if another field of the zone is unreadable or its check digit is wrong.
        result.findings += crosscheck.check_expiry(found.expiry_date, ctx)
    if result.document_type == cls.CONTRACT:
        result.findings += crosscheck.check_salary(result.fields.get("annual_gross_salary"), ctx)
        result.findings += crosscheck.check_contract_terms(result.fields, ctx)
    result.findings += crosscheck.check_name_in_text(result.text, ctx, result.document_type)


# Upload slots whose images are searched for a machine-readable zone.
IDENTITY_TYPES = (cls.PASSPORT, cls.ID_CARD, cls.PHOTO, cls.UNKNOWN, "other")
STEPS = (step_size, step_sniff, step_structure, step_mrz, step_ocr, step_reread, step_classify, step_extract,
         step_crosscheck)
# After these, an error means there is nothing (safe) left to read.
BLOCKING_STEPS = (step_size, step_sniff, step_structure)
