"""Finding and reading the MRZ in an image (the text side is in ``mrz``).

Locating follows PassportEye's idea (black-hat, Sobel, closing, Otsu, contours of wide aspect),
with one change: instead of keeping the four largest blobs, the text-line blobs are grouped, and
the MRZ is the group of 2 or 3 long, parallel, evenly spaced lines that are about as long as the
longest line on the page. The fallback is the bottom quarter of the page.

Reading: the band is cut from the full-resolution image along its own angle (so small skews are
removed), scaled to a text height Tesseract reads best, and read line by line with the MRZ
whitelist; a whole-band ``--psm 6`` read is the second attempt. Quarter turns are found by the
locator (no long horizontal lines means the page is on its side); upside-down reads fail their
checks and are retried turned by 180 degrees.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import cv2
import numpy as np

from . import image as im
from . import mrz, ocr
from .findings import Finding

WORK_WIDTH = 600
LINE_HEIGHT_PX = 40  # character height Tesseract's LSTM reads best (about 30-40 px)


@dataclass(frozen=True)
class Band:
    crop: np.ndarray  # upright, full resolution
    lines: int  # number of text lines seen in the band (0 when unknown, fallback)
    method: str  # "morphology" or "bottom"
    angle: float = 0.0


@dataclass
class MrzRead:
    mrz: mrz.Mrz | None = None
    text: str = ""
    attempts: int = 0
    method: str = ""
    findings: list[Finding] = field(default_factory=list)


# --- locating -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Line:
    cx: float
    cy: float
    length: float
    thickness: float
    angle: float
    points: np.ndarray


def locate(gray: np.ndarray) -> list[Band]:
    """Candidate MRZ bands, best first; the bottom-quarter fallback comes last."""
    small, factor = im.resize_to_width(gray, WORK_WIDTH)
    bands = [_cut(gray, group, factor) for group in _line_groups(_lines(small), small.shape[1])]
    bands.append(bottom_band(gray))
    return bands


def has_horizontal_text(gray: np.ndarray) -> bool:
    """False for a page on its side: no long horizontal line blobs."""
    small, _ = im.resize_to_width(gray, WORK_WIDTH)
    return any(line.length > 0.25 * small.shape[1] for line in _lines(small))


def _lines(small: np.ndarray) -> list[_Line]:
    mask = im.text_line_mask(small)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    lines = []
    for contour in contours:
        (cx, cy), (w, h), angle = cv2.minAreaRect(contour)
        length, thickness = max(w, h), max(1.0, min(w, h))
        if length < 40 or length / thickness < 8:
            continue
        tilt = im.rect_angle(w, h, angle)
        if abs(tilt) > 20:
            continue
        lines.append(_Line(cx, cy, length, thickness, tilt, contour.reshape(-1, 2)))
    return sorted(lines, key=lambda x: x.cy)


def _line_groups(lines: list[_Line], width: int) -> list[list[_Line]]:
    """Groups of 2-3 consecutive lines, each at least 80 % of the group's longest and at least
    40 % of the page width, about parallel and a few line heights apart; longest first."""
    long_lines = [x for x in lines if x.length >= 0.4 * width]
    groups: list[list[_Line]] = []
    for i, first in enumerate(long_lines):
        group = [first]
        for nxt in long_lines[i + 1:]:
            prev = group[-1]
            gap = _distance_across(prev, nxt)
            if (gap < 4.5 * max(prev.thickness, nxt.thickness) and abs(nxt.angle - prev.angle) < 3
                    and 0.8 < nxt.length / prev.length < 1.25):
                group.append(nxt)
            if len(group) == 3:
                break
        if len(group) >= 2:
            groups.append(group)
    groups.sort(key=lambda g: -sum(x.length for x in g))
    return _unique(groups)[:2]


def _distance_across(a: _Line, b: _Line) -> float:
    """Distance between two line centres measured perpendicular to their direction."""
    theta = math.radians(-a.angle)
    dx, dy = b.cx - a.cx, b.cy - a.cy
    return abs(-math.sin(theta) * dx + math.cos(theta) * dy)


def _unique(groups: list[list[_Line]]) -> list[list[_Line]]:
    seen: list[set[int]] = []
    out = []
    for group in groups:
        ids = {id(x) for x in group}
        if any(ids <= other for other in seen):
            continue
        seen.append(ids)
        out.append(group)
    return out


def _cut(gray: np.ndarray, group: list[_Line], factor: float) -> Band:
    points = np.vstack([x.points for x in group]).astype(np.float32) / factor
    (cx, cy), (w, h), angle = cv2.minAreaRect(points)
    tilt = im.rect_angle(w, h, angle)
    length, thickness = max(w, h), min(w, h)
    line_height = thickness / len(group)
    out_w = int(length + 0.06 * length)
    out_h = int(thickness + 1.6 * line_height)
    # Rotate about the band centre so the band is horizontal, and translate it to the middle
    # of the output: warpAffine computes only the output pixels, not the whole page.
    matrix = cv2.getRotationMatrix2D((cx, cy), -tilt, 1.0)
    matrix[0, 2] += out_w / 2 - cx
    matrix[1, 2] += out_h / 2 - cy
    crop = cv2.warpAffine(gray, matrix, (out_w, out_h), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_REPLICATE)
    return Band(crop=crop, lines=len(group), method="morphology", angle=tilt)


def bottom_band(gray: np.ndarray) -> Band:
    """The MRZ sits at the bottom of a TD3 data page (ICAO 9303 Part 4 §4.2)."""
    height = gray.shape[0]
    return Band(crop=gray[int(height * 0.72):, :], lines=0, method="bottom")


# --- reading ------------------------------------------------------------------------------------

def read(gray: np.ndarray, *, today: date | None = None, max_attempts: int = 8) -> MrzRead:
    """Find and read the MRZ of a page; the best parse over a few bounded attempts."""
    result = MrzRead()
    for band, label in _bands_in_orientations(gray):
        for text in _ocr_band(band, result):
            if result.findings:  # OCR unavailable or failing: more attempts will not help
                return result
            result.attempts += 1
            parsed = mrz.read(text.splitlines(), today=today)
            if parsed is not None and (result.mrz is None or mrz._rank(parsed) > mrz._rank(result.mrz)):
                result.mrz, result.text, result.method = parsed, text, label
            if (result.mrz is not None and result.mrz.valid) or result.attempts >= max_attempts:
                return result
    return result


def _bands_in_orientations(gray: np.ndarray) -> Iterator[tuple[Band, str]]:
    turns = (0, 2) if has_horizontal_text(gray) else (1, 3)
    first = im.rotate90(gray, turns[0])
    candidates = locate(first)
    for band in candidates:
        yield band, f"{band.method}/rot{turns[0] * 90}"
        # Turned by 180 degrees the same band reads upside down: try it before moving on.
        yield (Band(im.rotate90(band.crop, 2), band.lines, band.method, band.angle),
               f"{band.method}/rot{turns[1] * 90}")


def _ocr_band(band: Band, result: MrzRead) -> Iterator[str]:
    crop = _normalise_height(band)
    if band.lines:
        lines = split_lines(crop, band.lines)
        if lines:
            texts = [ocr.recognise_mrz(line, psm=7) for line in lines]
            result.findings.extend(f for t in texts for f in t.findings)
            yield "\n".join(t.text.strip() for t in texts)
    whole = ocr.recognise_mrz(crop, psm=6)
    result.findings.extend(whole.findings)
    yield whole.text


def _normalise_height(band: Band) -> np.ndarray:
    crop = band.crop
    lines = band.lines or 2
    line_pitch = crop.shape[0] / (lines + 1.6) if band.lines else crop.shape[0] / 4
    factor = LINE_HEIGHT_PX / max(line_pitch, 1.0)
    if 0.8 < factor < 1.25:
        return crop
    size = (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor)))
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    return cv2.resize(crop, size, interpolation=interpolation)


def split_lines(crop: np.ndarray, expected: int) -> list[np.ndarray]:
    """Cut the band into its text lines at the emptiest rows between them (projection profile)."""
    ink = 255 - im.binarise(crop)
    profile = ink.sum(axis=1).astype(np.float64)
    rows = np.flatnonzero(profile > 0.15 * profile.max()) if profile.max() > 0 else []
    if len(rows) == 0:
        return []
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    pitch = (bottom - top) / expected
    cuts = [top]
    for k in range(1, expected):
        centre = top + k * pitch
        lo, hi = int(centre - pitch * 0.35), int(centre + pitch * 0.35) + 1
        cuts.append(lo + int(np.argmin(profile[lo:hi])))
    cuts.append(bottom)
    pad = int(pitch * 0.25)
    return [crop[max(0, a - pad):min(crop.shape[0], b + pad)] for a, b in zip(cuts, cuts[1:], strict=False)]
