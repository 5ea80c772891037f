"""The printed page is read from its own text rows (``viz.value_rows``): cut out along their blobs,
straightened and put under each other on white, so that the guilloche, the photo and a tilt do not
cost the number and the dates, nor a second of OCR."""

from dataclasses import replace

import numpy as np
import pytest

from documents.checks import image, mrz, mrz_image, ocr, viz
from documents.checks.pipeline import inspect_bytes
from documents.testing import passports

from .conftest import GOLDEN, needs_tesseract, passport
from .test_mrz_twins import PRINTED, SWAPPED, _read_with_twin


def _upright_page(seed: int, *, rotation: float = 0.0) -> tuple[np.ndarray, passports.PassportData]:
    truth = replace(passports.random_passport(seed), number="C8S61GB5D")
    page = passports.render_page(truth, truth.mrz_lines(), seed=seed, guilloche=True)
    options = passports.Options(rotation=rotation, blur=0.8, noise=6, salt=0.002, guilloche=True)
    degraded = passports.degrade(page, options, seed=seed)
    return image.to_gray(degraded), truth


def test_a_blank_or_empty_page_has_no_rows():
    assert viz.value_rows(np.full((600, 1100), 236, np.uint8)) is None
    assert viz.value_rows(np.zeros((0, 0), np.uint8)) is None


def test_rows_are_cut_without_the_photo_and_the_background():
    gray, _ = _upright_page(5)
    top = gray[: int(gray.shape[0] * viz.VIZ_SHARE)]
    top, _ = image.resize_to_width(top, viz.VIZ_WIDTH)
    rows = viz.value_rows(top)
    assert rows is not None

    def grey(pixels):  # the photo and the guilloche, not ink nor paper
        return int(((pixels > 130) & (pixels < 215)).sum())

    def ink(pixels):
        return int((pixels < 100).sum())

    assert grey(rows) < 0.1 * grey(top)
    assert ink(rows) > 0.7 * ink(top)
    assert rows.shape[1] < top.shape[1]  # the rows' width, not the page's


@needs_tesseract
@pytest.mark.parametrize("rotation", [0.0, 3.5, -3.5])
def test_the_printed_number_and_dates_are_read_from_their_rows(rotation):
    gray, truth = _upright_page(11, rotation=rotation)
    text = viz.page_text(gray, timeout=20)
    assert "C8S61GB5D" in viz._tokens(text)
    dates = viz.printed_dates(text)
    for value in (truth.birth_date, truth.expiry_date):
        assert (value.day, value.month, value.year % 100) in dates


def test_a_page_without_rows_is_read_whole(monkeypatch):
    calls = []
    monkeypatch.setattr(viz, "value_rows", lambda top: None)
    monkeypatch.setattr(ocr, "recognise", lambda img, **kw: calls.append(kw) or ocr.OcrText(text="L898902C3"))
    assert viz.page_text(np.full((800, 1200), 236, np.uint8), timeout=5) == "L898902C3"
    assert [c["psm"] for c in calls] == [11]


def test_rows_are_read_as_one_block_without_dictionaries(monkeypatch):
    calls = []
    monkeypatch.setattr(ocr, "recognise", lambda img, **kw: calls.append(kw) or ocr.OcrText(text=""))
    gray, _ = _upright_page(5)
    viz.page_text(gray, timeout=5)
    assert [(c["psm"], c["config"]) for c in calls] == [(6, viz.ROWS_CONFIG)]


def test_no_time_left_reads_nothing(monkeypatch):
    monkeypatch.setattr(ocr, "recognise", lambda img, **kw: pytest.fail("OCR started without time"))
    assert viz.page_text(np.full((800, 1200), 236, np.uint8), timeout=0.1) == ""


def test_the_zone_read_again_by_the_page_s_ocr_is_no_witness():
    # The MRZ's own second line, read by the page's OCR with a gap after the number: it shows the
    # number the zone holds, which says nothing about the printed page.
    zone = f"{GOLDEN[1][:9]} {GOLDEN[1][9:]}"
    assert viz.settle_fields(_read_with_twin(), "Name / Surname\nERIKSSON\n" + zone) is None
    assert viz.settle_fields(_read_with_twin(), PRINTED.format(number="L898902C3") + "\n" + zone) is not None


def test_a_date_whose_dots_were_read_as_commas_is_still_a_date():
    assert viz.printed_dates("28,11,1982\n22.02.2032") == {(28, 11, 82), (22, 2, 32)}
    assert viz.printed_dates("28,1l,1982") == set()  # a letter in it: not a date


def _doubt_in_optional_data() -> mrz.Mrz:
    # Z (35) and 5 weigh alike in every check digit: only a printed personal number could tell them apart.
    return mrz.read(list(GOLDEN), alternatives={(1, 28): "Z5"})


def test_only_doubts_in_printed_fields_are_settleable():
    assert viz.settleable(_read_with_twin())
    assert not viz.settleable(_doubt_in_optional_data())
    both = mrz.read(list(SWAPPED), alternatives={(1, 1): "S8", (1, 28): "Z5"})
    assert both.uncertain_fields == ["document_number", "optional_data"] and not viz.settleable(both)
    assert not viz.settleable(mrz.parse(GOLDEN))  # nothing doubtful


def test_a_doubt_the_page_cannot_settle_costs_no_ocr_of_the_page(monkeypatch):
    found = _doubt_in_optional_data()
    monkeypatch.setattr(mrz_image, "read", lambda gray, **kw: mrz_image.MrzRead(mrz=found))
    monkeypatch.setattr(viz, "page_text", lambda upright, *, timeout: pytest.fail("page read for nothing"))
    page = passport(0)
    result = inspect_bytes(page.data, page.filename)
    assert result.mrz_valid is False
    assert [f.field for f in result.findings if f.code == "mrz_characters_uncertain"] == ["optional_data"]
