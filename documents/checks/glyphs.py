"""A character classifier for MRZ cells, trained at start-up on glyphs rendered from several fonts.

ICAO 9303 Part 3 §4.2 prescribes OCR-B, but printers use their own cuts of it and scans blur,
thicken and thin the strokes; a zone set in another monospace face must not be read as noise
either. So the bank holds every MRZ character rendered from OCR-B and from other monospace faces
of Debian font packages (Noto Sans Mono, Inconsolata, JetBrains Mono, Go Mono, Courier Prime,
Fira Code: whichever are installed), each with scan-like distortions: stroke weight, blur, a small
rotation, low resolution. A cell is scored against the whole bank (correlation of normalised
glyphs); a character's score is its best match, so one bank serves every face it has seen and,
by their common shapes, faces it has not.

The bank is built once per process (about a second); the check worker builds it before forking
its check children.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import templates

CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
SIZE = (20, 24)  # width, height of the normalised glyph

OCRB = "/usr/share/fonts/opentype/ocr-b/OCRB.otf"
# Other monospace faces whose shapes the bank learns from.
TRAINING_FONTS = (
    OCRB,
    "/usr/share/fonts/opentype/ocr-b/OCRBE.otf",
    "/usr/share/fonts/opentype/ocr-b/OCRBF.otf",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSansMono-Bold.ttf",
    "/usr/share/fonts/truetype/inconsolata/Inconsolata.otf",
    "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Regular.ttf",
    "/usr/share/fonts/truetype/jetbrains-mono/JetBrainsMono-Bold.ttf",
    "/usr/share/fonts/fonts-go/Go-Mono.ttf",
    "/usr/share/fonts/fonts-go/Go-Mono-Bold.ttf",
    "/usr/share/fonts/opentype/courier-prime/Courier Prime.otf",
    "/usr/share/fonts/opentype/courier-prime/Courier Prime Bold.otf",
    "/usr/share/fonts/opentype/courier-prime/Courier Prime Sans.otf",
    "/usr/share/fonts/truetype/firacode/FiraCode-Regular.ttf",
    "/usr/share/fonts/truetype/firacode/FiraCode-Bold.ttf",
)
RENDER_PX = 96
# (stroke change in px at RENDER_PX: negative thins, blur sigma, rotation in degrees, glyph height
# it is seen at): the distortions each rendered glyph is stored with.
_VARIANTS = ((0, 0, 0, 0), (0, 3, 0, 0), (0, 6, 0, 0), (3, 2, 0, 0), (-2, 2, 0, 0), (0, 2, 2.5, 0),
             (0, 2, -2.5, 0), (0, 0, 0, 14), (2, 3, 0, 18), (0, 4, 1.5, 12))


def normalise(glyph: np.ndarray) -> np.ndarray:
    return templates.normalise(glyph, SIZE)


@dataclass(frozen=True)
class Bank:
    chars: str  # the character of each row; a character's rows are adjacent, in the order of CHARS
    matrix: np.ndarray  # one normalised glyph per row
    index: dict[str, np.ndarray]  # character -> its rows
    starts: np.ndarray  # the first row of each character of CHARS: one maximum.reduceat scores them all


def fonts() -> list[str]:
    return [path for path in TRAINING_FONTS if Path(path).exists()]


@cache
def bank() -> Bank | None:
    paths = fonts()
    if OCRB not in paths:
        return None
    rng = random.Random(9303)
    chars, rows = [], []
    for path in paths:
        face = ImageFont.truetype(path, RENDER_PX)
        for char in CHARS:
            sharp = _render(face, char)
            if sharp is None:
                continue
            for stroke, sigma, angle, seen_at in _VARIANTS:
                ink = _distort(sharp, stroke, sigma, angle + rng.uniform(-0.5, 0.5), seen_at)
                if ink is not None:
                    chars.append(char)
                    rows.append(normalise(ink).ravel())
    order = sorted(range(len(chars)), key=lambda i: CHARS.index(chars[i]))
    labels = "".join(chars[i] for i in order)
    index = {c: np.array([i for i, x in enumerate(labels) if x == c]) for c in CHARS}
    starts = np.array([index[c][0] for c in CHARS])
    return Bank(labels, np.stack([rows[i] for i in order]).astype(np.float32), index, starts)


def _render(face: ImageFont.FreeTypeFont, char: str) -> np.ndarray | None:
    canvas = Image.new("L", (RENDER_PX * 2, RENDER_PX * 2), 0)
    ImageDraw.Draw(canvas).text((RENDER_PX // 2, int(RENDER_PX * 1.5)), char, font=face, fill=255, anchor="ls")
    sharp = np.asarray(canvas, np.float32) / 255.0
    ys, xs = np.nonzero(sharp > 0.5)
    if len(ys) == 0:
        return None
    margin = RENDER_PX // 6  # room for the thickest stroke, the widest blur and the rotation
    return np.pad(sharp[ys.min():ys.max() + 1, xs.min():xs.max() + 1], margin)


def _distort(sharp: np.ndarray, stroke: int, sigma: float, angle: float, seen_at: int) -> np.ndarray | None:
    ink = sharp
    if stroke:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * abs(stroke) + 1, 2 * abs(stroke) + 1))
        ink = cv2.dilate(ink, kernel) if stroke > 0 else cv2.erode(ink, kernel)
    if angle:
        h, w = ink.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        ink = cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_LINEAR)
    if sigma:
        ink = cv2.GaussianBlur(ink, (0, 0), sigma)
    ys, xs = np.nonzero(ink > 0.5)
    if len(ys) == 0:
        return None
    glyph = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    if seen_at:
        factor = seen_at / glyph.shape[0]
        small = cv2.resize(glyph, (max(1, round(glyph.shape[1] * factor)), seen_at), interpolation=cv2.INTER_AREA)
        glyph = (small > 0.5).astype(np.float32) * 0.8 + small * 0.2
    return glyph


def available() -> bool:
    return bank() is not None


def classify(glyph: np.ndarray) -> dict[str, float]:
    """Score of every MRZ character for one glyph (ink high, cut to its box): its best correlation
    with the bank's renderings of that character."""
    found = bank()
    if found is None:
        return {}
    return _best_per_character(found, (found.matrix @ normalise(glyph).ravel())[:, None])[0]


def classify_many(glyphs: list[np.ndarray]) -> list[dict[str, float]]:
    found = bank()
    if found is None or not glyphs:
        return [{} for _ in glyphs]
    return _best_per_character(found, found.matrix @ np.stack([normalise(g).ravel() for g in glyphs]).T)


def _best_per_character(found: Bank, values: np.ndarray) -> list[dict[str, float]]:
    """Each column's best correlation per character (its rows are adjacent in the bank)."""
    best = np.maximum.reduceat(values, found.starts, axis=0).T.tolist()
    return [dict(zip(CHARS, column, strict=True)) for column in best]
