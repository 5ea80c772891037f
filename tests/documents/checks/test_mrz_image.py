"""Finding and reading the MRZ on generated passport pages (needs Tesseract)."""

import numpy as np
import pytest

from documents.checks import image as im
from documents.checks import mrz_image
from documents.testing import passports

from .conftest import needs_ocrb, needs_tesseract, passport


def test_locate_finds_the_two_line_band_at_the_bottom():
    gray = im.load(passport(5, "png").data)
    band = mrz_image.locate(gray)[0]
    assert band.method == "morphology" and band.lines == 2
    assert band.crop.shape[1] > 0.8 * gray.shape[1]


def test_locate_falls_back_to_the_bottom_quarter():
    blank = np.full((400, 600), 255, np.uint8)
    bands = mrz_image.locate(blank)
    assert [b.method for b in bands] == ["bottom"] and bands[0].crop.shape[0] == 112


def test_page_on_its_side_has_no_horizontal_text():
    gray = im.load(passport(5, "png").data)
    assert mrz_image.has_horizontal_text(gray)
    assert not mrz_image.has_horizontal_text(im.rotate90(gray, 1))


@needs_ocrb
def test_filler_shape_test_on_rendered_glyphs():
    from PIL import Image, ImageDraw
    face = passports.font("ocrb", 60)
    for char, expected in (("<", True), ("K", False), ("C", False), ("X", False), ("E", False), ("T", False)):
        canvas = Image.new("L", (80, 80), 0)
        ImageDraw.Draw(canvas).text((10, 70), char, font=face, fill=255, anchor="ls")
        assert mrz_image.is_filler(np.asarray(canvas) > 128) is expected, char


def test_alignment_puts_fillers_where_the_shapes_are():
    # Tesseract read "<<" as "K" and dropped one symbol: the shapes restore the cells.
    cells = mrz_image.align("AKB", [False, True, True, False])
    assert cells[0] == "A" and cells[3] == "B"


@needs_tesseract
@needs_ocrb
@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_reads_the_exact_mrz_of_a_clean_page(fmt):
    generated = passport(11, fmt)
    read = mrz_image.read(im.load(generated.data))
    assert read.mrz is not None and read.mrz.valid
    assert read.mrz.lines == generated.mrz_lines


@needs_tesseract
@needs_ocrb
@pytest.mark.parametrize("options", [
    {"rotation": 4.0}, {"rotation": -3.0, "blur": 1.0}, {"rotation": 180}, {"rotation": 90},
    {"noise": 15, "jpeg_quality": 60}, {"scale": 0.8, "blur": 0.5},
])
def test_reads_degraded_pages(options):
    generated = passport(21, "jpeg", **options)
    read = mrz_image.read(im.load(generated.data))
    assert read.mrz is not None and read.mrz.valid
    assert read.mrz.lines == generated.mrz_lines


@needs_tesseract
@needs_ocrb
def test_golden_specimen_rendered_and_read(golden):
    from datetime import date
    truth = passports.PassportData("Eriksson", "Anna Maria", "UTO", "L898902C3", date(1974, 8, 12), "F",
                                   date(2012, 4, 15), personal_number="ZE184226B")
    assert truth.mrz_lines() == golden
    generated = passports.make_passport(truth, seed=0)
    read = mrz_image.read(im.load(generated.data))
    assert read.mrz.lines == golden and read.mrz.valid


@needs_tesseract
@needs_ocrb
def test_a_wrong_check_digit_is_read_as_printed_and_flagged():
    generated = passports.make_passport(seed=31, options=passports.Options(wrong_check_digit="birth_date"))
    read = mrz_image.read(im.load(generated.data))
    assert read.mrz is not None and not read.mrz.valid
    assert read.mrz.checks["birth_date"] is False


@needs_tesseract
def test_blank_page_reads_nothing():
    read = mrz_image.read(np.full((600, 800), 255, np.uint8))
    assert read.mrz is None


@needs_tesseract
def test_without_ocrb_templates_nothing_is_reported_valid(monkeypatch):
    from documents.checks import templates

    monkeypatch.setattr(templates, "available", lambda: False)
    monkeypatch.setattr(templates, "scores", lambda *args: None)
    read = mrz_image.read(im.load(passport(11, "png").data))
    assert read.mrz is None or not read.mrz.valid
    assert [f.code for f in read.findings] == ["ocr_unavailable"]
