"""The MRZ glyph classifier (``glyphs``) and the cell-by-cell reading that rests on it (``mrz_cells``)."""

from datetime import date

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from documents.checks import glyphs, mrz, mrz_cells
from documents.checks.pipeline import inspect_bytes
from documents.testing import passports

from .conftest import needs_ocrb


def _rendered(char: str, font_path: str, size: int = 40) -> np.ndarray:
    canvas = Image.new("L", (size * 2, size * 2), 0)
    ImageDraw.Draw(canvas).text((size // 2, int(size * 1.5)), char, font=ImageFont.truetype(font_path, size),
                                fill=255, anchor="ls")
    ink = np.asarray(canvas, np.float32) / 255.0
    ys, xs = np.nonzero(ink > 0.5)
    return ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


@needs_ocrb
def test_every_mrz_character_of_a_face_it_was_not_trained_on_is_recognised():
    # DejaVu Sans Mono is not among the training faces (it is one of the held-out split's).
    face = passports.MONO_FONTS[0]
    scores = glyphs.classify_many([_rendered(c, face) for c in glyphs.CHARS])
    read = "".join(max(s, key=s.get) for s in scores)
    wrong = [(c, r) for c, r in zip(glyphs.CHARS, read, strict=True) if c != r]
    assert len(wrong) <= 2, wrong  # O/0 may swap without position rules; the MRZ's alphabets settle those


@needs_ocrb
def test_a_page_in_another_monospace_face_reads_exactly():
    page = passports.make_passport(seed=5, options=passports.Options(font="mono", rotation=2.0, blur=0.8))
    result = inspect_bytes(page.data, page.filename)
    assert result.mrz_valid and tuple(result.mrz) == page.mrz_lines


@needs_ocrb
def test_an_expired_passport_is_reported_even_when_another_check_digit_is_wrong():
    page = passports.make_passport(seed=14, options=passports.Options(expired=True,
                                                                      wrong_check_digit="document_number"))
    result = inspect_bytes(page.data, page.filename, context={"today": date.today()})
    codes = [f.code for f in result.findings]
    assert result.mrz_valid is False and "mrz_check_digit" in codes
    assert "passport_expired" in codes


def test_two_fitting_repairs_that_cost_alike_leave_the_cells_doubtful():
    line2 = passports.PassportData("X", "Y", "D", "C01X00T47", date(1964, 8, 12), "F",
                                   date(2030, 1, 1)).mrz_lines()[1]
    lines = [list("<" * 44), list(line2)]
    # The check digit read 2 too high: "0"->"O" at position 2 (24 x 3 = 72) and "X"->"T" at position 4
    # ((29 - 33) x 7 = -28) each make it fit, at the same cost.
    lines[1][9] = str((int(line2[9]) + 2) % 10)
    spec = mrz.TD3.checks[0]  # document number
    cells = mrz_cells._cells(spec)
    live = {cell: [(lines[cell[0]][cell[1]], 0.0)] for cell in cells}
    live[(1, 1)] = [("0", 0.0), ("O", 0.02)]
    live[(1, 3)] = [("X", 0.0), ("T", 0.02)]
    alternatives: dict = {}
    mrz_cells._settle(spec, cells, live, lines, alternatives)
    assert set(alternatives) == {(1, 1), (1, 3)}
    # With only one of them live, that one is the repair, and nothing stays doubtful.
    lines = [list("<" * 44), list(line2)]
    lines[1][9] = str((int(line2[9]) + 2) % 10)
    live[(1, 3)] = [("X", 0.0)]
    alternatives = {}
    mrz_cells._settle(spec, cells, live, lines, alternatives)
    assert alternatives == {} and lines[1][1] == "O"


def test_a_letter_and_a_digit_no_check_digit_can_tell_apart_stay_doubtful_when_close():
    allowed = mrz_cells.ALLOWED["x"]
    scores = dict.fromkeys(allowed, 0.1) | {"8": 0.90, "S": 0.88, "B": 0.87}
    assert mrz_cells._close_twin("8", scores, allowed) == "S"  # S = 28, 8 = 8: the same to a check digit
    assert mrz_cells._close_twin("8", scores | {"S": 0.70}, allowed) == ""


def _band_of(page):
    from documents.checks import image as im
    from documents.checks import mrz_image
    gray = im.load(page.data)
    ready = mrz_image._prepare(mrz_image.locate(gray)[0])
    assert len(ready.grids) == 2
    return ready


def _birth_digit_scored_flat(monkeypatch, truth_char: str):
    """The first birth-date digit scored as in a face the bank has never seen: every digit alike,
    three wrong ones ahead of the right one."""
    real = glyphs.classify_many
    wrong = [d for d in "0123456789" if d != truth_char][:3]

    def flat(cut):
        scores = real(cut)
        k = 44 + 13  # line 2, position 14: every cell of a clean page is cut
        scores[k] = dict.fromkeys(scores[k], 0.3) | {wrong[0]: 0.83, wrong[1]: 0.825, wrong[2]: 0.82,
                                                     truth_char: 0.80}
        return scores

    monkeypatch.setattr(glyphs, "classify_many", flat)
    # In such a face the zone's own prints of the digit are just as unfamiliar: no witness there.
    monkeypatch.setattr(mrz_cells, "_compare_with_own_glyphs", lambda layout, cut, scored: scored)


@needs_ocrb
def test_a_cell_of_an_unfamiliar_face_keeps_enough_readings_for_its_check_digit(monkeypatch):
    page = passports.make_passport(seed=7, options=passports.Options())
    ready = _band_of(page)
    truth_char = page.mrz_lines[1][13]
    _birth_digit_scored_flat(monkeypatch, truth_char)
    text, _, _ = mrz_cells.read(ready.crop, ready.ink, ready.grids)
    assert text.splitlines()[1][13] == truth_char
    # The same cell scored as high as a face the bank knows: three readings, none fits, left as read.
    monkeypatch.setattr(mrz_cells, "FAMILIAR", 0.5)
    text, _, _ = mrz_cells.read(ready.crop, ready.ink, ready.grids)
    assert text.splitlines()[1][13] != truth_char
