"""A light MRZ print (a faint ribbon, an outline cut blurred) is no darker than the guilloche over it:
one global threshold finds no text line in its band, so the band's ink is taken as what is darker
than the paper around it (``mrz_image._local_ink``)."""

from pathlib import Path

import numpy as np
import pytest

from documents.checks import glyphs, mrz_image
from documents.checks import image as im
from documents.checks.pipeline import inspect_bytes
from documents.testing import passports

from .conftest import needs_ocrb, needs_tesseract

OUTLINE_CUT = next((f for f in passports.DEV_HARD_OCRB if f.endswith("OCRBF.otf")), "")


def _light_band() -> tuple[np.ndarray, np.ndarray]:
    """Two lines of light blocks, 50 grey levels under the paper around them, on paper lit unevenly
    (185 at one side, 245 at the other), under thin security lines 30 levels under the paper; with
    the mask of the blocks."""
    height, width = 180, 1100
    paper = np.tile(np.linspace(185, 245, width, dtype=np.float32), (height, 1))
    band = paper.copy()
    blocks = np.zeros((height, width), bool)
    for top in (50, 110):
        for left in range(40, width - 40, 24):
            blocks[top:top + 26, left + 3:left + 17] = True
    band[blocks] -= 50
    for y in range(10, height, 17):
        band[y, :] = np.minimum(band[y, :], paper[y, :] - 30)
    return band.astype(np.uint8), blocks


def test_local_ink_keeps_a_light_print_and_leaves_the_paper_s_shading():
    band, blocks = _light_band()
    ink = mrz_image._local_ink(band)
    assert ink[blocks].mean() > 0.9
    assert ink[~blocks].mean() < 0.05
    # One global threshold takes the shaded side of the paper for ink as well: why the band needs this.
    assert (im.binarise(band) == 0)[~blocks].mean() > 0.2


def test_a_band_that_one_threshold_cannot_split_gets_its_grid_from_the_local_ink():
    band, _ = _light_band()
    assert mrz_image._grids(im.binarise(band) == 0, 2) == []
    ready = mrz_image._prepare(mrz_image.Band(crop=band, lines=2, method="morphology"))
    assert len(ready.grids) == 2 and all(grid.width == 44 for grid in ready.grids)


def test_a_blank_band_has_no_grid_either_way():
    ready = mrz_image._prepare(mrz_image.Band(crop=np.full((180, 1100), 236, np.uint8), lines=2, method="bottom"))
    assert ready.grids == []


@needs_ocrb
@needs_tesseract
@pytest.mark.skipif(not OUTLINE_CUT or not Path(OUTLINE_CUT).exists(), reason="the OCR-B outline cut is not installed")
@pytest.mark.parametrize("index", [46, 136])  # outline cut, blurred, under uneven light and guilloche
def test_a_light_outline_print_under_uneven_light_is_read(index):
    glyphs.bank()
    page = passports.make_dev_hard(index, OUTLINE_CUT)
    result = inspect_bytes(page.data, page.filename)
    assert tuple(result.mrz) == page.mrz_lines
    assert result.mrz_valid is True
