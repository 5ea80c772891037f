"""The MRZ name line has no check digit: a name that was not read with certainty is compared with
the printed page (the visual inspection zone) and is never reported valid without it."""

import time
from datetime import date

from django.utils import translation

from documents.checks import glyphs, mrz, ocr, viz
from documents.checks.findings import finding
from documents.checks.limits import Limits
from documents.checks.pipeline import inspect_bytes
from documents.testing import documents as docs
from documents.testing import passports
from documents.testing.mrz_lines import build_td3

from .conftest import GOLDEN, needs_ocrb, needs_tesseract

PRINTED = ["REISEPASS / PASSPORT", "Name / Surname", "ERIKSSON", "Vornamen / Given names", "ANNA MARIA",
           "Pass-Nr. / Passport No.", "L898902C3"]


def _doubtful(line1: str = GOLDEN[0], alternatives=None) -> mrz.Mrz:
    found = mrz.read([line1, GOLDEN[1]], alternatives=alternatives or {})
    assert found.valid
    return found


def test_the_printed_name_confirms_an_uncertain_reading():
    found = _doubtful(GOLDEN[0].replace("ERIKSSON", "ERLKSSON"), {(0, 7): "LI"})
    confirmed = viz.confirm_name(found, "\n".join(PRINTED))
    assert confirmed is not None and confirmed.name_certain
    assert confirmed.lines == GOLDEN and confirmed.surname == "ERIKSSON"
    assert "name: settled with the printed page" in confirmed.corrections


def test_a_printed_name_that_differs_confirms_nothing():
    found = _doubtful(GOLDEN[0].replace("ERIKSSON", "ERLKSSON"), {(0, 7): "LI"})
    other = [x.replace("ERIKSSON", "ERIKSEN") for x in PRINTED]
    assert viz.confirm_name(found, "\n".join(other)) is None
    assert viz.confirm_name(found, "") is None


def test_two_readings_on_the_page_are_as_bad_as_none():
    found = _doubtful(GOLDEN[0].replace("ERIKSSON", "ERLKSSON"), {(0, 7): "LI"})
    assert viz.confirm_name(found, "\n".join(PRINTED + ["ERLKSSON"])) is None


def test_the_mrz_lines_on_the_page_are_no_witness_for_themselves():
    found = mrz.read(list(GOLDEN))  # plain text: doubtful
    assert viz.confirm_name(found, "\n".join(GOLDEN)) is None


def test_printed_spellings_with_diacritics_and_truncation():
    line1 = build_td3(surname="MUELLER", given_names="JUERGEN", number="L898902C3", nationality="AUT",
                          birth="740812", sex="M", expiry="320415")[0]
    assert viz.agrees(line1[5:], viz.words("Name / Surname\nMÜLLER\nGiven names\nJÜRGEN"))
    long_name = build_td3(surname="WOLFESCHLEGELSTEINHAUSENBERGERDORFF", given_names="HUBERT BLAINE",
                              number="L898902C3", nationality="USA", birth="740812", sex="M",
                              expiry="320415")[0]
    assert viz.agrees(long_name[5:], viz.words("WOLFESCHLEGELSTEINHAUSENBERGERDORFF\nHUBERT BLAINE"))
    assert not viz.agrees(long_name[5:], viz.words("WOLFESCHLEGELSTEIN\nHUBERT BLAINE"))


# --- the pipeline: text layers -----------------------------------------------------------------

def test_text_layer_passport_valid_only_when_the_printed_name_agrees():
    # A text layer is plain text: its number and dates must be printed on the page too.
    pdf = docs.text_pdf([PRINTED + ["12.08.1974", "15.04.2012"] + list(GOLDEN)])
    result = inspect_bytes(pdf, "passport.pdf")
    assert result.mrz_valid and result.fields["surname"] == "ERIKSSON"
    assert "mrz_name_uncertain" not in [f.code for f in result.findings]


def test_text_layer_passport_whose_printed_name_differs_is_not_valid():
    printed = [x.replace("ERIKSSON", "ERIKSEN") for x in PRINTED]
    result = inspect_bytes(docs.text_pdf([printed + list(GOLDEN)]), "passport.pdf",
                           context={"surname": "Eriksen", "today": date(2025, 1, 1)})
    assert result.mrz_valid is False
    uncertain = [f for f in result.findings if f.code == "mrz_name_uncertain"]
    assert len(uncertain) == 1
    with translation.override("en"):
        assert uncertain[0].text() == ("The name in the machine-readable zone could not be read with certainty. "
                                       "Please check it against the printed page; a caseworker will compare it too.")
    # The checked fields are kept; the uncertain name is not put in the case file as read.
    assert result.fields["passport_number"] == "L898902C3" and "surname" not in result.fields
    assert "name_mismatch" not in [f.code for f in result.findings]


# --- the pipeline: scanned pages whose name line is deliberately misread ------------------------

def _doubt_a_name_cell(monkeypatch, wrong: str, right: str):
    """The glyph classifier reads the first ``right`` of the names as ``wrong``, with ``right`` a
    close second (a doubtful cell)."""
    real = glyphs.classify_many

    def misreading(cut):
        scores = real(cut)
        k = next(k for k in range(5, 44) if max(scores[k], key=scores[k].get) == right)
        scores[k] = {**scores[k], wrong: scores[k][right] + 0.01}
        return scores

    monkeypatch.setattr(glyphs, "classify_many", misreading)


def _line_reread_as(monkeypatch, right: str, wrong: str):
    """Tesseract's reading of the names line alone (``--psm 7``) with ``right`` read as ``wrong``."""
    real = ocr.recognise

    def misreading(image, **kwargs):
        read = real(image, **kwargs)
        if kwargs.get("psm") == 7:
            return ocr.OcrText(text=read.text.replace(right, wrong))
        return read

    monkeypatch.setattr(ocr, "recognise", misreading)


def _page(seed: int, surname: str, printed_surname: str | None = None):
    truth = passports.random_passport(seed)
    truth = passports.PassportData(surname, "Anna", "SWE", truth.number, truth.birth_date, "F", truth.expiry_date)
    if printed_surname is None:
        return passports.make_passport(truth, seed=seed)
    lines = truth.mrz_lines()
    printed = passports.PassportData(printed_surname, truth.given_names, truth.nationality, truth.number,
                                     truth.birth_date, truth.sex, truth.expiry_date)
    page = passports.render_page(printed, lines, seed=seed)
    return passports.GeneratedPassport(passports.encode(page, "png")[0], "p.png", "image/png", truth, lines)


@needs_tesseract
@needs_ocrb
def test_a_doubtful_name_cell_is_settled_by_a_second_reading_of_the_line(monkeypatch):
    page = _page(31, "Eriksson")
    _doubt_a_name_cell(monkeypatch, "B", "S")  # ERIKBSON, with S close behind
    result = inspect_bytes(page.data, page.filename)
    assert result.mrz_valid and tuple(result.mrz) == page.mrz_lines
    assert result.fields["surname"] == "ERIKSSON"


@needs_tesseract
@needs_ocrb
def test_a_doubtful_name_cell_the_second_reading_cannot_settle_is_settled_by_the_printed_page(monkeypatch):
    page = _page(31, "Eriksson")
    _doubt_a_name_cell(monkeypatch, "B", "S")
    _line_reread_as(monkeypatch, "ERIKSSON", "ERIKXSON")  # agrees with neither reading
    result = inspect_bytes(page.data, page.filename)
    assert result.mrz_valid and tuple(result.mrz) == page.mrz_lines
    assert result.fields["surname"] == "ERIKSSON"


@needs_tesseract
@needs_ocrb
def test_a_misread_name_the_page_does_not_confirm_is_never_valid(monkeypatch):
    page = _page(32, "Eriksson", printed_surname="Larsson")  # the page prints another name
    _doubt_a_name_cell(monkeypatch, "B", "S")
    _line_reread_as(monkeypatch, "ERIKSSON", "ERIKXSON")
    result = inspect_bytes(page.data, page.filename)
    assert result.mrz_valid is False
    assert "mrz_name_uncertain" in [f.code for f in result.findings]
    assert "surname" not in result.fields
    assert result.fields["passport_number"] == page.truth.number  # the checked fields are still read


# --- the page budget ----------------------------------------------------------------------------

@needs_tesseract
def test_a_page_over_its_reading_budget_is_reported_unreadable(monkeypatch):
    page = _page(33, "Eriksson")

    def stalls(image, **kwargs):  # a Tesseract call that would outlive the budget is stopped by it
        assert kwargs["timeout"] <= 0.5
        return ocr.OcrSymbols(findings=[finding("ocr_failed", found="timeout")])

    monkeypatch.setattr(ocr, "recognise_mrz_symbols", stalls)
    monkeypatch.setattr(glyphs, "available", lambda: False)  # as without the training fonts: Tesseract reads
    began = time.monotonic()
    result = inspect_bytes(page.data, page.filename, limits=Limits(mrz_seconds=0.5, page_seconds=1.0))
    assert time.monotonic() - began < 5
    assert result.mrz_valid is None
    assert "ocr_failed" in [f.code for f in result.findings]


@needs_tesseract
def test_full_page_ocr_keeps_to_the_page_budget():
    data = docs.make_text_image(docs.degree_lines(docs.DegreeData()))
    began = time.monotonic()
    result = inspect_bytes(data, "degree.png", limits=Limits(page_seconds=0.05))
    assert time.monotonic() - began < 5
    assert "ocr_failed" in [f.code for f in result.findings]


def test_a_band_of_noise_rows_is_not_blown_up_beyond_the_budget():
    import numpy as np

    from documents.checks import mrz_image

    band = np.full((60, 1500), 255, np.uint8)
    band[10, 100:1400] = 0  # two one-pixel "text rows" across the band, as salt noise can make
    band[40, 100:1400] = 0
    scaled = mrz_image._normalise_height(band)
    assert scaled.shape[1] <= mrz_image.MAX_BAND_WIDTH


def test_printed_dates_in_the_usual_forms():
    assert viz.printed_dates("12.08.1974 / 15 APR 2032\n03/04/99 01 MAY 25") == {
        (12, 8, 74), (15, 4, 32), (3, 4, 99), (1, 5, 25)}


def test_without_a_second_opinion_number_and_dates_must_be_printed_too():
    found = mrz.read(list(GOLDEN))  # plain OCR text
    assert not found.second_opinion
    with_dates = PRINTED + ["Date of birth", "12.08.1974", "Date of expiry", "15.04.2012"]
    assert viz.confirm_name(found, "\n".join(with_dates)) is not None
    assert viz.confirm_name(found, "\n".join(PRINTED)) is None  # dates not on the page
    wrong_number = [x.replace("L898902C3", "L898902G3") for x in with_dates]
    assert viz.confirm_name(found, "\n".join(wrong_number)) is None
