"""Finding and reading the MRZ in an image (the text side is in ``mrz``).

Locating follows PassportEye's idea (black-hat, Sobel, closing, Otsu, contours of wide aspect),
with one change: instead of keeping the four largest blobs, the text-line blobs are grouped, and
the MRZ is the group of 2 or 3 long, parallel, evenly spaced lines that are about as long as the
longest line on the page. The fallback is the bottom quarter of the page.

Reading: the band is cut from the full-resolution image along its own angle (so small skews are
removed) and scaled to a fixed glyph height; its lines are put on the MRZ's fixed character grid
(both lines share the margin and the pitch). First the glyph classifier reads every cell
(``mrz_cells``: milliseconds per band, every band in both quarter turns); only when that reading
does not hold is Tesseract asked: one call (``--psm 6``, MRZ whitelist) reads the whole band, its
symbols are placed on the grid, checked against the filler's shape and against OCR-B templates, and
every cell that stays uncertain is handed to ``mrz`` with its possible readings, to be settled by
the check digits or to make the MRZ invalid. A names line the classifier was unsure of is read
once more by Tesseract on its own (``confirm_name_line``).

Orientation: a page on its side has no long horizontal text lines (so it is turned by a quarter
before locating; when one orientation shows no MRZ-like line group, the other is tried too);
an upside-down band is recognised by its fillers, which only look like "<"
after turning each cell by 180 degrees.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date

import cv2
import numpy as np

from . import glyphs as classifier
from . import image as im
from . import mrz, mrz_cells, ocr, templates
from .findings import Finding, finding
from .grid import Grid

WORK_WIDTH = 600


@dataclass(frozen=True)
class Band:
    crop: np.ndarray  # upright, full resolution
    lines: int  # number of text lines seen in the band (0 when unknown, fallback)
    method: str  # "morphology" or "bottom"
    angle: float = 0.0
    turns: int = 0  # quarter turns (counter-clockwise) that made the page upright


@dataclass
class MrzRead:
    mrz: mrz.Mrz | None = None
    text: str = ""
    attempts: int = 0
    method: str = ""
    findings: list[Finding] = field(default_factory=list)
    page_turns: int = 0  # quarter turns that make the page of the best reading upright
    timed_out: bool = False
    name_line: np.ndarray | None = field(default=None, repr=False)  # image of the best reading's names line
    # Checked cells the classifier read in ways the check digits cannot tell apart: they stay
    # doubtful in any later reading (Tesseract's), for the printed page to settle.
    field_doubts: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)
    # Cells the classifier read without a doubt, and as what: a later reader's look-alike
    # "correction" of such a cell overrules two readers that saw the same print (``_witnessed``).
    clear_cells: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)


# Seconds the MRZ reader may spend on one page image; past it, it stops and says so (ocr_failed).
PAGE_BUDGET = 4.0


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
# The MRZ is printed at a fixed pitch (ICAO 9303 Part 3 §4.2: 10 characters per 25.4 mm), so
# once the first and last glyph of a line are found, every character has a known cell. Tesseract
# reads the band once; each symbol it returns is placed in the cell under its centre. This makes
# the line length exact (Tesseract often drops or doubles fillers in long runs) and lets a shape
# test overrule it where it reads the filler "<" as K, E, S or X, its most common MRZ error.

CAP_HEIGHT_PX = 30  # glyph height at which Tesseract's LSTM reads OCR-B best
MAX_UPSCALE = 4.0
# Below this 10th percentile of the cells' best template correlation the zone is not printed in
# OCR-B (development split: OCR-B pages 0.89-0.97, DejaVu Sans Mono 0.68-0.79), so the templates are
# no second opinion and the reading must be confirmed by the printed page like plain OCR text.
TEMPLATE_FIT = 0.85
MAX_BAND_WIDTH = 3000  # px after scaling: 44 cells of 30 px glyphs need about 1,700
LOCAL_INK_SIDE = 15  # px: the paper around a stroke, half a glyph at CAP_HEIGHT_PX


def read(gray: np.ndarray, *, today: date | None = None, max_attempts: int = 4,
         budget: float = PAGE_BUDGET) -> MrzRead:
    """Find and read the MRZ of a page: the best parse over a few bounded attempts, within
    ``budget`` seconds (a Tesseract call is stopped when the budget runs out).

    Without the OCR-B templates nothing verifies Tesseract's reading of the name line (it has
    no check digit), and Tesseract alone misreads it often enough to matter: such a reading is
    returned for the caseworker but never as valid."""
    classifier.bank()  # built once per process, before the page's time starts
    result = _read(im.even_light(gray), today=today, max_attempts=max_attempts, deadline=time.monotonic() + budget)
    if result.timed_out and not (result.mrz is not None and result.mrz.valid):
        result.findings.append(finding("ocr_failed", found=f"MRZ not read within {budget:g} s", confidence=0.0))
    if result.mrz is not None and not templates.available():
        result.mrz = replace(result.mrz, problems=result.mrz.problems + (
            ("mrz_unreadable", "reader", "OCR-B font not installed"),))
        result.findings.append(finding("ocr_unavailable", found="OCR-B font (fonts-ocr-b) not installed",
                                       confidence=0.0))
    return result


def _read(gray: np.ndarray, *, today: date | None, max_attempts: int, deadline: float) -> MrzRead:
    result = MrzRead()
    turns = 0 if has_horizontal_text(gray) else 1
    bands = [replace(b, turns=turns) for b in locate(im.rotate90(gray, turns))]
    turned = [replace(b, turns=1 - turns) for b in locate(im.rotate90(gray, 1 - turns))[:-1]]
    if len(bands) == 1:
        # Only the bottom-quarter fallback: a noise streak or a frame may have made a page on its
        # side look upright, so the line groups of the other quarter turn are tried first.
        bands, turned = turned + bands, []
    prepared: dict[int, _Prepared] = {}
    # The classifier takes milliseconds per band, a Tesseract call about a second: every band, in
    # both quarter turns, is read by the classifier before Tesseract is asked about any.
    if classifier.available():
        for band in bands + turned:
            if time.monotonic() >= deadline:
                result.timed_out = True
                return result
            ready = prepared[id(band)] = _prepare(band)
            if not ready.grids:
                continue
            text, alternatives, sure = mrz_cells.read(ready.crop, ready.ink, ready.grids)
            _remember_clear_cells(result, text, alternatives)
            if _consider(result, band, ready, text, alternatives, today=today):
                return result
            if sure and result.mrz is not None and result.text == text and not result.mrz.problems:
                # Every cell read clearly and only check digits fail: the document carries them so
                # (Tesseract, a weaker reader of these glyphs, would only spend the page's time).
                return result
            if _only_field_doubts(result, text):
                return result
    for band in bands:
        ready = prepared.get(id(band)) or _prepare(band)
        for text, alternatives in _tesseract_readings(ready, result, deadline):
            result.attempts += 1
            if _consider(result, band, ready, text, alternatives, today=today):
                return result
        if result.findings or result.attempts >= max_attempts:  # OCR down: more bands won't help
            break
        if time.monotonic() >= deadline:
            result.timed_out = True
            break
    return result


def _only_field_doubts(result: MrzRead, text: str) -> bool:
    """The classifier's reading of this band passes every check digit and its only flaw is cells
    that the check digits cannot tell apart (twins, cancelling pairs): Tesseract's choice between
    such readings is no witness (``mrz.with_doubts`` keeps the doubt in any later reading), so only
    the printed page can settle them, and the page's time is left for it."""
    found = result.mrz
    return (found is not None and result.text == text and bool(found.field_alternatives)
            and not found.problems and all(found.checks.values()))


def _consider(result: MrzRead, band: Band, ready: _Prepared, text: str,
              alternatives: dict[tuple[int, int], str] | None, *, today: date | None) -> bool:
    """Keep the reading if it ranks above the best so far; True when it is valid (done)."""
    parsed = mrz.read(text.splitlines(), today=today, alternatives=alternatives)
    if parsed is not None and alternatives is None:
        parsed = _witnessed(parsed, result.clear_cells, today=today)
    if parsed is not None:
        parsed = mrz.with_doubts(parsed, result.field_doubts)
        if all(parsed.checks.values()):
            for cell, chars in parsed.field_alternatives:
                result.field_doubts[cell] = "".join(dict.fromkeys(result.field_doubts.get(cell, "") + chars))
    if parsed is not None and (result.mrz is None or mrz.rank(parsed) > mrz.rank(result.mrz)):
        result.mrz, result.text, result.method = parsed, text, band.method
        result.page_turns = band.turns + (2 if ready.flipped else 0)
        result.name_line = _line_image(ready, mrz.NAME_FIELD[parsed.format][0])
    return result.mrz is not None and result.mrz.valid


def _remember_clear_cells(result: MrzRead, text: str, alternatives: dict[tuple[int, int], str]) -> None:
    """The first classifier reading's clear cells (one band's: later bands may be other text)."""
    if result.clear_cells:
        return
    for n, line in enumerate(text.splitlines()):
        for pos, char in enumerate(line):
            if (n, pos) not in alternatives and char != "?":
                result.clear_cells[(n, pos)] = char


def _witnessed(parsed: mrz.Mrz, clear_cells: dict[tuple[int, int], str], *, today: date | None) -> mrz.Mrz:
    """A plain-text reading whose check digits fit only after a look-alike substitution in a cell
    that the classifier read clearly as the character the text has too: the substitution is a
    guess against both readers, and a check digit printed wrong on the document (a forgery, a
    misprint) looks exactly like that. The cell keeps what both read, so the check fails and says so."""
    if not parsed.fixes or not clear_cells:
        return parsed
    return mrz.without_fixes(parsed, lambda cell, read, _taken: clear_cells.get(cell) == read, today=today)


def _line_image(ready: _Prepared, line: int) -> np.ndarray | None:
    if line >= len(ready.grids):
        return None
    grid = ready.grids[line]
    pad = int(0.6 * max(grid.bottom - grid.top, grid.pitch))
    left = max(0, int(grid.first - grid.pitch))
    right = int(grid.centre(grid.width - 1) + grid.pitch)
    return ready.crop[max(0, grid.top - pad):grid.bottom + pad, left:right]


SECOND_READING_AGREEMENT = 0.9  # share of the names' clear letters the second reading must agree on


def confirm_name_line(found: mrz.Mrz, line_image: np.ndarray | None, *, deadline: float) -> mrz.Mrz | None:
    """A second reader for a names line the classifier was unsure of: Tesseract reads the line
    alone, its characters are aligned with the line's cells (the fillers as anchors: Tesseract
    often reads a filler as K or E, and drops or doubles some), and exactly one of the MRZ's
    candidate readings must agree with it on every doubtful cell. ``None`` when it does not settle
    the names; the printed page is then asked."""
    remaining = deadline - time.monotonic()
    if line_image is None or remaining <= 0.3 or not found.name_alternatives:
        return None
    read = ocr.recognise(line_image, lang=ocr.MRZ_LANG, psm=7, config=ocr.MRZ_CONFIG, timeout=remaining)
    if not read.ok:
        return None
    line, start, _ = mrz.NAME_FIELD[found.format]
    text = mrz.normalise_line(read.text.strip())
    aligned = align(text[:start] + text[start:].translate(mrz.TO_ALPHA), [c == "<" for c in found.lines[line]])
    positions = [pos for pos, _ in found.name_alternatives]
    field_text = found.name_field
    others = [p for p in range(len(field_text)) if p not in positions and field_text[p] != "<"]
    # A second reader that disagrees on the clear letters is no witness for the doubtful ones.
    if others and sum(aligned[start + p] == field_text[p] for p in others) < SECOND_READING_AGREEMENT * len(others):
        return None
    agreeing = [c for c in mrz.name_candidates(found) if all(aligned[start + p] == c[p] for p in positions)]
    if len(agreeing) != 1:
        return None
    return mrz.with_name_field(found, agreeing[0], "name: settled with a second reading of the names line")


@dataclass(frozen=True)
class _Prepared:
    crop: np.ndarray  # scaled to the glyph height Tesseract reads best, upright
    ink: np.ndarray
    grids: list[Grid]
    flipped: bool  # the band had to be turned upside down


def _prepare(band: Band) -> _Prepared:
    crop = _normalise_height(band.crop)
    ink = im.binarise(crop) == 0
    grids = _grids(ink, band.lines)
    if not grids:
        # A light print (a faint ribbon, an outline cut blurred) is no darker than the guilloche over
        # it: one global threshold takes both, or the paper's shading, for ink, and no text line stands
        # out. Strokes stand out against the paper around them, whatever its level.
        crop = _normalise_height(band.crop, ink_of=_local_ink)
        ink = _local_ink(crop)
        grids = _grids(ink, band.lines)
    flipped = bool(grids) and _upside_down(ink, grids)
    if flipped:
        crop = im.rotate90(crop, 2)
        ink = np.ascontiguousarray(ink[::-1, ::-1])
        grids = _grids(ink, band.lines)
    return _Prepared(crop, ink, grids, flipped)


def _tesseract_readings(ready: _Prepared, result: MrzRead, deadline: float,
                        ) -> Iterator[tuple[str, dict[tuple[int, int], str] | None]]:
    """Tesseract's symbols placed on the grid and checked by the OCR-B templates, then its own
    line text from the same call."""
    crop, ink, grids = ready.crop, ready.ink, ready.grids
    remaining = deadline - time.monotonic()
    if remaining <= 0.2:
        result.timed_out = True
        return
    found = ocr.recognise_mrz_symbols(crop, psm=6, timeout=remaining)
    if found.findings and time.monotonic() >= deadline:
        result.timed_out = True
        return
    result.findings.extend(found.findings)
    if found.findings:
        return
    if grids:
        layout = mrz.TD3 if len(grids) == 2 else mrz.TD1
        glyphs = 1.0 - crop.astype(np.float32) / 255.0
        lines, alternatives, fit = [], {}, []
        for n, grid in enumerate(grids):
            line, alts = _assemble(grid, ink, glyphs, found.symbols, layout.templates[n], fit)
            lines.append(line)
            alternatives.update({(n, pos): chars for pos, chars in alts.items()})
        if fit and float(np.percentile(fit, 10)) < TEMPLATE_FIT:
            alternatives = None  # not OCR-B: the grid's characters are plain guesses too
        yield "\n".join(lines), alternatives
    # Tesseract's text, unchecked by templates (a font other than OCR-B defeats them): tried when
    # the grid reading did not hold. ``None``: no cell was checked, so the text side treats every
    # character as a plain OCR guess, and the name and number must be confirmed by the printed page.
    yield _plain_text(found.symbols), None


def _normalise_height(crop: np.ndarray, *, ink_of=None) -> np.ndarray:
    rows = _text_rows(ink_of(crop) if ink_of else im.binarise(crop) == 0)
    if not rows:
        return crop
    cap = float(np.median([b - a for a, b in rows]))
    # Noise can pass for a text row a pixel or two high; an unbounded factor then made a band of
    # tens of megapixels that took Tesseract (and PNG encoding) far beyond the page budget.
    factor = min(CAP_HEIGHT_PX / max(cap, 1.0), MAX_UPSCALE, MAX_BAND_WIDTH / max(1, crop.shape[1]))
    if 0.85 < factor < 1.15:
        return crop
    size = (max(1, round(crop.shape[1] * factor)), max(1, round(crop.shape[0] * factor)))
    return cv2.resize(crop, size, interpolation=cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC)


def _local_ink(crop: np.ndarray) -> np.ndarray:
    """Ink as what is darker than the paper around it (black-hat wider than a stroke, then Otsu's
    threshold): a light print over guilloche keeps its strokes and loses the paper's shading. The
    window grows with a band not yet scaled to the glyph height (a twelfth of a two-line band is
    about half a glyph)."""
    side = max(LOCAL_INK_SIDE, (crop.shape[0] // 12) | 1)
    blurred = cv2.GaussianBlur(crop, (3, 3), 0)
    darker = cv2.morphologyEx(blurred, cv2.MORPH_BLACKHAT, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side)))
    _, out = cv2.threshold(darker, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return out > 0


def _text_rows(ink: np.ndarray) -> list[tuple[int, int]]:
    """Row ranges of text lines that run across most of the band (MRZ lines do)."""
    width = ink.shape[1]
    spread = np.zeros(ink.shape[0], dtype=bool)
    for y in range(ink.shape[0]):
        xs = np.flatnonzero(ink[y])
        spread[y] = len(xs) > 0.04 * width and xs[-1] - xs[0] > 0.5 * width
    runs, start = [], None
    for y, on in enumerate(np.append(spread, False)):
        if on and start is None:
            start = y
        elif not on and start is not None:
            runs.append((start, y))
            start = None
    if not runs:
        return []
    tallest = max(b - a for a, b in runs)
    return [(a, b) for a, b in runs if b - a >= 0.5 * tallest]


def _grids(ink: np.ndarray, expected: int) -> list[Grid]:
    rows = _text_rows(ink)
    if expected and len(rows) > expected:
        rows = rows[-expected:]  # a fallback band may hold other text above the MRZ
    if len(rows) not in (2, 3):
        return []
    width = 44 if len(rows) == 2 else 30
    centres = [_glyph_centres(ink, top, bottom) for top, bottom in rows]
    grids = [_grid(c, top, bottom, width) for c, (top, bottom) in zip(centres, rows, strict=True)]
    if not any(grids):
        return []
    # All lines of a zone share the left margin and the pitch (ICAO 9303 Part 3 §4.2), and the band
    # is deskewed: a line whose own estimate a speck, a security-print line or a long filler run
    # has thrown off takes the estimate that fits most of its glyphs, refined on them.
    candidates = [(g.first, g.pitch) for g in grids if g is not None]
    fitted = []
    for line_centres, (top, bottom) in zip(centres, rows, strict=True):
        best = max((_fit(line_centres, first, pitch, width) for first, pitch in candidates), key=lambda f: f[2])
        first, pitch, inliers = best
        if inliers < width // 3 or not 0.6 * (bottom - top) < pitch < 2.0 * (bottom - top):
            return []
        fitted.append(Grid(top=top, bottom=bottom, first=first, pitch=pitch, width=width))
    return fitted


def _glyph_centres(ink: np.ndarray, top: int, bottom: int) -> np.ndarray:
    height = bottom - top
    pad = max(1, height // 6)
    band = ink[max(0, top - pad):bottom + pad].astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(band, connectivity=8)
    return np.sort([
        stats[i, cv2.CC_STAT_LEFT] + stats[i, cv2.CC_STAT_WIDTH] / 2
        for i in range(1, count)
        if 0.5 * height <= stats[i, cv2.CC_STAT_HEIGHT] <= 1.6 * height
        and stats[i, cv2.CC_STAT_WIDTH] <= 1.6 * height
    ])


def _fit(centres: np.ndarray, first: float, pitch: float, width: int) -> tuple[float, float, int]:
    """The grid through the glyph centres near the cells of (first, pitch), by least squares; with
    how many centres it explains."""
    if len(centres) < 2:
        return first, pitch, 0
    for _ in range(2):
        index = np.round((centres - first) / pitch)
        near = (np.abs(centres - (first + index * pitch)) < 0.25 * pitch) & (index >= 0) & (index < width)
        if near.sum() < 2 or len(set(index[near].tolist())) < 2:
            return first, pitch, int(near.sum())
        pitch, first = (float(v) for v in np.polyfit(index[near], centres[near], 1))
    index = np.round((centres - first) / pitch)
    near = (np.abs(centres - (first + index * pitch)) < 0.25 * pitch) & (index >= 0) & (index < width)
    return first, pitch, int(near.sum())


def _grid(centres: np.ndarray, top: int, bottom: int, width: int) -> Grid | None:
    height = bottom - top
    if len(centres) < width // 3:
        return None
    cluster = _main_cluster(centres)
    pitch = (cluster[-1] - cluster[0]) / (width - 1)
    if pitch <= 0 or not 0.6 * height < pitch < 2.0 * height:
        return None
    return Grid(top=top, bottom=bottom, first=float(cluster[0]), pitch=float(pitch), width=width)


def _main_cluster(centres: np.ndarray) -> np.ndarray:
    """Drop specks left and right of the line: split where the gap is far wider than a pitch."""
    gaps = np.diff(centres)
    if len(gaps) == 0:
        return centres
    limit = 3.5 * float(np.median(gaps))
    pieces = np.split(centres, np.flatnonzero(gaps > limit) + 1)
    return max(pieces, key=lambda p: p[-1] - p[0])


def is_filler(cell: np.ndarray) -> bool:
    """The OCR-B filler "<" is a chevron: ink touches its left edge only in the middle third
    and its right edge only in the top and bottom thirds. No letter or digit looks like that
    (K and E have a stem, C touches the left edge over most of its height, G and Z cross the
    middle on the right). Measured on the glyph's own bounding box."""
    ys, xs = np.nonzero(cell)
    if len(ys) < 6:
        return False
    glyph = cell[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    h, w = glyph.shape
    if h < 6 or w < 4:
        return False
    q, t = max(1, w // 4), max(1, h // 3)
    left, right = glyph[:, :q].any(axis=1), glyph[:, -q:].any(axis=1)
    return bool(
        left[t:2 * t].mean() >= 0.5 and left[:t].mean() <= 0.3 and left[2 * t:].mean() <= 0.3
        and right[:t].mean() >= 0.3 and right[2 * t:].mean() >= 0.3 and right[t:2 * t].mean() <= 0.2
    )


def _upside_down(ink: np.ndarray, grids: list[Grid]) -> bool:
    """Fillers seen only after turning each cell by 180 degrees: the band is upside down."""
    upright = turned = 0
    for grid in grids:
        for i in range(grid.width):
            cell = grid.cell(ink, i)
            upright += is_filler(cell)
            turned += is_filler(cell[::-1, ::-1])
    return turned > upright


def _assemble(grid: Grid, ink: np.ndarray, glyphs: np.ndarray, symbols: list[ocr.Symbol],
              classes: str, fit: list[float] | None = None) -> tuple[str, dict[int, str]]:
    """One character per cell, and the alternatives of the cells that stayed uncertain.

    Tesseract's symbols for the line are aligned to the cells in order (edit-distance alignment:
    LSTM symbol boxes drift on widely spaced text), with the shape test's fillers as anchors.
    Where OCR-B templates are available each cell is also matched against them, restricted to
    the characters its position allows (``mrz`` layout classes); Tesseract and the templates
    must agree, or the template must win clearly, otherwise the cell keeps both readings as
    alternatives for the check digits to settle."""
    margin = (grid.bottom - grid.top) * 0.6
    text = "".join(s.char for s in sorted(
        (s for s in symbols if grid.top - margin <= s.cy <= grid.bottom + margin), key=lambda s: s.cx))
    fillers = [is_filler(grid.cell(ink, i)) for i in range(grid.width)]
    heights = [templates.glyph_height(grid, ink, i) for i in range(grid.width)]
    # Digit cells of the line give the reference height (the composite's fields are digits).
    digit_heights = [h for h, f, c in zip(heights, fillers, classes, strict=True) if c == "n" and not f]
    tallest = float(np.median(digit_heights)) if len(digit_heights) >= 3 else 0.0
    cell_scores: list[dict[str, float] | None] = []
    for i in range(grid.width):
        scores = None if fillers[i] else templates.scores(grid, ink, glyphs, i)
        if scores is not None and tallest and classes[i] == "x":
            scores = _weigh_height(scores, heights[i] / tallest)
        cell_scores.append(scores)
    aligned = align(text, fillers, cell_scores)
    if fit is not None:
        fit.extend(max(scores.values()) for scores in cell_scores if scores)
    unchecked = classes == "a" * grid.width
    chars, alternatives = [], {}
    for i in range(grid.width):
        if fillers[i]:
            chars.append("<")
            continue
        allowed = _ALLOWED[classes[i]]
        read = aligned[i] if aligned[i] in allowed else ""
        char, alts = _decide(read, cell_scores[i], allowed, unchecked=unchecked)
        chars.append(char)
        if alts:
            alternatives[i] = alts
    return "".join(chars), alternatives


def _weigh_height(scores: dict[str, float], ratio: float) -> dict[str, float]:
    """Lower the score of characters whose usual height does not fit the cell's glyph."""
    return {c: v - 3.0 * max(0.0, abs(ratio - templates.relative_height(c)) - 0.025)
            for c, v in scores.items()}


_LETTERS, _DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789"
_ALLOWED = {"a": _LETTERS + "<", "n": _DIGITS + "<", "c": _DIGITS + "<", "s": "MFX<",
            "x": _LETTERS + _DIGITS + "<"}
_CLEAR_WIN = 0.08
_CLOSE = 0.04


def _decide(read: str, scores: dict[str, float] | None, allowed: str, *,
            unchecked: bool = False) -> tuple[str, str]:
    """A cell's character and, when uncertain, its possible readings. ``unchecked`` cells (the
    name line: no check digit will catch a wrong choice) are certain only when Tesseract and
    the templates agree."""
    if scores is None:  # no OCR-B font on this machine: Tesseract alone
        return (read or "?"), ""
    ranked = sorted((c for c in scores if c in allowed), key=scores.get, reverse=True)
    best, second = ranked[0], ranked[1]
    if read == best:
        return best, ""
    if read and scores[read] >= scores[best] - _CLOSE:
        return best, best + read
    if unchecked:
        return best, "".join(dict.fromkeys(best + (read or second)))
    if scores[best] - scores[second] >= _CLEAR_WIN:
        return best, ""
    return best, "".join(dict.fromkeys(best + second + read))


# Alignment costs: Tesseract reading "<" where the shape test saw none is cheap (the test misses
# some blurred fillers); a letter on a filler cell is Tesseract's typical error; a dropped or an
# extra symbol costs most. Where a symbol was dropped or doubled inside a run of letters, the
# fillers alone do not say where the gap belongs; the OCR-B template scores do: a symbol placed
# on a cell whose glyph it does not resemble costs up to ``_COST_UNLIKE`` (kept well below a gap,
# so the templates only choose among alignments with the same gaps, they never create one).
_COST_FILLER_ON_GLYPH = 0.4
_COST_GLYPH_ON_FILLER = 0.6
_COST_GAP = 1.0
_COST_UNLIKE = 0.3
_UNLIKE_SPAN = 0.15


def align(text: str, fillers: list[bool], scores: list[dict[str, float] | None] | None = None) -> list[str]:
    """For each cell, the character of ``text`` aligned with it ("" for none). ``scores`` are the
    cells' template correlations (``None`` for a cell without any), used to place gaps."""
    n, m = len(text), len(fillers)
    pair = np.array([[_pair_cost(text[i], fillers[j], scores[j] if scores else None) for j in range(m)]
                     for i in range(n)]).reshape(n, m)
    cost = np.full((n + 1, m + 1), np.inf)
    cost[0, :] = np.arange(m + 1) * _COST_GAP
    cost[:, 0] = np.arange(n + 1) * _COST_GAP
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            cost[i, j] = min(
                cost[i - 1, j - 1] + pair[i - 1, j - 1],
                cost[i - 1, j] + _COST_GAP,
                cost[i, j - 1] + _COST_GAP,
            )
    out = [""] * m
    i, j = n, m
    while i > 0 and j > 0:
        if cost[i, j] == cost[i - 1, j - 1] + pair[i - 1, j - 1]:
            out[j - 1] = text[i - 1]
            i, j = i - 1, j - 1
        elif cost[i, j] == cost[i - 1, j] + _COST_GAP:
            i -= 1
        else:
            j -= 1
    return out


def _pair_cost(char: str, filler: bool, scores: dict[str, float] | None = None) -> float:
    if (char == "<") != filler:
        return _COST_GLYPH_ON_FILLER if filler else _COST_FILLER_ON_GLYPH
    if filler or not scores or char not in scores:
        return 0.0
    shortfall = max(scores.values()) - scores[char]
    return _COST_UNLIKE * min(1.0, shortfall / _UNLIKE_SPAN)


def _plain_text(symbols: list[ocr.Symbol]) -> str:
    """Tesseract's reading order, one text line per row of symbols."""
    lines: list[list[ocr.Symbol]] = []
    for sym in sorted(symbols, key=lambda s: s.cy):
        if lines and abs(sym.cy - np.mean([s.cy for s in lines[-1]])) < (sym.bottom - sym.top) * 0.6:
            lines[-1].append(sym)
        else:
            lines.append([sym])
    return "\n".join("".join(s.char for s in sorted(line, key=lambda s: s.left)) for line in lines)

