"""OCR-B glyph templates for the MRZ cells, rendered from the installed font.

ICAO 9303 Part 3 §4.2 prescribes OCR-B for the MRZ, so a nearest-template match per cell is a
strong second opinion next to Tesseract (which has no OCR-B model). The templates are rendered
at run time from the Debian package ``fonts-ocr-b`` (public domain); without it, ``scores``
returns ``None`` and the reader relies on Tesseract alone.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .grid import Grid

FONT_PATHS = ("/usr/share/fonts/opentype/ocr-b/OCRB.otf",)
CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
SIZE = (24, 28)  # width, height of the normalised glyph
BLURS = (0, 4, 8)  # Gaussian sigmas in px at a glyph height of about 85 px


def normalise(glyph: np.ndarray, size: tuple[int, int] = SIZE) -> np.ndarray:
    """Ink image (ink high) cut to its bounding box -> fixed height, aspect kept up to the width,
    zero mean and unit norm, so that a dot product is the correlation coefficient."""
    width, height = size
    h, w = glyph.shape
    new_w = max(1, min(width, round(w * height / h)))
    resized = cv2.resize(glyph.astype(np.float32), (new_w, height), interpolation=cv2.INTER_AREA)
    out = np.zeros((height, width), np.float32)
    x = (width - new_w) // 2
    out[:, x:x + new_w] = resized
    out = cv2.GaussianBlur(out, (3, 3), 0)
    out -= out.mean()
    norm = float(np.linalg.norm(out))
    return out / norm if norm else out


@cache
def _bank() -> tuple[str, np.ndarray] | None:
    path = next((p for p in FONT_PATHS if Path(p).exists()), None)
    if path is None:
        return None
    font = ImageFont.truetype(path, 120)
    chars, rows = [], []
    for char in CHARS:
        canvas = Image.new("L", (200, 200), 0)
        ImageDraw.Draw(canvas).text((40, 160), char, font=font, fill=255, anchor="ls")
        sharp = np.asarray(canvas, np.float32) / 255.0
        ys = np.nonzero(sharp > 0.5)[0]
        _HEIGHTS[char] = float(ys.max() - ys.min() + 1)
        # Scans are blurred: a blurred copy of each glyph, cut where a scan's Otsu threshold
        # would cut it, matches those better than the sharp outline does.
        for sigma in BLURS:
            ink = cv2.GaussianBlur(sharp, (0, 0), sigma) if sigma else sharp
            ys, xs = np.nonzero(ink > 0.5)
            chars.append(char)
            rows.append(normalise(ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]).ravel())
    return "".join(chars), np.stack(rows)


_HEIGHTS: dict[str, float] = {}


def relative_height(char: str) -> float:
    """Glyph height relative to the tallest glyphs (the digits): OCR-B digits stand about 7 %
    taller than its capitals, which tells ``0`` from ``O`` and ``1`` from ``I`` where the
    outline hardly does."""
    if not _HEIGHTS:
        return 1.0
    return _HEIGHTS[char] / max(_HEIGHTS.values())


def glyph_height(grid: Grid, ink: np.ndarray, index: int) -> int:
    top, bottom, x0, x1 = window(grid, index)
    ys = np.nonzero(ink[top:bottom, x0:x1])[0]
    return int(ys.max() - ys.min() + 1) if len(ys) else 0


def window(grid: Grid, index: int) -> tuple[int, int, int, int]:
    centre = grid.centre(index)
    pad = (grid.bottom - grid.top) // 4
    return (max(0, grid.top - pad), grid.bottom + pad,
            max(0, int(centre - 0.5 * grid.pitch)), int(centre + 0.5 * grid.pitch) + 1)


def available() -> bool:
    return _bank() is not None


def scores(grid: Grid, ink: np.ndarray, glyphs: np.ndarray, index: int) -> dict[str, float] | None:
    """Correlation of cell ``index`` with every template; ``None`` without the font."""
    bank = _bank()
    if bank is None:
        return None
    chars, matrix = bank
    top, bottom, x0, x1 = window(grid, index)
    ys, xs = np.nonzero(ink[top:bottom, x0:x1])
    if len(ys) == 0:
        return dict.fromkeys(chars, 0.0)
    cell = glyphs[top:bottom, x0:x1][ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    values = matrix @ normalise(cell).ravel()
    best: dict[str, float] = {}
    for char, value in zip(chars, values.tolist(), strict=True):
        best[char] = max(value, best.get(char, -1.0))
    return best
