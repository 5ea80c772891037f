"""Image clean-up, PDF text and rendering, the Tesseract wrapper."""

import cv2
import numpy as np
import pytest

from documents.checks import image as im
from documents.checks import limits, ocr, pdf
from documents.testing import documents as docs

from .conftest import needs_tesseract, passport


def test_load_gives_grey_and_honours_alpha():
    gray = im.load(passport(2, "png").data)
    assert gray.ndim == 2 and gray.dtype == np.uint8
    rgba = np.zeros((10, 10, 4), np.uint8)  # fully transparent black: paper, not ink
    from PIL import Image
    assert im.to_gray(Image.fromarray(rgba, "RGBA")).min() == 255


@pytest.mark.parametrize("angle", [-5.0, -2.0, 3.0, 6.0])
def test_skew_angle_is_measured_and_removed(angle):
    gray = im.load(passport(2, "png", rotation=angle).data)
    assert im.skew_angle(gray) == pytest.approx(angle, abs=0.7)
    straight, measured = im.deskew(gray)
    assert abs(im.skew_angle(straight)) < 0.7


def test_binarise_is_black_and_white():
    gray = im.load(passport(2, "jpeg", noise=10).data)
    out = im.binarise(gray)
    assert set(np.unique(out)) <= {0, 255}


def test_rotate90_is_exact():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert np.array_equal(im.rotate90(im.rotate90(gray, 1), 3), gray)


def test_limit_size():
    gray = np.zeros((4000, 1000), np.uint8)
    assert max(im.limit_size(gray, 2000).shape) == 2000


def test_pdf_text_layer():
    info = limits.open_pdf(docs.make_contract_pdf())
    texts, findings = pdf.page_texts(info.reader)
    assert "Arbeitsvertrag" in texts[0] and "Kündigung" in texts[0]
    assert pdf.has_text(texts[0]) and findings == []


def test_image_only_pdf_has_no_text_and_renders_bounded():
    data = passport(3, "pdf").data
    info = limits.open_pdf(data)
    texts, _ = pdf.page_texts(info.reader)
    assert not pdf.has_text(texts[0])
    small = limits.Limits(render_dpi=300, max_render_side=800)
    images, findings = pdf.render_pages(data, [0], small)
    assert max(images[0].shape) <= 800 and images[0].ndim == 2 and findings == []


def test_render_refuses_garbage_with_a_finding():
    images, findings = pdf.render_pages(b"%PDF-1.4 nothing", [0])
    assert images == [] and [f.code for f in findings] == ["file_damaged"]


def test_ocr_unavailable_binary_is_a_finding(monkeypatch):
    monkeypatch.setattr(ocr.pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr.availability.cache_clear()
    try:
        result = ocr.recognise(np.full((50, 50), 255, np.uint8))
        assert [f.code for f in result.findings] == ["ocr_unavailable"]
        assert ocr.recognise_mrz_symbols(np.full((50, 50), 255, np.uint8)).findings[0].code == "ocr_unavailable"
    finally:
        ocr.availability.cache_clear()


@needs_tesseract
def test_ocr_missing_language_is_a_finding():
    status = ocr.availability("deu+xxx")
    assert not status.ok and "xxx" in status.reason
    assert ocr.recognise(np.full((50, 50), 255, np.uint8), lang="deu+xxx").findings[0].code == "ocr_unavailable"


@needs_tesseract
def test_ocr_reads_german_text():
    page = np.full((120, 900), 255, np.uint8)
    cv2.putText(page, "Arbeitsvertrag Gehalt", (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    assert "Arbeitsvertrag" in ocr.recognise(page, psm=7).text


@needs_tesseract
def test_ocr_reads_every_kind_of_image_the_checks_hand_it():
    """Tesseract gets the pixels as a netpbm file (no PNG compression): grey, black-and-white and
    colour images all read the same text."""
    page = np.full((120, 900), 255, np.uint8)
    cv2.putText(page, "Arbeitsvertrag Gehalt", (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.6, 0, 3)
    for image in (page, page > 127, cv2.cvtColor(page, cv2.COLOR_GRAY2RGB)):
        assert "Arbeitsvertrag" in ocr.recognise(image, psm=7).text
    boxes = ocr.recognise_mrz_symbols(page > 127)
    assert boxes.findings == [] and boxes.symbols


@needs_tesseract
def test_the_check_worker_asks_tesseract_once_not_in_every_check(monkeypatch):
    """The worker learns tesseract's version and languages before it forks a check; a check then
    does not start tesseract to ask them again."""
    from documents.checks import sandbox

    ocr.availability.cache_clear()
    try:
        sandbox.inspect_isolated(b"not a document", "note.txt")
        calls = []
        monkeypatch.setattr(ocr.pytesseract, "get_languages", lambda **kw: calls.append(kw) or [])
        assert ocr.availability(ocr.DEFAULT_LANG).ok and ocr.availability(ocr.MRZ_LANG).ok and calls == []
    finally:
        ocr.availability.cache_clear()
