"""Image clean-up before OCR: grey scale, deskew, binarise (OpenCV and numpy only).

Images are numpy arrays: ``uint8``, 2-D (grey) once ``to_gray`` has run.
"""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image, ImageOps


def load(data: bytes) -> np.ndarray:
    """Decode an image to grey scale, honouring its EXIF orientation. Call only after
    ``limits.check_image`` has accepted the header's dimensions; Pillow's own bomb warning is
    turned into an error as a second line of defence."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data)) as img:
            img = ImageOps.exif_transpose(img)
            return to_gray(img)


def to_gray(img: Image.Image | np.ndarray) -> np.ndarray:
    if isinstance(img, np.ndarray):
        return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        # Transparent areas are white paper, not black ink.
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img.convert("RGBA"))
    return np.asarray(img.convert("L"))


def resize_to_width(gray: np.ndarray, width: int) -> tuple[np.ndarray, float]:
    """Returns the resized image and the factor applied."""
    factor = width / gray.shape[1]
    interpolation = cv2.INTER_AREA if factor < 1 else cv2.INTER_CUBIC
    size = (width, max(1, round(gray.shape[0] * factor)))
    return cv2.resize(gray, size, interpolation=interpolation), factor


def limit_size(gray: np.ndarray, max_side: int) -> np.ndarray:
    """Large scans cost OCR time without adding accuracy beyond ~300 dpi."""
    longest = max(gray.shape)
    if longest <= max_side:
        return gray
    factor = max_side / longest
    size = (round(gray.shape[1] * factor), round(gray.shape[0] * factor))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


UNEVEN_LIGHT = 40  # grey levels between the brightest and the darkest part of the paper


def _paper_light(gray: np.ndarray) -> np.ndarray:
    """The paper's brightness around each point at an eighth of the page's size: the brightest level
    within a few millimetres, which text does not fill."""
    h, w = gray.shape
    factor = 8
    small = cv2.resize(gray, (max(1, w // factor), max(1, h // factor)), interpolation=cv2.INTER_AREA)
    return cv2.GaussianBlur(cv2.dilate(small, np.ones((9, 9), np.uint8)), (0, 0), 4)


def _uneven(paper: np.ndarray) -> bool:
    return int(np.percentile(paper, 98)) - int(np.percentile(paper, 2)) >= UNEVEN_LIGHT


def lit_unevenly(gray: np.ndarray) -> bool:
    return gray.size > 0 and _uneven(_paper_light(gray))


def even_light(gray: np.ndarray) -> np.ndarray:
    """A page photographed under uneven light, with its paper brought to one brightness: each pixel
    divided by the paper's brightness around it. Pages lit evenly are returned as they are, so nothing
    changes for them."""
    h, w = gray.shape
    paper = _paper_light(gray)
    if not _uneven(paper):
        return gray
    paper = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    level = float(np.percentile(paper, 98))
    return np.clip(gray.astype(np.float32) * (level / np.maximum(paper, 1.0)), 0, 255).astype(np.uint8)


def binarise(gray: np.ndarray) -> np.ndarray:
    """Otsu's threshold after a light blur, which keeps scanner noise out of the glyphs."""
    blurred = cv2.GaussianBlur(gray, (3, 3), 0)
    _, out = cv2.threshold(blurred, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return out


def flatten_background(gray: np.ndarray) -> np.ndarray:
    """The page with its light made even: each pixel divided by the paper's brightness around it (the
    text closed away, then smoothed). A scan darker at one side or corner otherwise loses that part to
    one global threshold."""
    if gray.size == 0:
        return gray
    side = max(15, (min(gray.shape) // 60) | 1)  # wider than a stroke, narrower than a shadow
    paper = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (side, side)))
    paper = cv2.GaussianBlur(paper, (0, 0), side / 2)
    return cv2.divide(gray, np.maximum(paper, 1), scale=255)


def evened_or_smoothed(gray: np.ndarray) -> np.ndarray:
    """A second look at a scan: its light evened when it is lit unevenly (the side the first reading
    lost to the dark reads again), else the page smoothed a little. A second reading only counts for
    something when its pixels differ from the first's, and it must misread as seldom: measured on the
    development scans, evening an evenly lit page misread a digit the smoothed page did not ("1.700,00"
    as "1.708,80", which leaves the salary "not found")."""
    if gray.size == 0:
        return gray
    if lit_unevenly(gray):
        return flatten_background(gray)
    return cv2.GaussianBlur(gray, (0, 0), 0.8)


def evened_threshold(gray: np.ndarray) -> np.ndarray:
    """Black and white at half way between ink and paper once the light is even: thinner strokes than
    Otsu's threshold of a blurred JPEG, which closes the inside of a "0" into an "8"."""
    if gray.size == 0:
        return gray
    return cv2.threshold(flatten_background(gray), 128, 255, cv2.THRESH_BINARY)[1]


def rotate(gray: np.ndarray, angle: float) -> np.ndarray:
    """Rotate counter-clockwise by ``angle`` degrees around the centre, growing the canvas and
    filling with white so that no text is cut off."""
    if abs(angle) < 0.05:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    return cv2.warpAffine(gray, matrix, (new_w, new_h), flags=cv2.INTER_CUBIC,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=255)


def rotate90(gray: np.ndarray, quarter_turns: int) -> np.ndarray:
    """Counter-clockwise by 90 degrees per turn (exact, no resampling)."""
    return np.ascontiguousarray(np.rot90(gray, quarter_turns % 4))


def text_line_mask(gray: np.ndarray) -> np.ndarray:
    """Dark text on light paper becomes white horizontal blobs, one per text line
    (black-hat, horizontal Sobel gradient, closing, Otsu: the transform PassportEye uses after
    Boone). Expects a page about 600 px wide."""
    rect = cv2.getStructuringElement(cv2.MORPH_RECT, (13, 5))
    blackhat = cv2.morphologyEx(cv2.GaussianBlur(gray, (3, 3), 0), cv2.MORPH_BLACKHAT, rect)
    grad = np.abs(cv2.Sobel(blackhat, cv2.CV_32F, 1, 0, ksize=-1))
    low, high = float(grad.min()), float(grad.max())
    grad = ((grad - low) / max(high - low, 1e-6) * 255).astype(np.uint8)
    grad = cv2.morphologyEx(grad, cv2.MORPH_CLOSE, rect)
    _, mask = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    return mask


def skew_angle(gray: np.ndarray, *, max_angle: float = 15.0) -> float:
    """Median angle of the long text-line blobs, in degrees counter-clockwise; 0 when the page
    shows no clear lines. Small angles only: quarter turns are found by the MRZ search."""
    small, _ = resize_to_width(gray, 600)
    mask = text_line_mask(small)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (25, 3)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    angles, weights = [], []
    for contour in contours:
        (_, _), (w, h), angle = cv2.minAreaRect(contour)
        long_side, short_side = max(w, h), max(1.0, min(w, h))
        if long_side < 60 or long_side / short_side < 5:
            continue
        angle = rect_angle(w, h, angle)
        if abs(angle) <= max_angle:
            angles.append(angle)
            weights.append(long_side)
    if not angles:
        return 0.0
    return float(_weighted_median(np.array(angles), np.array(weights)))


def rect_angle(w: float, h: float, angle: float) -> float:
    """OpenCV's ``minAreaRect`` angle (its convention changed between versions) as the
    counter-clockwise tilt of the rectangle's long side, in -45..45."""
    if w < h:
        angle -= 90
    while angle <= -45:
        angle += 90
    while angle > 45:
        angle -= 90
    return -angle


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def deskew(gray: np.ndarray, *, max_angle: float = 15.0) -> tuple[np.ndarray, float]:
    angle = skew_angle(gray, max_angle=max_angle)
    return rotate(gray, -angle), angle


def _glyph_height(ink: np.ndarray) -> float:
    """The median height of the page's ink blobs the size of a letter: the scale of its type. Specks of
    noise are filtered out first, or their number would make the typical blob a speck."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(cv2.medianBlur(ink, 3), connectivity=8)
    heights, widths = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    letters = (heights >= 4) & (heights <= 120) & (widths <= 3 * heights)
    return float(np.median(heights[letters])) if letters.any() else 0.0


def _ink_and_letter_height(gray: np.ndarray) -> tuple[np.ndarray, float]:
    """The page's ink (255) with its light evened, and the height of its letters."""
    ink = (flatten_background(gray) < 128).astype(np.uint8) * 255
    return ink, _glyph_height(ink)


def remove_rules(gray: np.ndarray) -> np.ndarray:
    """The page with the lines of a ruled table painted over as paper. The OCR reads a table's vertical
    rule as "1", "i" or "|" beside the figure ("1€ 4,100.00" is an amount of 1 euro) and its horizontal
    rules as rows of dashes. A rule is thin ink longer than any letter: vertically more than twice the
    page's typical letter height (a stem or a bracket is shorter), horizontally longer than a word. Thick
    dark areas (a shadow a fax turned black) are left alone: they are no rule, and painting them over
    leaves specks that cost the OCR time."""
    if gray.size == 0 or min(gray.shape) < 3:
        return gray
    ink, letter = _ink_and_letter_height(gray)
    return _paint_rules(gray, ink, letter)[0]


def _paint_rules(gray: np.ndarray, ink: np.ndarray, letter: float) -> tuple[np.ndarray, np.ndarray]:
    """``remove_rules`` on a page whose ink and letter height are measured: the page and its ink, each
    without the rules."""
    if letter <= 0:
        return gray, ink
    across = max(int(letter * 8), gray.shape[1] // 10)
    # Never shorter than a few millimetres on the page, whatever the letters measure: specks of noise
    # can make the typical blob far smaller than a letter, and a stem must not pass for a rule.
    down = max(8, int(letter * 2.2), max(gray.shape) // 90)
    thin = max(3, int(letter * 0.6))
    horizontal = _thin(cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (across, 1))),
                       thin, cv2.CC_STAT_HEIGHT)
    vertical = _thin(cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, down))),
                     thin, cv2.CC_STAT_WIDTH)
    rules = horizontal | vertical
    if not rules.any():
        return gray, ink
    painted = cv2.dilate(rules, np.ones((3, 3), np.uint8)) > 0
    out, ink = gray.copy(), ink.copy()
    out[painted] = 255
    ink[painted] = 0
    return out, ink


def rules_and_columns(gray: np.ndarray) -> list[np.ndarray]:
    """``columns(remove_rules(gray))`` with the page's ink and letter height measured once (evening the
    light and measuring the letters is a tenth of a second on a scanned page): the columns go by the ink
    with the rules taken out, as they would by the ink of the page with the rules painted over."""
    if gray.size == 0 or min(gray.shape) < 3:
        return [gray]
    ink, letter = _ink_and_letter_height(gray)
    cleared, ink = _paint_rules(gray, ink, letter)
    return _split_columns(cleared, ink, letter)


def _thin(mask: np.ndarray, most: int, across: int) -> np.ndarray:
    """The blobs of ``mask`` no thicker than ``most`` pixels (``across``: the statistic that measures it)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 1:
        return mask
    keep = stats[:, across] <= most
    keep[0] = False
    return np.where(keep[labels], 255, 0).astype(np.uint8)


def columns(gray: np.ndarray) -> list[np.ndarray]:
    """A page set in two columns as its two columns, cut in the gutter; any other page as it is. The
    OCR's layout analysis takes a narrow gutter for a wide space and runs each line of the left column
    on into the right one, which parts a salary from its clause. A gutter is a band in the middle of the
    page that no letter touches from top to bottom, at least a letter wide, with a fifth of the letters
    or more on either side (a page of short lines has no second column)."""
    if gray.size == 0 or min(gray.shape) < 50:
        return [gray]
    return _split_columns(gray, *_ink_and_letter_height(gray))


def _split_columns(gray: np.ndarray, ink: np.ndarray, letter: float) -> list[np.ndarray]:
    if min(gray.shape) < 50 or letter <= 0:
        return [gray]
    # Letter-sized blobs only: specks of noise and dark areas say nothing about where the text runs.
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights, widths = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    letters = (heights >= letter * 0.4) & (heights <= letter * 3) & (widths <= letter * 6)
    letters[0] = False
    profile = letters[labels].sum(axis=0)
    total = int(profile.sum())
    width = gray.shape[1]
    low, high = int(width * 0.3), int(width * 0.7)
    start, length = _longest_run(profile[low:high] == 0)
    if total == 0 or length < max(6, letter):
        return [gray]
    cut = low + start + length // 2
    if min(int(profile[:cut].sum()), int(profile[cut:].sum())) < 0.2 * total:
        return [gray]
    return [gray[:, :cut], gray[:, cut:]]


def _longest_run(flags: np.ndarray) -> tuple[int, int]:
    """(start, length) of the longest run of true values."""
    padded = np.concatenate(([0], flags.astype(np.int8), [0]))
    edges = np.flatnonzero(np.diff(padded))
    if edges.size == 0:
        return 0, 0
    starts, ends = edges[0::2], edges[1::2]
    best = int(np.argmax(ends - starts))
    return int(starts[best]), int(ends[best] - starts[best])
