"""The visual inspection zone (VIZ): the printed fields of a passport page, as a second witness
for the MRZ's name line, which has no check digit (ICAO 9303 Part 3 §4.6, Part 4 §4.2), and for
the cells of checked fields that the check digits cannot settle (a letter and a digit whose values
differ by 10, such as S and 8 or G and 6, weigh the same in every check digit).

A name read uncertainly from the MRZ is only taken when the printed page shows the same name:
every surname and given-name part of the MRZ reading must appear as a word of the page's text
(in one of the transliterations ICAO 9303 allows for the printed spelling). When the MRZ reader
kept several readings for some cells, exactly one of them may agree with the page; two that agree
are as bad as none. The page's own OCR can be wrong too, which only ever turns a confirmation into
"uncertain", never the other way round.
"""

from __future__ import annotations

import re
import time
from datetime import date

import cv2
import numpy as np

from . import image as im
from . import mrz, ocr
from .crosscheck import name_variants

VIZ_WIDTH = 1100  # px: the printed values stay 20+ px tall on an ID-3 page
VIZ_SHARE = 0.78  # of the upright page's height, from the top: the MRZ is in the bottom quarter
_MRZ_LIKE = re.compile(r"(?=[A-Z0-9<]*[0-9<])[A-Z0-9<]{30,}")  # long runs with digits or fillers
# The printed values are no language: dictionaries only pull a number such as D98B8X094 towards words.
ROWS_CONFIG = "-c load_system_dawg=0 -c load_freq_dawg=0"
ROW_WIDTH = 600  # px: the page width at which text rows are looked for (as for the MRZ's lines)
ROW_HEIGHT = (5, 40)  # px at ROW_WIDTH: a printed value, not a speck of salt nor the photo
ROW_MARGIN = 4  # px at VIZ_WIDTH kept around a row's own blob; wider takes in the label above
ROW_GAP = 12  # px between the rows put under each other
CANVAS_MARGIN = 30  # px of white around them: Tesseract drops a row that touches the edge


def page_text(upright: np.ndarray, *, timeout: float) -> str:
    """OCR of the printed fields above the MRZ: their text rows, cut out and put under each other on
    white (``value_rows``), read in one call. The upper page read whole costs a second or more under
    guilloche, the photo and a tilt, and its layout analysis loses or garbles the very rows that
    matter (the number, the dates); the rows alone read in a fraction of that. A page whose rows
    cannot be found is read whole (sparse text)."""
    if timeout <= 0.2:
        return ""
    top = upright[: max(1, int(upright.shape[0] * VIZ_SHARE))]
    if top.shape[1] > VIZ_WIDTH:
        top, _ = im.resize_to_width(top, VIZ_WIDTH)
    rows = value_rows(top)
    if rows is not None:
        read = ocr.recognise(rows, psm=6, config=ROWS_CONFIG, timeout=timeout)
    else:
        read = ocr.recognise(top, psm=11, timeout=timeout)
    return read.text if read.ok else ""


def value_rows(top: np.ndarray) -> np.ndarray | None:
    """The text rows of the page, straightened (its tilt measured on its own lines) and with the
    light evened, each cut along its own blob so that nothing of the guilloche, the photo or the
    label above comes with it, put under each other on white; ``None`` when the page shows none."""
    if top.size == 0:
        return None
    straight, _ = im.deskew(top)
    straight = im.even_light(straight)
    small, scale = im.resize_to_width(straight, ROW_WIDTH)
    mask = im.text_line_mask(small)
    # Letters of a word closed into one blob; single specks of salt noise opened away.
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (15, 3)))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 3)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    crops = []
    for contour in sorted(contours, key=lambda c: cv2.boundingRect(c)[1::-1]):
        _, _, w, h = cv2.boundingRect(contour)
        if not ROW_HEIGHT[0] <= h <= ROW_HEIGHT[1] or w < h:
            continue
        crops.append(_cut_row(straight, (contour / scale).astype(np.int32)))
    if not crops:
        return None
    width = max(c.shape[1] for c in crops) + 2 * CANVAS_MARGIN
    height = sum(c.shape[0] + ROW_GAP for c in crops) + 2 * CANVAS_MARGIN
    canvas = np.full((height, width), 255, np.uint8)
    y = CANVAS_MARGIN
    for crop in crops:
        canvas[y:y + crop.shape[0], CANVAS_MARGIN:CANVAS_MARGIN + crop.shape[1]] = crop
        y += crop.shape[0] + ROW_GAP
    return canvas


def _cut_row(page: np.ndarray, contour: np.ndarray) -> np.ndarray:
    x, y, w, h = cv2.boundingRect(contour)
    x0, y0 = max(0, x - ROW_MARGIN), max(0, y - ROW_MARGIN)
    x1, y1 = min(page.shape[1], x + w + ROW_MARGIN), min(page.shape[0], y + h + ROW_MARGIN)
    own = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.drawContours(own, [contour - np.array([x0, y0], np.int32)], -1, 255, thickness=cv2.FILLED)
    own = cv2.dilate(own, np.ones((2 * ROW_MARGIN + 1, 2 * ROW_MARGIN + 1), np.uint8))
    return np.where(own > 0, page[y0:y1, x0:x1], 255).astype(np.uint8)


def words(text: str) -> set[str]:
    """Every word of the page in its MRZ spellings; lines that look like the MRZ itself are left out."""
    out: set[str] = set()
    for line in text.splitlines():
        if _mrz_like(line):
            continue
        for raw in re.split(r"[\s/,:;]+", line):
            for variant in name_variants(raw):
                out.update(variant.split())
    return out


_MONTHS = {name: n for n, names in enumerate((
    "JAN", "FEB FEV", "MAR MAE MRZ", "APR AVR", "MAY MAI", "JUN JUIN", "JUL JUIL", "AUG AOU AOUT",
    "SEP", "OCT OKT", "NOV", "DEC DEZ"), start=1) for name in names.split()}
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})[./,-](\d{1,2})[./,-](\d{4}|\d{2})\b")  # "," : a dot misread
_WORD_DATE = re.compile(r"\b(\d{1,2})\s*([A-Z]{3,4})[A-Z]*[\s/.]*(\d{4}|\d{2})\b")


def printed_dates(text: str) -> set[tuple[int, int, int]]:
    """(day, month, year mod 100) of the dates printed as 12.08.1974, 12/08/74 or 12 AUG 1974."""
    out = set()
    upper = text.upper()
    for day, month, year in _NUMERIC_DATE.findall(upper):
        out.add((int(day), int(month), int(year) % 100))
    for day, month, year in _WORD_DATE.findall(upper):
        if month in _MONTHS:
            out.add((int(day), _MONTHS[month], int(year) % 100))
    return out


def _number_and_dates_printed(found: mrz.Mrz, text: str) -> bool:
    dates = printed_dates(text)
    for value in (found.birth_date, found.expiry_date):
        if value is None or (value.day, value.month, value.year % 100) not in dates:
            return False
    return found.document_number.replace(" ", "") in _tokens(text)


def _tokens(text: str) -> set[str]:
    """The page's words, upper case; lines that look like the MRZ are left out: the zone read again by
    the page's OCR is no witness for the zone."""
    return {token.upper() for line in text.splitlines() if not _mrz_like(line)
            for token in re.split(r"[\s/,:;]+", line) if token}


def _mrz_like(line: str) -> bool:
    return "<<" in line or bool(_MRZ_LIKE.search(line.replace(" ", "")))


def agrees(field_text: str, page_words: set[str]) -> bool:
    surname, given, truncated = mrz.split_names(field_text)
    parts = surname.split() + given.split()
    if not parts:
        return False
    *complete, last = parts
    if not all(part in page_words for part in complete):
        return False
    if truncated:  # the last part may be cut off in the MRZ
        return any(word.startswith(last) for word in page_words)
    return last in page_words


def confirm_name(found: mrz.Mrz, text: str) -> mrz.Mrz | None:
    """``found`` with its name taken as certain when exactly one of its readings is printed on
    the page; ``None`` otherwise. An MRZ read without a second opinion per character (plain OCR
    text, or a zone not printed in OCR-B) must also show its document number and both dates on the
    page: check digits cannot see every swap (G and 6, L and 1 differ by 10 in value), and several
    doubtful cells can fit a check digit by chance."""
    page_words = words(text)
    if not page_words:
        return None
    if not found.second_opinion and not _number_and_dates_printed(found, text):
        return None
    agreeing = [candidate for candidate in mrz.name_candidates(found) if agrees(candidate, page_words)]
    if len(agreeing) != 1:
        return None
    return mrz.with_name_field(found, agreeing[0], "name: settled with the printed page")


def settle_fields(found: mrz.Mrz, text: str, *, today: date | None = None) -> mrz.Mrz | None:
    """``found`` with its doubtful checked cells settled when exactly one of the readings that pass
    the check digits shows its document number and dates on the page; ``None`` otherwise (the
    printed number unread, read otherwise, or agreeing with two readings)."""
    if not settleable(found) or not text:
        return None
    tokens, dates = _tokens(text), printed_dates(text)
    fields = found.uncertain_fields
    doubtful = {pos for (ln, pos), _ in found.field_alternatives if ln == _NUMBER_CELLS[found.format][0]}
    agreeing = [c for c in mrz.field_candidates(found, today=today)
                if _printed(c, fields, tokens, dates, doubtful)]
    if len(agreeing) != 1:
        return None
    return mrz.with_fields(found, agreeing[0], "settled with the printed page")


def settleable(found: mrz.Mrz) -> bool:
    """Whether the printed page can settle the zone's doubtful cells: all of them in fields the page
    prints. A doubt in the optional data (a personal number) or the composite alone never is, and
    the page's OCR is then not worth its time."""
    return bool(found.field_alternatives) and all(name in PRINTED_FIELDS for name in found.uncertain_fields)


PRINTED_FIELDS = ("document_number", "birth_date", "expiry_date")
_NUMBER_CELLS = {"TD3": (1, 0), "TD1": (0, 5)}  # line and first position of the document number
NUMBER_SLIPS = 1  # characters of the printed number the page's OCR may misread away from the doubtful cells


def number_printed(number: str, doubtful: set[int], tokens: set[str]) -> bool:
    """A token of the page is the printed ``number``: the same at every doubtful position (indices into
    the number) and at all but ``NUMBER_SLIPS`` of the others (the page's OCR reads a J as ")"), for
    numbers of six characters or more; shorter ones must be the same. The page's OCR reads words and
    gives O for a zero as often as not, or a round D or Q for either: at a doubtful position a round
    character of the page tells only that the cell is round, so it never chooses among O, 0, D and Q
    (two readings that differ only there both agree, and stay unsettled) while the number's other
    doubtful cells still choose; elsewhere O and 0 are one character and no slip. Likewise a B and an
    8: among digits the page's OCR reads a printed B as 8 (dev-unseen: "B5125D25" read "85125025"), so
    at a doubtful position either tells only that the cell is one of the two."""
    slips = NUMBER_SLIPS if len(number) >= 6 else 0
    for token in tokens:
        if len(token) != len(number) or not all(_same_cell(token[i], number[i]) for i in doubtful if i < len(number)):
            continue
        others = (i for i in range(len(number)) if i not in doubtful)
        if sum(_one_o(token[i]) != _one_o(number[i]) for i in others) <= slips:
            return True
    return False


LOOK_ALIKES = (frozenset("O0DQ"), frozenset("B8"))  # what the page's OCR reads for one another


def _same_cell(printed: str, read: str) -> bool:
    return printed == read or any(printed in group and read in group for group in LOOK_ALIKES)


def _one_o(text: str) -> str:
    return text.replace("O", "0")


def _printed(candidate: mrz.Mrz, fields: list[str], tokens: set[str], dates: set[tuple[int, int, int]],
             doubtful: set[int]) -> bool:
    start = _NUMBER_CELLS[candidate.format][1]
    for name in fields:
        if name == "document_number":
            number = candidate.document_number.replace(" ", "")
            if not number_printed(number, {pos - start for pos in doubtful}, tokens):
                return False
        elif name in ("birth_date", "expiry_date"):
            value = getattr(candidate, name)
            if value is None or (value.day, value.month, value.year % 100) not in dates:
                return False
        else:  # not printed on the page (settleable() keeps such zones away)
            return False
    return True


class PrintedPage:
    """The printed page's text, read once when first asked for: the text layer when there is one,
    else OCR of the printed rows above the MRZ within what is left of the page's time."""

    def __init__(self, upright: np.ndarray | None, text_layer: str, *, deadline: float) -> None:
        self._upright, self._text, self._deadline = upright, text_layer, deadline
        self._read = bool(text_layer)

    @property
    def text(self) -> str:
        if not self._read:
            self._read = True
            if self._upright is not None:
                self._text = page_text(self._upright, timeout=self._deadline - time.monotonic())
        return self._text
