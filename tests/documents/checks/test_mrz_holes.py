"""A glyph that encloses more paper than a character can is not that character: in a face the bank
has never seen a 6 scores as close to G as to 6 (no check digit tells those twins apart), but a G
encloses nothing; an 8 scores as close to 6, but a 6 encloses one region, not two. A hole blurred
shut does not count, and a zone printed hollow (an outline cut, where every glyph has holes) tells
nothing."""

import cv2
import numpy as np

from documents.checks import mrz, mrz_cells
from documents.testing.mrz_lines import build_td3

LINES = build_td3(surname="ERIKSSON", given_names="ANNA MARIA", number="L6989O2C3", nationality="UTO",
                  birth="740812", sex="F", expiry="320415")
SIX = (1, 1)  # the number's 6, read by the bank as G or 6 alike


def _ring(gap: float = 0.0) -> np.ndarray:
    """A round glyph (ink high) whose right side is left open by ``gap`` (ink at that darkness)."""
    glyph = np.zeros((30, 22), np.float32)
    cv2.ellipse(glyph, (11, 15), (8, 12), 0, 0, 360, 1.0, thickness=3)
    if gap < 1.0:
        glyph[12:18, 16:22] = np.minimum(glyph[12:18, 16:22], gap)
    return glyph


def _eight() -> np.ndarray:
    glyph = np.zeros((30, 22), np.float32)
    cv2.ellipse(glyph, (11, 8), (7, 6), 0, 0, 360, 1.0, thickness=3)
    cv2.ellipse(glyph, (11, 21), (8, 7), 0, 0, 360, 1.0, thickness=3)
    return glyph


def _bar() -> np.ndarray:
    glyph = np.zeros((30, 22), np.float32)
    glyph[2:28, 9:13] = 1.0
    return glyph


def _zone(six: np.ndarray, open_glyph: np.ndarray, rivals: dict | None = None):
    """Every cell read clearly as in ``LINES`` (open ones cut as ``open_glyph``, the others as a ring),
    the 6 scored as close to ``rivals`` (G) as to 6."""
    cut, scored = {}, {}
    for n, line in enumerate(LINES):
        for i, char in enumerate(line):
            allowed = mrz_cells.ALLOWED[mrz.TD3.templates[n][i]]
            scored[(n, i)] = dict.fromkeys(allowed, 0.3) | {char: 0.95}
            cut[(n, i)] = open_glyph if mrz_cells.ENCLOSES_AT_MOST.get(char) == 0 else _ring(1.0)
    cut[SIX] = six
    scored[SIX] |= (rivals or {"G": 0.86}) | {"6": 0.85}
    return cut, scored


def test_a_ring_encloses_paper_and_an_open_ring_none():
    assert len(mrz_cells.enclosed_paper(_ring(1.0))) == 1
    assert mrz_cells.enclosed_paper(_ring(1.0))[0] >= mrz_cells.HOLE
    assert mrz_cells.enclosed_paper(_ring(0.0)) == ()
    assert mrz_cells.enclosed_paper(_bar()) == ()
    assert all(area >= mrz_cells.HOLE for area in mrz_cells.enclosed_paper(_eight()))
    assert len(mrz_cells.enclosed_paper(_eight())) == 2


def test_a_gap_closed_only_by_faint_ink_is_no_hole():
    # Blur or heavy ink closes a G's mouth at half the glyph's darkness, not at the darker levels.
    assert not any(area >= mrz_cells.HOLE for area in mrz_cells.enclosed_paper(_ring(0.55)))


def test_a_cell_with_a_hole_is_no_open_character():
    cut, scored = _zone(_ring(1.0), _bar())
    out = mrz_cells._rule_out_by_holes(mrz.TD3, cut, scored)
    assert out[SIX]["6"] == 0.85 and out[SIX]["G"] < out[SIX]["6"] - mrz_cells.TWIN_CLOSE
    assert mrz_cells._close_twin("6", out[SIX], mrz_cells.ALLOWED["x"]) == ""
    assert mrz_cells._close_twin("6", scored[SIX], mrz_cells.ALLOWED["x"]) == "G"


def test_a_cell_with_two_holes_is_no_character_that_encloses_one():
    cut, scored = _zone(_eight(), _bar(), rivals={"8": 0.84, "9": 0.845})
    out = mrz_cells._rule_out_by_holes(mrz.TD3, cut, scored)
    assert out[SIX]["8"] == 0.84
    assert out[SIX]["6"] < 0 and out[SIX]["9"] < 0


def test_a_slashed_zero_may_enclose_two():
    cut, scored = _zone(_eight(), _bar(), rivals={"0": 0.84, "O": 0.84})
    out = mrz_cells._rule_out_by_holes(mrz.TD3, cut, scored)
    assert out[SIX]["0"] == 0.84 and out[SIX]["O"] == 0.84


def test_a_cell_without_a_hole_keeps_both_twins():
    # A 6 whose loop blur has filled looks like a G: no hole is no evidence either way.
    cut, scored = _zone(_bar(), _bar())
    assert mrz_cells._rule_out_by_holes(mrz.TD3, cut, scored)[SIX] == scored[SIX]


def test_a_zone_printed_hollow_tells_nothing():
    # The clear prints of open characters (the fillers, the letters of the names) enclose paper too.
    cut, scored = _zone(_ring(1.0), _ring(1.0))
    assert mrz_cells._rule_out_by_holes(mrz.TD3, cut, scored) == scored
